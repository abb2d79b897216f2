import type { Future } from './future.js';
import { WeftError } from '../errors.js';
import { InvalidOptionError } from './errors.js';
import { checkTimeout } from './options.js';

/** When {@link wait} returns: as Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** The two sets {@link wait} resolves to. */
export interface WaitResult<T> {
  done: Set<Future<T>>;
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
    if (returnWhen === 'FIRST_EXCEPTION') return done.some((f) => f.state !== 'fulfilled');
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

/**
 * Yields futures as they complete, like Python's `as_completed`; futures already done come
 * first. With `timeout` (ms), throws `AsCompletedTimeoutError` when it expires first.
 * (A hand-written iterator: an async generator would unwrap the awaitable futures.)
 *
 * @example
 * for await (const f of asCompleted(futures)) console.log(f.state, f.value());
 */
export function asCompleted<T>(futures: Iterable<Future<T>>, options: { timeout?: number } = {}): AsyncIterableIterator<Future<T>> {
  const timeout = checkTimeout(options.timeout, 'timeout');
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
  const pending = new Set(futures);
  const ready: Future<T>[] = [];
  let wake: (() => void) | undefined;
  for (const f of pending) {
    const done = (): void => {
      ready.push(f);
      wake?.();
    };
    f.promise.then(done, done);
  }
  const iterator: AsyncIterableIterator<Future<T>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<Future<T>>> {
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
      const f = ready.shift()!;
      pending.delete(f);
      return { value: f, done: false };
    },
    async return(): Promise<IteratorResult<Future<T>>> {
      pending.clear();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

/** {@link asCompleted}'s timeout expired with futures still pending. */
export class AsCompletedTimeoutError extends WeftError {
  constructor(pending: number, timeout: number) {
    super('ERR_WEFT_TIMEOUT', `${pending} future(s) were still pending when asCompleted's timeout of ${timeout} ms expired`);
  }
}
