import { NotLockedError } from './errors.js';
import { guardOf, type Guard } from './guard.js';
import { checkOptions, WaiterQueue, type WaitOptions } from './waiters.js';

/**
 * A mutual-exclusion lock for tasks of one event loop (asyncio's `Lock`).
 *
 * - Fairness: strict FIFO. `release()` hands the lock directly to the longest waiter, so a
 *   newcomer can never barge ahead of a parked task.
 * - Cancel / timeout: an `acquire({ signal, timeout })` that gives up rejects with
 *   `CancelledError` / `TimeoutError` and leaves no trace: it holds nothing, and the lock
 *   goes to the next waiter. If the lock was handed over before the signal fired (same tick),
 *   the acquire succeeds and the caller owns the lock. An already-aborted signal rejects even
 *   when the lock is free.
 * - Errors: `release()` of an unlocked lock throws `NotLockedError`. `withLock(fn)` releases
 *   even when `fn` throws; the lock is not owned by a task, so any code may release it (as in Python).
 *
 * @example
 * const lock = new Lock();
 * { using _ = await lock.acquire(); counter++; }
 * await lock.withLock(async () => { counter++; });
 */
export class Lock {
  #locked = false;
  #waiters = new WaiterQueue<Guard>();
  readonly #guard: Guard = guardOf(this);
  readonly #granted: Promise<Guard> = Promise.resolve(this.#guard);

  /** True while some task holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Number of tasks parked in `acquire()`. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Takes the lock if it is free and nobody waits; never waits. */
  tryAcquire(): boolean {
    if (this.#locked) return false;
    this.#locked = true;
    return true;
  }

  /** Waits for the lock (FIFO) and resolves to a guard that releases it (`using` works). */
  acquire(options?: WaitOptions): Promise<Guard> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (!this.#locked) {
      this.#locked = true;
      return this.#granted;
    }
    return this.#waiters.wait(options);
  }

  /** Releases the lock, handing it to the first waiter if any. Throws `NotLockedError` if unlocked. */
  release(): void {
    if (!this.#locked) throw new NotLockedError();
    if (!this.#waiters.wake(this.#guard)) this.#locked = false;
  }

  /** Runs `fn` while holding the lock and releases it afterwards, whatever `fn` does. */
  async withLock<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    await this.acquire(options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
