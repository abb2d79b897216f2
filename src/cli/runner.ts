/** The small interface every concurrency model `weft` measures is run through, and the calls a runner makes on a pool (models.ts, redis-model.ts). */
import type { WarmupLimits } from './warmup.js';

/** A way of running tasks that `weft` measures. */
export type ModelName = 'sequential' | 'async' | 'thread' | 'process' | 'redis';

/** Runs tasks of one module under one model until closed. */
export interface Runner {
  readonly model: ModelName;
  /**
   * Runs task `name` with `args`; resolves to its result. `onProgress` receives what the task
   * reports with `progress()` (pooled models only, and only once `warm` saw it report).
   */
  run(name: string, args: unknown[], onProgress?: (value: unknown) => void): Promise<unknown>;
  /** Whether the task reported progress while `warm` ran it (so `run` passes `onProgress` on). */
  readonly reportsProgress: () => boolean;
  /**
   * Runs rounds of one task on each worker (not all on the first one ready) until the time of
   * a round stops falling, so the measured tasks find every worker started and warm (its code
   * compiled and optimized), as the main thread is after the probe; `limits` bound the rounds,
   * and `false` stops after one round on every worker (enough to time start-up).
   */
  warm(name: string, args: unknown[], limits?: Partial<WarmupLimits> | false): Promise<void>;
  /** Finishes accepted work, then stops every worker. */
  close(): Promise<void>;
  /** Stops now, failing pending tasks. */
  terminate(): Promise<void>;
}

/** How many tasks a runner runs at once: `size` workers, each running up to `perWorker` tasks. */
export interface RunnerShape {
  size: number;
  perWorker: number;
}

/** A pool as a runner calls it: ThreadPool, ProcessPool, AsyncPool or RedisPool. */
export interface CallablePool {
  run(name: string, ...args: unknown[]): Promise<unknown>;
  submit(name: string, args: unknown[], options: { signal?: AbortSignal; onProgress?: (value: unknown) => void }): PromiseLike<unknown>;
}

/**
 * The calls a runner makes on its pool. Progress costs a little per call, so `run` asks for it
 * only from a task seen to report it during a warm-up `round` (one call per worker, each with
 * `signal` when given: a task with a signal gets a worker to itself).
 */
export function poolCalls(shape: RunnerShape, signal?: AbortSignal) {
  let reports = false;
  const noticed = (): void => void (reports = true);
  return {
    run: (pool: CallablePool, name: string, args: unknown[], onProgress?: (value: unknown) => void): Promise<unknown> =>
      reports && onProgress ? Promise.resolve(pool.submit(name, args, { onProgress })) : pool.run(name, ...args),
    round: (pool: CallablePool, name: string, args: unknown[]): Promise<unknown> =>
      Promise.all(Array.from({ length: shape.size }, () => pool.submit(name, args, { signal, onProgress: noticed }))),
    reportsProgress: (): boolean => reports,
  };
}
