import { TaskAbortedError } from './errors.js';

/** Where a {@link Future} is in its life. */
export type FutureState = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/**
 * The handle `submit()` returns, like Python's `concurrent.futures.Future`: awaitable, with a
 * visible state and `cancel()`. A queued task is dropped at once on cancel; a running one is
 * signalled and, if it ignores the signal, its worker is stopped and replaced.
 *
 * An unobserved failure does not raise `unhandledRejection` (as in Python, the exception
 * waits in the future); awaiting the future still rejects.
 *
 * @example
 * const f = pool.submit('fib', [30], { timeout: 1000 });
 * f.state;          // 'pending' | 'running' | …
 * const n = await f;
 */
export class Future<T> implements PromiseLike<T> {
  /** The settled value or failure, as a promise. */
  readonly promise: Promise<T>;
  #state: FutureState = 'pending';
  #value: T | undefined;
  #error: unknown;
  readonly #cancel: (reason?: unknown) => boolean;

  /** @internal created by pools */
  constructor(promise: Promise<T>, cancel: (reason?: unknown) => boolean) {
    this.#cancel = cancel;
    this.promise = promise.then(
      (value) => {
        this.#state = 'fulfilled';
        this.#value = value;
        return value;
      },
      (error: unknown) => {
        this.#state = error instanceof TaskAbortedError ? 'cancelled' : 'rejected';
        this.#error = error;
        throw error;
      },
    );
    this.promise.catch(() => {});
  }

  /** Current state. */
  get state(): FutureState {
    return this.#state;
  }

  /** True once fulfilled, rejected or cancelled. */
  done(): boolean {
    return this.#state !== 'pending' && this.#state !== 'running';
  }

  /** True while the task runs in a worker. */
  running(): boolean {
    return this.#state === 'running';
  }

  /** True if the task was cancelled. */
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /** The value, once fulfilled (undefined before). */
  value(): T | undefined {
    return this.#value;
  }

  /** The failure, once rejected or cancelled (undefined before). */
  exception(): unknown {
    return this.#error;
  }

  /**
   * Cancels the task: a queued one never runs; a running one is aborted. Returns false when
   * the future had already settled. The future rejects with a `TaskAbortedError`.
   */
  cancel(reason?: unknown): boolean {
    if (this.done()) return false;
    const cancelled = this.#cancel(reason);
    if (cancelled) this.#state = 'cancelled';
    return cancelled;
  }

  /** @internal the pool marks the task as started */
  markRunning(): void {
    if (this.#state === 'pending') this.#state = 'running';
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.promise.then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.promise.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.promise.finally(onfinally);
  }
}
