import type { Backend, WorkerExit } from './backend.js';
import { Slot } from './slot.js';
import type { WorkerInit } from '../worker/protocol.js';

/** What a pool hears from its workers. */
export interface WorkerListener {
  results(slot: Slot, batch: unknown[]): void;
  exit(slot: Slot, info: WorkerExit): void;
}

/**
 * The live workers of a pool: starting them, retiring them, letting idle ones time out, and
 * stopping them all. Which tasks go where is the pool's business. Internal.
 */
export class Workers implements Iterable<Slot> {
  readonly #slots: Slot[] = [];

  constructor(
    readonly backend: Backend,
    readonly init: Omit<WorkerInit, 'started'>,
    readonly listener: WorkerListener,
    readonly minSize: number,
    readonly idleTimeout: number,
  ) {}

  /** Workers alive, including those being retired. */
  get count(): number {
    return this.#slots.length;
  }

  [Symbol.iterator](): Iterator<Slot> {
    return this.#slots[Symbol.iterator]();
  }

  /** Workers alive and not being retired. */
  live(): number {
    let n = 0;
    for (const s of this.#slots) if (!s.retiring) n++;
    return n;
  }

  /** Starts a worker; `ref: false` lets the process exit while it idles. */
  spawn(ref: boolean): void {
    const started = new SharedArrayBuffer(4);
    const slot = new Slot(new Int32Array(started));
    slot.handle = this.backend.spawn(
      { ...this.init, started },
      { results: (batch) => this.listener.results(slot, batch), exit: (info) => this.listener.exit(slot, info) },
    );
    if (!ref) slot.handle.unref();
    this.#slots.push(slot);
  }

  /** Forgets a worker that has exited. */
  remove(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    slot.clearIdle();
  }

  /** Tells a worker to stop; its exit follows. */
  retire(slot: Slot): void {
    slot.retiring = true;
    slot.handle.terminate();
  }

  /** Retires an idle worker after `idleTimeout`, unless it got work or only `minSize` remain by then. */
  scheduleIdle(slot: Slot): void {
    if (this.idleTimeout === Infinity || this.#slots.length <= this.minSize || slot.idleTimer) return;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.inflight.size === 0 && !slot.retiring && this.live() > this.minSize) this.retire(slot);
    }, this.idleTimeout);
    slot.idleTimer.unref();
  }

  /** Whether the workers keep the process alive. */
  setRef(on: boolean): void {
    for (const s of this.#slots) {
      if (on) s.handle.ref();
      else s.handle.unref();
    }
  }

  /** Retires every worker; resolves once all have exited. */
  async stopAll(): Promise<void> {
    const slots = [...this.#slots];
    for (const s of slots) {
      s.clearIdle();
      if (!s.retiring) this.retire(s);
    }
    await Promise.all(slots.map((s) => s.exited));
  }
}
