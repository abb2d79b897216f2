// A minimal hand-written worker_threads pool: the baseline the real pools are compared to.
// One postMessage per task, an id -> resolver map, least-busy dispatch, no queue of its own
// (every task is posted straight away; the workers' message ports are the queue).
//
// The worker file must answer messages [id, name, arg] with [id, ok, value]
// (see bench/fixtures/raw-worker.mjs).

import { Worker } from 'node:worker_threads';

interface Pending {
  resolve(value: unknown): void;
  reject(reason: Error): void;
}

type Reply = [id: number, ok: boolean, value: unknown];

function isReply(msg: unknown): msg is Reply {
  return Array.isArray(msg) && msg.length === 3 && typeof msg[0] === 'number' && typeof msg[1] === 'boolean';
}

export class RawPool {
  readonly #workers: Worker[] = [];
  readonly #busy: number[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #owner = new Map<number, number>();
  #nextId = 0;

  constructor(file: URL | string, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(file);
      worker.on('message', (msg: unknown) => this.#settle(i, msg));
      worker.on('error', (err) => this.#failAll(err));
      this.#workers.push(worker);
      this.#busy.push(0);
    }
  }

  run(name: string, arg: unknown): Promise<unknown> {
    let best = 0;
    for (let i = 1; i < this.#busy.length; i++) if (this.#busy[i]! < this.#busy[best]!) best = i;
    const id = this.#nextId++;
    this.#busy[best]!++;
    this.#owner.set(id, best);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#workers[best]!.postMessage([id, name, arg]);
    });
  }

  #settle(worker: number, msg: unknown): void {
    if (!isReply(msg)) return;
    const [id, ok, value] = msg;
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    this.#owner.delete(id);
    this.#busy[worker]!--;
    if (ok) p.resolve(value);
    else p.reject(new Error(String(value)));
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
