/** The small interface every concurrency model `weft` measures is run through (models.ts, redis-model.ts). */
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
