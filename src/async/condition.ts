import { NotHeldError, TimeoutError } from '../errors.js';
import type { Guard } from '../guard.js';
import { Lock } from './lock.js';
import { checkCount, checkOptions, WaiterQueue, type WaitOptions } from './waiters.js';

/**
 * A condition variable (asyncio's `Condition`): tasks holding the lock wait until another task
 * calls `notify`. Shares a `Lock` if you pass one.
 *
 * - Fairness: `notify(n)` wakes the `n` longest waiters, FIFO; each then re-acquires the lock,
 *   also FIFO.
 * - Cancel / timeout: a `wait({ signal, timeout })` that gives up re-acquires the lock before it
 *   rejects with `CancelledError` / `TimeoutError`, so the caller always holds the lock when
 *   `wait` settles; the notification it did not take goes to nobody (it was not yet given).
 *   A notification handed over before the signal fired (same tick) is kept: `wait` resolves.
 * - Errors: `wait`, `waitFor`, `notify` and `notifyAll` throw `NotHeldError` when the lock is
 *   not held; `waitFor` rethrows what the predicate throws, still holding the lock.
 *
 * @example
 * await cond.withLock(async () => { await cond.waitFor(() => items.length > 0); items.pop(); });
 */
export class Condition {
  readonly #lock: Lock;
  #waiters = new WaiterQueue<void>();

  constructor(lock: Lock = new Lock()) {
    this.#lock = lock;
  }

  /** True while the underlying lock is held. */
  get locked(): boolean {
    return this.#lock.locked;
  }

  /** Acquires the underlying lock; resolves to `true`. */
  acquire(options?: WaitOptions): Promise<true> {
    return this.#lock.acquire(options);
  }

  /** Acquires the underlying lock and resolves to a `Guard` releasing it (`using` works). */
  guard(options?: WaitOptions): Promise<Guard> {
    return this.#lock.guard(options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Runs `fn` holding the underlying lock. */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    return this.#lock.withLock(fn, options);
  }

  /** Releases the lock, waits for a notification, and re-acquires the lock before resolving to `true` (as Python's does). */
  async wait(options?: WaitOptions): Promise<true> {
    if (!this.#lock.locked) throw new NotHeldError('Condition.wait() needs the lock: call it inside `withLock` or after `acquire()`');
    const error = options === undefined ? undefined : checkOptions(options);
    if (error !== undefined) throw error;
    const woken = this.#waiters.wait(options);
    this.#lock.release();
    try {
      await woken;
    } finally {
      await this.#lock.acquire();
    }
    return true;
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after each notification; resolves
   * to its value. `timeout` bounds the whole wait, not each round.
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    const error = options === undefined ? undefined : checkOptions(options);
    if (error !== undefined) throw error;
    const deadline = options?.timeout === undefined ? Infinity : performance.now() + options.timeout;
    let result = predicate();
    while (!result) {
      const timeout = deadline === Infinity ? undefined : deadline - performance.now();
      // Checked here too: steady notifications must not keep a late waiter looping forever.
      if (timeout !== undefined && timeout <= 0) throw new TimeoutError(`the predicate stayed false for ${options!.timeout} ms`);
      await this.wait(options === undefined ? undefined : { signal: options.signal, timeout });
      result = predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiters (default 1). The caller must hold the lock. */
  notify(n = 1): void {
    checkCount('notify count', n, true);
    if (!this.#lock.locked) throw new NotHeldError('Condition.notify() needs the lock: call it inside `withLock` or after `acquire()`');
    for (let i = 0; i < n && this.#waiters.wake(undefined); i++);
  }

  /** Wakes every waiter. The caller must hold the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }
}
