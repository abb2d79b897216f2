import { CancelledError, QueueEmptyError, QueueFullError, TimeoutError, InvalidStateError } from '../errors.js';
import { Deque } from '../deque.js';
import { QueueClosedError } from './errors.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

/**
 * The state of one queue, kept by the broker in the process that created it: items in FIFO
 * order, waiting getters and putters (served first come, first served), and the count of
 * unfinished items for `taskDone`/`join`. Every operation of every handle, local or remote, lands here.
 */
export class QueueState {
  readonly #items = new Deque<unknown>();
  readonly #getters = new Map<string, Waiter<unknown>>();
  readonly #putters = new Map<string, Waiter<void> & { item: unknown }>();
  readonly #joiners: (() => void)[] = [];
  #unfinished = 0;
  #closed = false;
  #seq = 0;

  constructor(readonly maxsize: number) {}

  get size(): number {
    return this.#items.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  putNowait(item: unknown): void {
    if (this.#closed) throw new QueueClosedError();
    if (this.maxsize > 0 && this.size >= this.maxsize) throw new QueueFullError();
    this.#push(item);
  }

  put(item: unknown, timeout?: number, key = `l${this.#seq++}`): Promise<void> {
    if (this.#closed) return Promise.reject(new QueueClosedError());
    if (this.#putters.size === 0 && !(this.maxsize > 0 && this.size >= this.maxsize)) {
      this.#push(item);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, item, timer: undefined as NodeJS.Timeout | undefined };
      if (timeout !== undefined) w.timer = setTimeout(() => this.cancel(key, new TimeoutError(`put() found no room within ${timeout} ms`)), timeout);
      this.#putters.set(key, w);
    });
  }

  getNowait(): unknown {
    if (this.size === 0) throw this.#closed ? new QueueClosedError() : new QueueEmptyError();
    return this.#shift();
  }

  get(timeout?: number, key = `l${this.#seq++}`): Promise<unknown> {
    if (this.size > 0 && this.#getters.size === 0) return Promise.resolve(this.#shift());
    if (this.#closed) return Promise.reject(new QueueClosedError());
    return new Promise((resolve, reject) => {
      const w: Waiter<unknown> = { resolve, reject };
      if (timeout !== undefined) w.timer = setTimeout(() => this.cancel(key, new TimeoutError(`get() found no item within ${timeout} ms`)), timeout);
      this.#getters.set(key, w);
    });
  }

  /** Rejects the waiting `put` or `get` registered under `key` (no-op if it was already served). */
  cancel(key: string, error: unknown = new CancelledError()): void {
    const w = this.#getters.get(key) ?? this.#putters.get(key);
    if (!w) return;
    this.#getters.delete(key);
    this.#putters.delete(key);
    clearTimeout(w.timer);
    w.reject(error);
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw new InvalidStateError('taskDone() called more times than there were items: call it once per item got');
    if (--this.#unfinished === 0) for (const j of this.#joiners.splice(0)) j();
  }

  join(): Promise<void> {
    return this.#unfinished === 0 ? Promise.resolve() : new Promise((resolve) => this.#joiners.push(resolve));
  }

  /** No more puts; getters wake with `QueueClosedError` once the items left are gone. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [key] of this.#putters) this.cancel(key, new QueueClosedError());
    if (this.size === 0) for (const [key] of this.#getters) this.cancel(key, new QueueClosedError());
  }

  #push(item: unknown): void {
    this.#unfinished++;
    const first = this.#getters.entries().next();
    if (!first.done) {
      const [key, w] = first.value;
      this.#getters.delete(key);
      clearTimeout(w.timer);
      w.resolve(item);
      return;
    }
    this.#items.push(item);
  }

  #shift(): unknown {
    const item = this.#items.shift();
    // room freed: admit the oldest waiting putter
    const first = this.#putters.entries().next();
    if (!first.done) {
      const [key, w] = first.value;
      this.#putters.delete(key);
      clearTimeout(w.timer);
      this.#push(w.item);
      w.resolve();
    }
    if (this.#closed && this.size === 0) for (const [key] of this.#getters) this.cancel(key, new QueueClosedError());
    return item;
  }
}
