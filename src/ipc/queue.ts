import { InvalidArgumentError } from '../errors.js';
import { NoProcessSharedMemoryError } from '../shared/arena.js';
import { clientFor, createQueue, localHost, localQueue } from './broker.js';
import { cloneError } from './errors.js';
import type { QueueState } from './queue-state.js';
import { QueueMemory, type RingRef } from './ring/layout.js';
import { RingQueue, type Link } from './ring/ring-queue.js';

/** Unanswered puts a remote handle of an unbounded queue may have in flight before it waits for one. */
const PUT_AHEAD = 1024;

/** Set by `Queue.from` for the constructor: attach to an existing queue instead of creating one. */
let attaching: { path: string; id: string; maxsize: number; ring: RingRef | undefined } | undefined;

/** Options of {@link Queue.put} and {@link Queue.get}. */
export interface QueueWaitOptions {
  /** Milliseconds to wait before rejecting with `QueueFullTimeoutError` / `QueueEmptyTimeoutError` (both `TimeoutError`s). */
  timeout?: number;
  /** Aborting rejects with `CancelledError`; an item already on its way is still delivered (never lost). */
  signal?: AbortSignal;
}

/**
 * A FIFO queue shared by threads and processes (Python's `multiprocessing.JoinableQueue`).
 * Pass it as an argument to a `ProcessPool`/`ThreadPool` task, a `Process` or a `Thread`:
 * it arrives there connected to the same queue. Items are delivered exactly once, in the order
 * each producer put them. Where weft's native addon is available the items travel through
 * shared memory, which every holder reads and writes directly; only items put while it is full,
 * or too large for it, go through the creating process. Without the addon the creating process
 * holds the items and serves every other holder over a local socket. Either way the queue
 * lives as long as its creator.
 *
 * Errors: `putNowait` on a full queue throws `QueueFullError`, `getNowait` on an empty one
 * `QueueEmptyError`; `put`/`get` past their `timeout` reject with `QueueFullTimeoutError` /
 * `QueueEmptyTimeoutError`, which are `TimeoutError`s (code `ERR_WEFT_TIMEOUT`) and also match
 * `instanceof QueueFullError` / `QueueEmptyError`, as Python's `put(timeout=)` raises `queue.Full`;
 * on abort they reject with `CancelledError`. After `close()`, `put` rejects and `get` drains
 * what is left, then rejects with `QueueClosedError`; after `shutdown()`, the same with
 * `QueueShutDownError` (see {@link Queue.shutdown}).
 *
 * @example
 * const q = new Queue<number>({ maxsize: 100 });
 * const p = new Process(tasks, 'produce', [q, 1000]).start();
 * for (let i = 0; i < 1000; i++) { total += await q.get(); q.taskDone(); }
 */
export class Queue<T = unknown> {
  /** Tag that lets a task's runtime revive a posted copy. */
  readonly __weft = 'Queue';
  /** Socket path of the broker holding this queue. */
  readonly path: string;
  /** Id of this queue in its broker. */
  readonly id: string;
  /** Most items held at once (0: unbounded). */
  readonly maxsize: number;
  /** Where the queue's shared memory is (absent without the native addon: the broker carries the items). */
  readonly ring: RingRef | undefined;
  /** The shared-memory side of this handle, when the queue has one. */
  readonly #ring: RingQueue | undefined;
  /** Puts sent to a remote holder and not yet answered; the first refusal among them. */
  #ahead = 0;
  #refused: Error | undefined;

  constructor(options: { maxsize?: number } = {}) {
    if (attaching) {
      ({ path: this.path, id: this.id, maxsize: this.maxsize, ring: this.ring } = attaching);
      attaching = undefined;
      if (this.ring) this.#ring = attachRing(this.ring, this.maxsize, linkTo(this.path, this.id));
      return;
    }
    const maxsize = options.maxsize ?? 0;
    if (!Number.isInteger(maxsize) || maxsize < 0) throw new InvalidArgumentError(`maxsize must be an integer >= 0 (0: unbounded), got ${String(maxsize)}`);
    const memory = QueueMemory.create();
    const { path, id } = createQueue(maxsize, memory);
    this.path = path;
    this.id = id;
    this.maxsize = maxsize;
    this.ring = memory?.ref;
    if (memory) this.#ring = new RingQueue(memory, maxsize, linkTo(path, id));
  }

  /** Rebuilds a queue handle from a posted copy (done for you in task arguments). */
  static from<T = unknown>(copy: { path: string; id: string; maxsize?: number; ring?: RingRef | undefined }): Queue<T> {
    attaching = { path: copy.path, id: copy.id, maxsize: copy.maxsize ?? 0, ring: copy.ring };
    try {
      return new Queue<T>();
    } finally {
      attaching = undefined;
    }
  }

  /**
   * Adds `item`, waiting for room while the queue holds `maxsize` items. Through shared memory
   * the item is in the queue when the promise resolves; an unbounded queue never waits for its
   * consumers (what the shared memory has no room for goes to the creator, as Python's `put`
   * hands items to a feeder thread). Without it, on an unbounded queue held by another process,
   * a put with no timeout or signal does not wait for the holder's answer: up to `PUT_AHEAD`
   * puts travel unanswered, and one the holder refused (the queue was closed or shut down
   * meanwhile) fails the next put instead.
   */
  async put(item: T, options: QueueWaitOptions = {}): Promise<void> {
    if (this.#ring) return this.#ring.put(item, checked(options), options.signal);
    if (this.maxsize === 0 && options.timeout === undefined && options.signal === undefined && !this.#state()) return this.#putAhead(item);
    await this.#wait('put', [item], options);
  }

  /** Sends a put without waiting for its answer, unless `PUT_AHEAD` are already unanswered. */
  #putAhead(item: T): Promise<void> {
    if (this.#refused) return Promise.reject(this.#refused);
    let call: { reply: Promise<unknown> };
    try {
      call = clientFor(this.path).call(this.id, 'put', item, undefined);
    } catch (error) {
      return Promise.reject(cloneError(error));
    }
    this.#ahead++;
    const answered = call.reply.then(
      () => void this.#ahead--,
      (error: unknown) => {
        this.#ahead--;
        this.#refused ??= error as Error;
      },
    );
    return this.#ahead >= PUT_AHEAD ? answered.then(() => (this.#refused ? Promise.reject(this.#refused) : undefined)) : Promise.resolve();
  }

  /** Takes the oldest item, waiting for one to arrive. */
  get(options: QueueWaitOptions = {}): Promise<T> {
    if (this.#ring) {
      try {
        return this.#ring.get(checked(options), options.signal) as Promise<T>;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#wait('get', [], options) as Promise<T>;
  }

  /** @internal Whether a `get` would answer at once, waiting up to `timeout` ms for an item (see `PipeEnd.poll`). */
  poll(timeout: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#ring) {
      try {
        return this.#ring.poll(checked({ timeout, signal }) ?? 0, signal);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#wait('poll', [], { timeout, signal }) as Promise<boolean>;
  }

  /**
   * Adds `item` now or throws `QueueFullError` (or the refusal of a closed or shut down queue).
   * A handle that reaches the queue only through its creator's socket (no shared memory, and
   * not the creator) rejects instead; a promise is also returned when the item had to wait
   * behind many others at the creator.
   */
  putNowait(item: T): Promise<void> | void {
    if (this.#ring) return this.#ring.putNowait(item);
    const s = this.#state();
    if (s) return s.putNowait(cloned(item));
    return this.#call('putNowait', item) as Promise<void>;
  }

  /** Takes an item now, or throws `QueueEmptyError` (handles without shared memory reject; an item too large for it may come as a promise). */
  getNowait(): T | Promise<T> {
    if (this.#ring) return this.#ring.getNowait() as T | Promise<T>;
    const s = this.#state();
    return s ? (s.getNowait() as T) : (this.#call('getNowait') as Promise<T>);
  }

  /** Marks one item got earlier as processed (for `join`). */
  async taskDone(): Promise<void> {
    if (this.#ring) return this.#ring.taskDone();
    const s = this.#state();
    if (s) s.taskDone();
    else await this.#call('taskDone');
  }

  /** Resolves once every item put has been marked done with `taskDone()`. */
  async join(): Promise<void> {
    if (this.#ring) return this.#ring.join();
    const s = this.#state();
    await (s ? s.join() : this.#call('join'));
  }

  /** No more puts; `get` drains what is left, then rejects with `QueueClosedError`. */
  async close(): Promise<void> {
    if (this.#ring) return this.#ring.close();
    const s = this.#state();
    if (s) s.close();
    else await this.#call('close');
  }

  /**
   * Python 3.13's `shutdown()`: from now on `put` fails with `QueueShutDownError`, and `get` does
   * too once the queue is empty; blocked putters fail at once. With `immediate`, the items held
   * are dropped (each counted as done for `join()`) and blocked getters fail at once. Applies to
   * every handle of the queue, in every process.
   */
  async shutdown(options: { immediate?: boolean } = {}): Promise<void> {
    if (this.#ring) return this.#ring.shutdown(options.immediate === true);
    const s = this.#state();
    if (s) s.shutdown(options.immediate === true);
    else await this.#call('shutdown', options.immediate === true);
  }

  /** Items held right now (a snapshot). */
  async size(): Promise<number> {
    if (this.#ring) return this.#ring.size;
    const s = this.#state();
    return s ? s.size : ((await this.#call('size')) as number);
  }

  /**
   * Python's `qsize()`: items held right now. Like `empty()` and `full()` it is a snapshot, and
   * as in Python not to be relied on: another process may put or get before the caller acts on
   * it. Unlike Python's, the three are async: a queue held by another process answers over its socket.
   */
  qsize(): Promise<number> {
    return this.size();
  }

  /** True when the queue holds no item right now (a snapshot: see `qsize()`). */
  async empty(): Promise<boolean> {
    return (await this.size()) === 0;
  }

  /** True when a bounded queue holds `maxsize` items right now (a snapshot: see `qsize()`); never for an unbounded one. */
  async full(): Promise<boolean> {
    return this.maxsize > 0 && (await this.size()) >= this.maxsize;
  }

  #state(): QueueState | undefined {
    return localQueue(this.path, this.id);
  }

  #call(op: string, ...args: unknown[]): Promise<unknown> {
    try {
      return clientFor(this.path).call(this.id, op, ...args).reply;
    } catch (error) {
      return Promise.reject(cloneError(error));
    }
  }

  async #wait(op: 'put' | 'get' | 'poll', args: unknown[], { timeout, signal }: QueueWaitOptions): Promise<unknown> {
    if (timeout !== undefined && !(timeout >= 0)) throw new InvalidArgumentError(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
    signal?.throwIfAborted();
    const s = this.#state();
    if (s) {
      const key = `h${Math.random()}`;
      const onAbort = (): void => s.cancel(key);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await (op === 'put' ? s.put(cloned(args[0]), timeout, key) : op === 'get' ? s.get(timeout, key) : s.poll(timeout, key));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    }
    const client = clientFor(this.path);
    let call: { rid: number; reply: Promise<unknown> };
    try {
      call = client.call(this.id, op, ...(op === 'put' ? [args[0], timeout] : [timeout]));
    } catch (error) {
      throw cloneError(error);
    }
    const onAbort = (): void => client.tell(this.id, 'cancel', call.rid);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await call.reply;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Local puts store a structured clone, as a remote put would: later changes by the producer do not leak in. */
function cloned<T>(item: T): T {
  try {
    return structuredClone(item);
  } catch (error) {
    throw cloneError(error);
  }
}

/** How a shared-memory handle reaches the queue's creator. */
function linkTo(path: string, id: string): Link {
  return {
    host: () => localHost(path, id),
    call: (op, ...args) => clientFor(path).call(id, op, ...args).reply,
    tell: (op, ...args) => clientFor(path).tell(id, op, ...args),
  };
}

/** The shared-memory side of a revived handle; none where this thread cannot map the memory (its calls then go to the creator's broker). */
function attachRing(ring: RingRef, maxsize: number, link: Link): RingQueue | undefined {
  try {
    return new RingQueue(QueueMemory.attach(ring), maxsize, link);
  } catch (error) {
    if (error instanceof NoProcessSharedMemoryError) return undefined;
    throw error;
  }
}

/** The `timeout` of a wait, checked (the signal is checked too: an aborted one throws its reason). */
function checked({ timeout, signal }: QueueWaitOptions): number | undefined {
  if (timeout !== undefined && !(timeout >= 0)) throw new InvalidArgumentError(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  signal?.throwIfAborted();
  return timeout;
}
