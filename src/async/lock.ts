import { NotHeldError } from '../errors.js';
import type { Guard } from '../guard.js';
import { guardFor, runHolding } from './hold.js';
import { checkOptions, granted, WaiterQueue, type WaitOptions } from './waiters.js';

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
 * - Errors: `release()` of an unlocked lock throws `NotHeldError`. `withLock(fn)` and a
 *   `guard()` in a `using` block release even when the code throws; the lock is not owned by
 *   a task, so any code may release it (as in Python).
 *
 * @example
 * const lock = new Lock();
 * { using _ = await lock.guard(); counter++; }
 * await lock.withLock(async () => { counter++; });
 */
export class Lock {
  #locked = false;
  #waiters = new WaiterQueue<true>();

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

  /**
   * Waits for the lock (FIFO) and resolves to `true` (as Python's does) once this task holds
   * it; call `release()` when done, or use `guard()` or `withLock()`.
   */
  acquire(options?: WaitOptions): Promise<true> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.tryAcquire()) return granted;
    // Waiters are granted with `true`, a primitive: resolving a promise with an object costs
    // a lookup of its `then`, ~10% of a contended hand-off.
    return options === undefined ? this.#waiters.park() : this.#waiters.wait(options);
  }

  /** Waits like `acquire()` and resolves to a `Guard` that releases the lock once (`using` works). */
  guard(options?: WaitOptions): Promise<Guard> {
    return guardFor(this, options);
  }

  /** Releases the lock, handing it to the first waiter if any. Throws `NotHeldError` if unlocked. */
  release(): void {
    if (!this.#locked) throw new NotHeldError();
    if (!this.#waiters.wake(true)) this.#locked = false;
  }

  /**
   * Runs `fn` while holding the lock and releases it afterwards, whatever `fn` does.
   * When the lock is free, `fn` starts at once, before this call returns (as in Python, where an
   * uncontended acquire does not yield to the loop); otherwise it starts once its turn comes.
   */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<Awaited<T>> {
    return runHolding(this, fn, options);
  }
}
