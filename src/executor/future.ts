import { TimeoutError } from '../errors.js';
import { TaskAbortedError } from './errors.js';
import { checkTimeout } from './options.js';

/** Options of `Future.result()` and `Future.exception()`. */
export interface FutureWaitOptions {
  /** Milliseconds to wait; then the wait rejects with `TimeoutError` (the call itself goes on, as in Python). */
  timeout?: number;
  /** Aborting rejects the wait with the signal's reason (the call itself goes on). */
  signal?: AbortSignal;
}

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
  #callbacks: ((future: Future<T>) => void)[] | undefined = [];

  /** @internal created by pools: `cancel` tries to cancel the call, `begun` tells whether its worker has begun it */
  constructor(promise: Promise<T>, cancel: (reason?: unknown) => boolean, begun: () => boolean = () => false) {
    this.#cancel = cancel;
    this.#begun = begun;
    this.promise = promise.then(
      (value) => {
        this.#state = 'fulfilled';
        this.#value = value;
        this.#runCallbacks();
        return value;
      },
      (error: unknown) => {
        this.#state = error instanceof TaskAbortedError ? 'cancelled' : 'rejected';
        this.#error = error;
        this.#runCallbacks();
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

  /**
   * Waits for the call, like Python's `Future.result(timeout)`: resolves to its value, rejects
   * with its error (`TaskAbortedError` when cancelled). A `timeout` that expires first rejects
   * with `TimeoutError`, and an aborted `signal` with its reason; neither cancels the call.
   */
  async result(options: FutureWaitOptions = {}): Promise<T> {
    await this.#settled(options);
    return this.promise;
  }

  /**
   * Waits for the call, like Python's `Future.exception(timeout)`: resolves to the error it
   * failed with, or undefined when it succeeded; rejects with `TaskAbortedError` when it was
   * cancelled, and as `result()` does on timeout or abort.
   */
  async exception(options: FutureWaitOptions = {}): Promise<unknown> {
    await this.#settled(options);
    if (this.#state === 'cancelled') throw this.#error;
    return this.#error;
  }

  /**
   * Calls `fn(future)` once the future is done (fulfilled, rejected or cancelled), exactly once,
   * in the order callbacks were added; at once when it is already done (Python's
   * `add_done_callback`). A callback that throws does not stop the others or disturb the pool:
   * its error is reported as Node reports an error thrown by an `EventTarget` listener, as an
   * uncaught exception on a later tick.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (this.#callbacks) this.#callbacks.push(fn);
    else call(fn, this);
  }

  /** @internal the failure, once rejected or cancelled, without waiting */
  get error(): unknown {
    return this.#error;
  }

  #runCallbacks(): void {
    const callbacks = this.#callbacks!;
    this.#callbacks = undefined;
    for (const fn of callbacks) call(fn, this);
  }

  /** Resolves once the future is done; rejects on timeout or abort first. */
  #settled(options: FutureWaitOptions): Promise<void> {
    const timeout = checkTimeout(options.timeout, 'timeout');
    const { signal } = options;
    const done = this.promise.then(() => undefined, () => undefined);
    if (timeout === undefined && !signal) return done;
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => reject(new TimeoutError(`the call did not finish within ${timeout} ms (it goes on: wait again, or cancel() it)`)), timeout);
      const onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      void done.then(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
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

  /** As `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.promise.catch(onrejected);
  }

  /** As `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.promise.finally(onfinally);
  }
}

/** Runs a done callback; what it throws is reported on a later tick, as for an EventTarget listener. */
function call<T>(fn: (future: Future<T>) => void, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

