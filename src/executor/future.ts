import { TaskAbortedError } from './errors.js';

/** Where a {@link Future} is in its life. */
export type FutureState = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/**
 * The handle `submit()` returns, like Python's `concurrent.futures.Future`: awaitable, with a
 * visible state and `cancel()`. A call that has not begun is dropped at once on cancel; a
 * running one submitted with a signal or timeout is signalled and, if it ignores the signal,
 * its worker is stopped and replaced.
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
  readonly #begun: () => boolean;

  /** @internal created by pools: `cancel` tries to cancel the call, `begun` tells whether its worker has begun it */
  constructor(promise: Promise<T>, cancel: (reason?: unknown) => boolean, begun: () => boolean = () => false) {
    this.#cancel = cancel;
    this.#begun = begun;
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

  /** Current state: 'running' only once its worker has begun the call (until then it can be cancelled). */
  get state(): FutureState {
    if (this.#state === 'pending' && this.#begun()) this.#state = 'running';
    return this.#state;
  }

  /** True once fulfilled, rejected or cancelled. */
  done(): boolean {
    const state = this.state;
    return state !== 'pending' && state !== 'running';
  }

  /** True while the task runs in a worker. */
  running(): boolean {
    return this.state === 'running';
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
   * Cancels the call, as Python's `Future.cancel()`: one that has not begun never runs (also
   * when it was already sent ahead to a busy worker), and true is returned; so it is for a
   * running call submitted with a signal or timeout, which is aborted. A running call without
   * one cannot be stopped alone, nor can a finished one: false. A future already cancelled
   * returns true again. A cancelled future rejects with `TaskAbortedError`.
   */
  cancel(reason?: unknown): boolean {
    if (this.#state === 'cancelled') return true;
    if (this.done()) return false;
    const cancelled = this.#cancel(reason);
    if (cancelled) this.#state = 'cancelled';
    return cancelled;
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
