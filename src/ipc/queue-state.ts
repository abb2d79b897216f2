import { CancelledError, InvalidStateError, QueueEmptyError, QueueEmptyTimeoutError, QueueFullError, QueueFullTimeoutError, QueueShutDownError } from '../errors.js';
import { Deque } from '../deque.js';
import { PipeBrokenError, QueueClosedError } from './errors.js';

/** Prefix of the keys under which the broker registers the waits of other processes' handles. */
export const REMOTE_KEY = 'r';

// A get, put or poll waiting in this process holds the event loop open, as a blocked get holds
// a Python process: items a child sent may still be on their way through the broker's socket
// (which, idle, keeps nothing alive) after that child's task has returned.
let waiting = 0;
let keepAlive: NodeJS.Timeout | undefined;

/** The promise of a wait; a local one (not a remote handle's) keeps the process alive until it settles. */
function wait<T>(key: string, register: (resolve: (value: T) => void, reject: (error: unknown) => void) => void): Promise<T> {
  if (key.startsWith(REMOTE_KEY)) return new Promise<T>(register);
  if (waiting++ === 0) (keepAlive ??= setInterval(() => {}, 1 << 30)).ref();
  return new Promise<T>(register).finally(() => {
    if (--waiting === 0) keepAlive!.unref();
  });
}

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
  /** Waiting `poll`s: each resolves true once an item (or the end of the queue) is there, false on its timeout. */
  readonly #pollers = new Map<string, Waiter<boolean>>();
  #unfinished = 0;
  #closed = false;
  #shutdown = false;
  /** A pipe's queue whose every reader let go: puts fail with `PipeBrokenError`. */
  #broken = false;
  /** Copies of pipe ends that read from / write to this queue (pipes only; see `hold`). */
  #readers = 0;
  #writers = 0;
  #seq = 0;

  constructor(readonly maxsize: number) {}

  get size(): number {
    return this.#items.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why puts are refused, if they are: nobody reads (a pipe), shut down, or closed. */
  #refusal(): Error | undefined {
    if (this.#broken) return new PipeBrokenError();
    if (this.#shutdown) return new QueueShutDownError();
    return this.#closed ? new QueueClosedError() : undefined;
  }

  putNowait(item: unknown): void {
    const refused = this.#refusal();
    if (refused) throw refused;
    if (this.maxsize > 0 && this.size >= this.maxsize) throw new QueueFullError();
    this.#push(item);
  }

  put(item: unknown, timeout?: number, key = `l${this.#seq++}`): Promise<void> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    if (this.#putters.size === 0 && !(this.maxsize > 0 && this.size >= this.maxsize)) {
      this.#push(item);
      return Promise.resolve();
    }
    return wait<void>(key, (resolve, reject) => {
      const w = { resolve, reject, item, timer: undefined as NodeJS.Timeout | undefined };
      if (timeout !== undefined) w.timer = setTimeout(() => this.cancel(key, new QueueFullTimeoutError(`put() found no room in the queue within ${timeout} ms: wait longer, consume faster, or raise maxsize`)), timeout);
      this.#putters.set(key, w);
    });
  }

  getNowait(): unknown {
    if (this.size === 0) throw this.#refusal() ?? new QueueEmptyError();
    return this.#shift();
  }

  get(timeout?: number, key = `l${this.#seq++}`): Promise<unknown> {
    if (this.size > 0 && this.#getters.size === 0) return Promise.resolve(this.#shift());
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    return wait<unknown>(key, (resolve, reject) => {
      const w: Waiter<unknown> = { resolve, reject };
      if (timeout !== undefined) w.timer = setTimeout(() => this.cancel(key, new QueueEmptyTimeoutError(`get() found no item in the queue within ${timeout} ms: wait longer, or check that a producer is running`)), timeout);
      this.#getters.set(key, w);
    });
  }

  /** Rejects the waiting `put` or `get` registered under `key` (no-op if it was already served). */
  cancel(key: string, error: unknown = new CancelledError()): void {
    const w = this.#getters.get(key) ?? this.#putters.get(key) ?? this.#pollers.get(key);
    if (!w) return;
    this.#getters.delete(key);
    this.#putters.delete(key);
    this.#pollers.delete(key);
    clearTimeout(w.timer);
    w.reject(error);
  }

  /**
   * Python's `Connection.poll(timeout)`: true at once when an item is held or nothing more
   * will come (closed: the next get fails without waiting); else waits up to `timeout` ms
   * (0: not at all) for one to be put, and resolves false if none was.
   */
  poll(timeout = 0, key = `l${this.#seq++}`): Promise<boolean> {
    if (this.size > 0 || this.#refusal()) return Promise.resolve(true);
    if (timeout <= 0) return Promise.resolve(false);
    return wait<boolean>(key, (resolve, reject) => {
      const w: Waiter<boolean> = { resolve, reject };
      if (timeout !== Infinity) {
        w.timer = setTimeout(() => {
          this.#pollers.delete(key);
          resolve(false);
        }, timeout);
      }
      this.#pollers.set(key, w);
    });
  }

  /**
   * Counts the copies of pipe ends that read from (`readers`) or write to (`writers`) this
   * queue, as an OS counts a pipe's file descriptors: once the last writer lets go the queue
   * closes (readers drain it, then get end-of-file); once the last reader does, puts fail
   * with `PipeBrokenError` and the items held are dropped (nobody can read them).
   */
  hold(readers: number, writers: number): void {
    this.#readers += readers;
    this.#writers += writers;
    if (writers < 0 && this.#writers <= 0) this.close();
    if (readers < 0 && this.#readers <= 0 && !this.#broken) {
      this.#broken = true;
      this.#dropItems();
      this.#refuseWaiters();
    }
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw new InvalidStateError('taskDone() called more times than there were items: call it once per item got');
    this.#unfinished--;
    this.#releaseJoiners();
  }

  join(): Promise<void> {
    return this.#unfinished === 0 ? Promise.resolve() : new Promise((resolve) => this.#joiners.push(resolve));
  }

  /** No more puts; getters wake with `QueueClosedError` once the items left are gone. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#refuseWaiters();
  }

  /**
   * Python 3.13's `shutdown(immediate)`: puts fail with `QueueShutDownError`, and so do gets
   * once the queue is empty. `immediate` drops the items held now (counting each as done, so
   * `join()` waits only for items already taken) and fails every blocked getter at once.
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) this.#dropItems();
    this.#refuseWaiters();
  }

  /** Drops the items held, each counted as done (so `join()` waits only for items already taken). */
  #dropItems(): void {
    if (this.size === 0) return;
    this.#unfinished -= this.size;
    this.#items.clear();
    this.#releaseJoiners();
  }

  #releaseJoiners(): void {
    if (this.#unfinished === 0) for (const j of this.#joiners.splice(0)) j();
  }

  /** After close or shutdown: blocked putters fail, and blocked getters too when nothing is left. */
  #refuseWaiters(): void {
    this.#wakePollers();
    for (const [key] of this.#putters) this.cancel(key, this.#refusal());
    if (this.size === 0) for (const [key] of this.#getters) this.cancel(key, this.#refusal());
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
    this.#wakePollers();
  }

  #wakePollers(): void {
    if (this.#pollers.size === 0) return;
    for (const w of this.#pollers.values()) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
    this.#pollers.clear();
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
    if (this.size === 0 && this.#refusal()) for (const [key] of this.#getters) this.cancel(key, this.#refusal());
    return item;
  }
}
