import { TimeoutError } from '../errors.js';
import { badCount, cancelled, MAX_TIMER } from './waiters.js';

/** Options of `timeout` and `sleep`. */
export interface SignalOptions {
  /** Cancels the call: it rejects with `CancelledError` (`cause` = the signal's reason). */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `fn(signal)` under a deadline (Python's `asyncio.timeout`). At the deadline the signal
 * aborts (its reason is the `TimeoutError`) and the call rejects with `TimeoutError` at once,
 * without waiting for `fn` to wind down; what `fn` does later is ignored. If `options.signal`
 * aborts first, the inner signal aborts with its reason and the call rejects with
 * `CancelledError`. `Infinity` means no deadline; a negative or NaN `ms` rejects with
 * `InvalidArgumentError`.
 *
 * @example
 * const res = await timeout(5_000, (signal) => fetch(url, { signal }));
 */
export function timeout<T>(ms: number, fn: (signal: AbortSignal) => T | PromiseLike<T>, options: SignalOptions = {}): Promise<Awaited<T>> {
  const bad = badCount('timeout', ms, true);
  if (bad !== undefined) return Promise.reject(bad);
  const parent = options.signal;
  if (parent?.aborted) return Promise.reject(cancelled(parent));
  const controller = new AbortController();
  return new Promise<Awaited<T>>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    const onParentAbort = (): void => {
      finish();
      controller.abort(parent!.reason);
      reject(cancelled(parent!));
    };
    if (ms !== Infinity) {
      timer = setTimeout(() => {
        finish();
        const error = new TimeoutError(`the work did not finish within ${ms} ms: raise the timeout, or make it faster`);
        controller.abort(error);
        reject(error);
      }, Math.min(ms, MAX_TIMER));
    }
    parent?.addEventListener('abort', onParentAbort, { once: true });
    let p: PromiseLike<T> | T;
    try {
      p = fn(controller.signal);
    } catch (error) {
      finish();
      reject(error);
      return;
    }
    Promise.resolve(p).then(
      (value) => {
        finish();
        resolve(value as Awaited<T>);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

/**
 * Resolves after `ms` milliseconds (Python's `asyncio.sleep`). If the signal aborts first, the
 * timer is cleared and the promise rejects with `CancelledError`. A negative or NaN `ms`
 * rejects with `InvalidArgumentError`.
 */
export function sleep(ms: number, options: SignalOptions = {}): Promise<void> {
  const bad = badCount('sleep ms', ms, true);
  if (bad !== undefined) return Promise.reject(bad);
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(cancelled(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
