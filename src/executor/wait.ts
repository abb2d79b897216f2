import type { Future } from './future.js';
import { AsCompletedTimeoutError } from './errors.js';
import { InvalidOptionError } from '../errors.js';
import { checkTimeout } from './options.js';

/** When {@link wait} returns: as Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** The two sets {@link wait} resolves to. */
export interface WaitResult<T> {
  /** The futures that had settled by then. */
  done: Set<Future<T>>;
  /** Those still pending (they go on running). */
  notDone: Set<Future<T>>;
}

/**
 * Waits for futures like Python's `concurrent.futures.wait`: until the first completes, the
 * first fails, or all complete (default), or `timeout` ms pass. Never rejects: failures stay
 * in the futures. Futures are not cancelled when the timeout expires.
 */
export async function wait<T>(
  futures: Iterable<Future<T>>,
  options: { returnWhen?: ReturnWhen; timeout?: number } = {},
): Promise<WaitResult<T>> {
  const returnWhen = options.returnWhen ?? 'ALL_COMPLETED';
  if (!['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'].includes(returnWhen)) {
    throw new InvalidOptionError(`returnWhen must be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got ${String(returnWhen)}`);
  }
  const timeout = checkTimeout(options.timeout, 'timeout');
  const all = [...new Set(futures)];
  const split = (): WaitResult<T> => ({
    done: new Set(all.filter((f) => f.done())),
    notDone: new Set(all.filter((f) => !f.done())),
  });
  const finished = (): boolean => {
    const done = all.filter((f) => f.done());
    if (done.length === all.length) return true;
    if (returnWhen === 'FIRST_COMPLETED') return done.length > 0;
    // As in Python, a cancelled future is done but is not an exception.
    if (returnWhen === 'FIRST_EXCEPTION') return done.some((f) => f.state === 'rejected');
    return false;
  };
  if (finished()) return split();
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      if (!finished()) return;
      clearTimeout(timer);
      resolve(split());
    };
    if (timeout !== undefined) timer = setTimeout(() => resolve(split()), timeout);
    for (const f of all) f.promise.then(check, check);
  });
}

/** What {@link asCompleted} yields: the future and its outcome, as `Promise.allSettled` reports it. */
export type Completed<T> = PromiseSettledResult<T> & {
  /** The future that completed. */
  future: Future<T>;
};

/**
 * Yields futures as they complete, like Python's `as_completed`, each with its outcome (a
 * future is awaitable, so it travels in a record rather than bare); futures already done come
 * first. With `timeout` (ms), throws `AsCompletedTimeoutError` when it expires first.
 *
 * @example
 * for await (const { future, status, value } of asCompleted(futures)) console.log(status, value);
 */
export function asCompleted<T>(futures: Iterable<Future<T>>, options: { timeout?: number } = {}): AsyncIterableIterator<Completed<T>> {
  const timeout = checkTimeout(options.timeout, 'timeout');
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
  const pending = new Set(futures);
  const ready: Completed<T>[] = [];
  let wake: (() => void) | undefined;
  for (const future of pending) {
    // Futures already done are yielded first, before any timeout can expire (Python's as_completed).
    if (future.done()) {
      ready.push(outcome(future));
      continue;
    }
    future.promise.then(
      (value) => {
        ready.push({ future, status: 'fulfilled', value });
        wake?.();
      },
      (reason: unknown) => {
        ready.push({ future, status: 'rejected', reason });
        wake?.();
      },
    );
  }
  const iterator: AsyncIterableIterator<Completed<T>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<Completed<T>>> {
      while (ready.length === 0 && pending.size > 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new AsCompletedTimeoutError(pending.size, timeout!);
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (left !== Infinity) timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
        wake = undefined;
      }
      if (pending.size === 0) return { value: undefined, done: true };
      const completed = ready.shift()!;
      pending.delete(completed.future);
      return { value: completed, done: false };
    },
    async return(): Promise<IteratorResult<Completed<T>>> {
      pending.clear();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

/** The outcome of a future that is done, read without waiting. */
function outcome<T>(future: Future<T>): Completed<T> {
  return future.state === 'fulfilled'
    ? { future, status: 'fulfilled', value: future.value() as T }
    : { future, status: 'rejected', reason: future.error };
}
