import { checkOptions, granted, WaiterQueue, type WaitOptions } from './waiters.js';

/**
 * A flag tasks can wait on (asyncio's `Event`): `set()` wakes every waiter, `clear()` lowers it.
 *
 * - Fairness: `set()` wakes all current waiters at once, in the order they started waiting.
 * - Cancel / timeout: a `wait({ signal, timeout })` that gives up rejects with
 *   `CancelledError` / `TimeoutError` and does not affect other waiters or the flag. Once `set()`
 *   has woken a waiter, a signal firing in the same tick no longer affects it.
 * - Errors: none of its own; `wait()` on a set event resolves at once.
 */
export class Event {
  #flag = false;
  #waiters = new WaiterQueue<true>();

  /** True once `set()` was called and `clear()` was not called since. */
  isSet(): boolean {
    return this.#flag;
  }

  /** Raises the flag and wakes every waiter. Idempotent. */
  set(): void {
    if (this.#flag) return;
    this.#flag = true;
    while (this.#waiters.wake(true));
  }

  /** Lowers the flag; later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.#flag = false;
  }

  /** Resolves to `true` (as Python's does) once the flag is set, at once if it already is. */
  wait(options?: WaitOptions): Promise<true> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.#flag) return granted;
    return this.#waiters.wait(options);
  }
}
