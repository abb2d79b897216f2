import { CancelledError, InvalidArgumentError } from '../errors.js';
import { TaskGroup, type Task } from './task-group.js';
import { cancelled, checkCount } from './waiters.js';

/** The results of a tuple of tasks, position by position. */
export type Results<F extends readonly Task<unknown>[]> = { -readonly [K in keyof F]: Awaited<ReturnType<F[K]>> };

/** Options of `gather`. */
export interface GatherOptions {
  /** Most tasks running at once (default: all). */
  concurrency?: number;
  /** Cancels every task; `gather` then rejects with `CancelledError`. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs every task and resolves to their results in input order (Python's `asyncio.gather`,
 * with `TaskGroup` rules): the first failure aborts the signal of the others, and `gather`
 * rejects, once all have settled, with that error (or `TaskGroupError` if several failed).
 * With `concurrency`, at most that many run at once and tasks not yet started never start
 * after a failure. A `concurrency` below 1 or NaN rejects with `InvalidArgumentError`.
 *
 * @example
 * const pages = await gather(urls.map((u) => (signal) => fetch(u, { signal })), { concurrency: 8 });
 */
export async function gather<const F extends readonly Task<unknown>[]>(tasks: F, options: GatherOptions = {}): Promise<Results<F>> {
  const limit = options.concurrency ?? Infinity;
  checkCount('concurrency', limit, true);
  if (limit < 1) throw new InvalidArgumentError(`concurrency must be >= 1, got ${limit}`);
  const group = new TaskGroup({ signal: options.signal });
  const n = tasks.length;
  const results = new Array<unknown>(n);
  if (limit >= n) {
    for (let i = 0; i < n; i++) group._spawnInto(tasks[i]!, results, i);
  } else {
    let next = 0;
    const worker = async (signal: AbortSignal): Promise<void> => {
      while (next < n && !signal.aborted) {
        const i = next++;
        results[i] = await tasks[i]!(signal);
      }
    };
    for (let w = 0; w < limit; w++) group.spawn(worker);
  }
  await group.wait();
  return results as Results<F>;
}

/**
 * Runs every task and settles like the first one to settle (fulfil or reject), as
 * `Promise.race` does; the signal of the others then aborts (reason: `CancelledError`) and
 * their results are ignored. It does not wait for the losers to wind down. An empty list
 * rejects with `InvalidArgumentError`; `options.signal` aborting first rejects with `CancelledError`.
 */
export function race<const F extends readonly Task<unknown>[]>(tasks: F, options: { signal?: AbortSignal | undefined } = {}): Promise<Awaited<ReturnType<F[number]>>> {
  if (tasks.length === 0) return Promise.reject(new InvalidArgumentError('race() needs at least one task'));
  const parent = options.signal;
  if (parent?.aborted) return Promise.reject(cancelled(parent));
  const controller = new AbortController();
  type R = Awaited<ReturnType<F[number]>>;
  return new Promise<R>((resolve, reject) => {
    const onParentAbort = (): void => {
      controller.abort(parent!.reason);
      reject(cancelled(parent!));
    };
    parent?.addEventListener('abort', onParentAbort, { once: true });
    const settle = (): void => {
      parent?.removeEventListener('abort', onParentAbort);
      controller.abort(new CancelledError('another task won the race'));
    };
    for (const task of tasks) {
      if (controller.signal.aborted) break;
      let p: unknown;
      try {
        p = task(controller.signal);
      } catch (error) {
        p = Promise.reject(error);
      }
      Promise.resolve(p).then(
        (value) => {
          if (controller.signal.aborted) return;
          settle();
          resolve(value as R);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          settle();
          reject(error);
        },
      );
    }
  });
}

