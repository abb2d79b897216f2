import { Deque } from '../deque.js';
import { InvalidStateError, QueueEmptyError, QueueFullError, QueueShutDownError } from '../errors.js';
import { checkCount, checkOptions, WaiterQueue, type WaitOptions } from './waiters.js';

const done: Promise<void> = Promise.resolve();

/** Options of a queue. */
export interface QueueOptions {
  /** Most items held before `put` waits; `0` (default) or `Infinity` means unbounded. */
  maxsize?: number;
}

/**
 * A FIFO queue for producer and consumer tasks of one event loop (asyncio's `Queue`), with
 * `maxsize` backpressure, `taskDone`/`join`, and Python 3.13's `shutdown`.
 *
 * - Fairness: blocked `get` and `put` callers are served FIFO; an item put while a consumer
 *   waits goes straight to the longest-waiting consumer.
 * - Cancel / timeout: a `get` or `put` that gives up (`{ signal, timeout }`) rejects with
 *   `CancelledError` / `TimeoutError` and leaves no trace: a cancelled `get` takes no item and
 *   a cancelled `put` adds none. An item handed over before the signal fired (same tick) is
 *   delivered: that `get` resolves with it, so no item is ever lost.
 * - Errors: `putNowait` on a full queue throws `QueueFullError`, `getNowait` on an empty one
 *   `QueueEmptyError`; after `shutdown()`, `put` throws `QueueShutDownError`, and `get` does so once
 *   the queue is empty (at once with `shutdown(true)`, which also drops the items). `taskDone()`
 *   more times than items were taken throws `InvalidStateError`; a negative or NaN `maxsize`
 *   throws `InvalidArgumentError`.
 */
export class Queue<T> {
  readonly #maxsize: number;
  #getters = new WaiterQueue<T>();
  #putters = new WaiterQueue<void>();
  #joiners = new WaiterQueue<void>();
  #unfinished = 0;
  #shutdown = false;

  constructor(options: QueueOptions = {}) {
    const maxsize = options.maxsize ?? 0;
    checkCount('maxsize', maxsize, true);
    this.#maxsize = maxsize === 0 ? Infinity : maxsize;
  }

  /** Where items wait; `PriorityQueue` and `LifoQueue` swap in their own order. @internal */
  protected store: Store<T> = new FifoStore<T>();

  /** Most items held before `put` waits (`Infinity` when unbounded). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** Number of items held. */
  get size(): number {
    return this.store.length;
  }

  /** True when no item is held. */
  empty(): boolean {
    return this.store.length === 0;
  }

  /** True when `put` would wait. */
  full(): boolean {
    return this.store.length >= this.#maxsize;
  }

  /** True after `shutdown()`. */
  get isShutdown(): boolean {
    return this.#shutdown;
  }

  /** Adds an item, waiting for room while the queue is full. */
  put(item: T, options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.#shutdown) return Promise.reject(new QueueShutDownError());
    if (this.store.length < this.#maxsize) {
      this.#add(item);
      return done;
    }
    return this.#putters.wait(options, item);
  }

  /** Adds an item now, or throws `QueueFullError`. */
  putNowait(item: T): void {
    if (this.#shutdown) throw new QueueShutDownError();
    if (this.store.length >= this.#maxsize) throw new QueueFullError();
    this.#add(item);
  }

  /** Removes and returns the next item, waiting while the queue is empty. */
  get(options?: WaitOptions): Promise<T> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.store.length > 0) return Promise.resolve(this.#take());
    if (this.#shutdown) return Promise.reject(new QueueShutDownError());
    return this.#getters.wait(options);
  }

  /** Removes and returns the next item now, or throws `QueueEmptyError` (`QueueShutDownError` once shut down and empty). */
  getNowait(): T {
    if (this.store.length > 0) return this.#take();
    throw this.#shutdown ? new QueueShutDownError() : new QueueEmptyError();
  }

  /** Marks one taken item as processed; `join()` resolves when every put item was. */
  taskDone(): void {
    if (this.#unfinished === 0) throw new InvalidStateError('taskDone() called more times than items were put: call it once per item taken');
    if (--this.#unfinished === 0) while (this.#joiners.wake(undefined));
  }

  /** Resolves once every item ever put has been marked with `taskDone()`. */
  join(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    return this.#unfinished === 0 ? done : this.#joiners.wait(options);
  }

  /**
   * Stops the queue: `put` now throws `QueueShutDownError` (blocked putters too); `get` drains what
   * is left, then throws it. With `immediate`, the items are dropped (counted as done for
   * `join`) and blocked getters throw at once.
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) {
      while (this.store.length > 0) {
        this.store.take();
        if (this.#unfinished > 0) this.#unfinished--;
      }
      if (this.#unfinished === 0) while (this.#joiners.wake(undefined));
    }
    this.#getters.rejectAll(() => new QueueShutDownError());
    this.#putters.rejectAll(() => new QueueShutDownError());
  }

  /** Yields items as they come, until the queue is shut down and empty. Does not call `taskDone()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueShutDownError) return;
        throw error;
      }
    }
  }

  #add(item: T): void {
    this.#unfinished++;
    if (!this.#getters.wake(item)) this.store.push(item);
  }

  #take(): T {
    const item = this.store.take();
    const putter = this.#putters.take();
    if (putter !== undefined) {
      this.#unfinished++;
      this.store.push(putter.payload as T);
      putter.resolve();
    }
    return item;
  }
}

/** The storage order of a queue: `take()` is only called when `length > 0`. */
export interface Store<T> {
  readonly length: number;
  push(item: T): void;
  take(): T;
}

class FifoStore<T> extends Deque<T> implements Store<T> {
  take(): T {
    return this.shift() as T;
  }
}
