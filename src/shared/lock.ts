import { attach, claim, words } from './memory.js';
import { deadlineOf, runAsync, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { lockOp, lockSync, tryLock, unlock } from './mutex.js';
import { guard, guardSync, type Guard } from './guard.js';

/**
 * A mutual-exclusion lock in shared memory, usable from the main thread and every worker or
 * child process it is passed to (Python's `threading.Lock` / `multiprocessing.Lock`). If a
 * process dies holding it, the next acquirer gets `LockOwnerDiedError` and the lock is free. It has no owner: any thread may release it, but
 * releasing a free lock throws `NotHeldError`. Not re-entrant: acquiring it twice from the same
 * thread without a release deadlocks that thread (use a timeout, or `RLock`).
 *
 * `acquireSync` blocks the thread (use it in workers and child processes); `acquire` awaits
 * without blocking and accepts `{ timeout, signal }`: on timeout it resolves `false`, on
 * abort it rejects with `signal.reason` and the lock is not taken. No fairness is promised.
 * Posting a `Lock` delivers a tagged plain object; `Lock.from(obj)` or `reviveShared(obj)` turns
 * it back into a `Lock` over the same memory.
 *
 * @example
 * const lock = new Lock();
 * worker.postMessage({ lock });             // in the worker: const lock = Lock.from(data.lock)
 * { using _ = await lock.guard(); count++ } // released at the end of the block
 */
export class Lock {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'Lock' as const;
  /** The shared memory holding the lock word. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the lock word in `buffer`. */
  readonly offset: number;
  #s: Int32Array;

  /** Creates a free lock (4 bytes of shared memory: process-shared with the native addon). */
  constructor() {
    const m = claim(Lock.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#s = words(m, 1);
  }

  /** Bytes of shared memory a `Lock` uses. */
  static readonly BYTES = 4;

  /** Revives a posted `Lock` (a tagged plain object) over the same memory. */
  static from(obj: unknown): Lock {
    return obj instanceof Lock ? obj : attach('Lock', obj, Lock.BYTES, () => new Lock());
  }

  /** Takes the lock, blocking the thread; false if `timeout` ms pass first. */
  acquireSync(options?: SyncWaitOptions): boolean {
    const s = this.#s;
    if (options === undefined) return tryLock(s, 0) || lockSync(s, 0, Infinity);
    const deadline = deadlineOf(options.timeout); // validated even when the lock is free
    return tryLock(s, 0) || lockSync(s, 0, deadline);
  }

  /** Takes the lock without blocking the thread; resolves false on timeout, rejects on abort. */
  acquire(options?: WaitOptions): Promise<boolean> {
    try {
      const deadline = options === undefined ? Infinity : deadlineOf(options.timeout);
      if (!options?.signal?.aborted && tryLock(this.#s, 0)) return Promise.resolve(true);
      return runAsync(lockOp(this.#s, 0, deadline), options?.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Takes the lock only if it is free right now. */
  tryAcquire(): boolean {
    return tryLock(this.#s, 0);
  }

  /** Frees the lock, waking one waiter. Throws `NotHeldError` if it is not held. */
  release(): void {
    unlock(this.#s, 0); // one exchange when uncontended
  }

  /** Whether some thread holds the lock now (a snapshot). */
  get locked(): boolean {
    return Atomics.load(this.#s, 0) !== 0;
  }

  /** Awaits the lock and returns a `Guard` for `using`; throws `TimeoutError` on timeout. */
  guard(options?: WaitOptions): Promise<Guard> {
    return guard(this, options);
  }

  /** Blocking form of `guard` (workers). */
  guardSync(options?: SyncWaitOptions): Guard {
    return guardSync(this, options);
  }

  /** @internal For `Condition`: a plain lock counts as owned while held by anyone. */
  _isOwned(): boolean {
    return this.locked;
  }

  /** @internal For `Condition`: releases and returns what `_restoreOp` needs. */
  _releaseSave(): number {
    this.release();
    return 1;
  }

  /** @internal For `Condition`: re-takes the lock after a wait. */
  *_restoreOp(_saved: number): Op<void> {
    yield* lockOp(this.#s, 0, Infinity);
  }
}
