import { TooManyReleasesError } from '../errors.js';
import type { Guard } from '../guard.js';
import { guardFor, runHolding } from './hold.js';
import { checkCount, checkOptions, granted, WaiterQueue, type WaitOptions } from './waiters.js';

/**
 * A counter of permits for tasks of one event loop (asyncio's `Semaphore`): at most `value`
 * holders at a time.
 *
 * - Fairness: strict FIFO. While anyone waits, a newcomer waits too even if a permit is
 *   free, and `release()` hands its permit straight to the longest waiter.
 * - Cancel / timeout: an `acquire({ signal, timeout })` that gives up rejects with
 *   `CancelledError` / `TimeoutError` and takes no permit; none is lost. If the permit was
 *   handed over before the signal fired (same tick), the acquire succeeds and the caller
 *   must release it.
 * - Errors: a negative or NaN initial value throws `InvalidArgumentError`. `run(fn)` releases
 *   even when `fn` throws. A plain `Semaphore` may be released past its initial value
 *   (use `BoundedSemaphore` to catch that).
 *
 * @example
 * const sem = new Semaphore(4);
 * const pages = await Promise.all(urls.map((u) => sem.run(() => fetch(u))));
 * { using _ = await sem.guard(); await upload(file); }
 */
export class Semaphore {
  #value: number;
  #waiters = new WaiterQueue<true>();

  constructor(value = 1) {
    checkCount('Semaphore value', value);
    this.#value = value;
  }

  /** Permits free right now. */
  get value(): number {
    return this.#value;
  }

  /** Number of tasks parked in `acquire()`. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** True when `acquire()` would wait. */
  locked(): boolean {
    return this.#value === 0;
  }

  /** Takes a permit if one is free; never waits. */
  tryAcquire(): boolean {
    if (this.#value === 0) return false;
    this.#value--;
    return true;
  }

  /**
   * Waits for a permit (FIFO) and resolves to `true` (as Python's does) once this task holds
   * it; call `release()` when done, or use `guard()` or `run()`.
   */
  acquire(options?: WaitOptions): Promise<true> {
    if (options !== undefined) {
      const error = checkOptions(options);
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.tryAcquire()) return granted;
    return options === undefined ? this.#waiters.park() : this.#waiters.wait(options);
  }

  /** Waits like `acquire()` and resolves to a `Guard` that returns the permit once (`using` works). */
  guard(options?: WaitOptions): Promise<Guard> {
    return guardFor(this, options);
  }

  /** Returns a permit, handing it to the first waiter if any. */
  release(): void {
    if (!this.#waiters.wake(true)) this.#value++;
  }

  /**
   * Runs `fn` while holding a permit and releases it afterwards, whatever `fn` does.
   * When a permit is free, `fn` starts at once, before this call returns (as in Python, where an
   * uncontended acquire does not yield to the loop); otherwise it starts once its turn comes.
   */
  run<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<Awaited<T>> {
    return runHolding(this, fn, options);
  }
}

/**
 * A `Semaphore` that throws `TooManyReleasesError` when released more times than acquired
 * (Python's `BoundedSemaphore` raising `ValueError`); the count is left unchanged.
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  override release(): void {
    if (this.value >= this.#bound && this.waiting === 0) throw new TooManyReleasesError();
    super.release();
  }
}
