import type { Transferable } from './types.js';
import { cpus } from 'node:os';
import { InvalidOptionError } from '../errors.js';

/** Options every pool accepts, whatever runs its tasks. */
export interface PoolOptions {
  /** Fixed number of workers (sets both `minSize` and `maxSize`). Default: the number of CPU cores. */
  size?: number;
  /** Workers kept alive even when idle. Default: `size`, or 1 when only `maxSize` is given. */
  minSize?: number;
  /** Most workers the pool starts when work queues up. Default: `size`, or the number of CPU cores. */
  maxSize?: number;
  /** Milliseconds an idle worker above `minSize` lives before it is stopped. Default 30,000. */
  idleTimeout?: number;
  /** Most tasks waiting in the queue; `run`/`submit` beyond it reject with `QueueFullError`. Default 1,000,000. */
  maxQueue?: number;
  /** Recycle a worker after it has been given this many tasks (guards against leaks). Default: never. */
  maxTasksPerWorker?: number;
  /**
   * Async tasks a worker runs at once: while its running tasks await, a worker's event loop is
   * free, so it takes more (synchronous tasks still run one after another). Default 32 for
   * `ThreadPool` and `ProcessPool`, 1 for `AsyncPool` (whose `size` already counts tasks).
   */
  concurrentTasksPerWorker?: number;
  /** Re-run a task this many times when its worker dies while running it. Default 0. */
  retries?: number;
  /** Name of an exported function run once in each worker before its first task (Python's `initializer`). */
  initializer?: string;
  /** Arguments for `initializer`. */
  initArgs?: unknown[];
  /**
   * Name of an exported function run once in each worker the pool retires gracefully, after
   * its last task has settled: on `close()`, when `idleTimeout` stops a worker above
   * `minSize`, and when `maxTasksPerWorker` recycles one (the counterpart of `initializer`;
   * Python has none). It may be async. It does not run on `terminate()`, on a crash, for a
   * worker stopped because a cancelled or timed-out task ignored its signal, for a worker that
   * never started (its module or initializer failed), nor for a pool never closed when the
   * process exits. If it throws, is not an export, or outlasts `finalizerTimeout`, the worker
   * is stopped anyway and the failure is reported with `process.emitWarning` (code
   * `ERR_WEFT_FINALIZER`); the pool carries on.
   */
  finalizer?: string;
  /** Arguments for `finalizer`. Default []. */
  finalizerArgs?: unknown[];
  /** Milliseconds a worker's `finalizer` may take before the worker is stopped anyway. Default 5,000. */
  finalizerTimeout?: number;
  /** Milliseconds a cancelled or timed-out task gets to honour its AbortSignal before its worker is stopped. Default 100. */
  cancelGrace?: number;
  /**
   * Milliseconds a worker may take to start (boot, import the task module, run the
   * initializer) before it is stopped and replaced; its tasks go to another worker. Five
   * workers in a row that never start break the pool (`BrokenPoolError`). Default 60,000.
   */
  startTimeout?: number;
}

/** Options of `pool.close()`. */
export interface CloseOptions {
  /** Cancel every call that has not begun (Python's `shutdown(cancel_futures=True)`); running ones finish. */
  cancelPending?: boolean;
  /** Milliseconds to let running calls finish; then the pool is terminated (they fail with `PoolTerminatedError`). */
  timeout?: number;
}

/** Per-call options of `submit`. */
export interface CallOptions {
  /** Cancels the task: dropped if queued, aborted (worker stopped if it ignores the signal) if running. */
  signal?: AbortSignal;
  /** Milliseconds the task may run, counted from when it starts (not while queued). */
  timeout?: number;
  /** Objects to transfer (not copy) to the worker, e.g. ArrayBuffers among the arguments. */
  transfer?: readonly Transferable[];
  /** Higher runs first; equal priorities run in submission order. Default 0. */
  priority?: number;
  /**
   * Receives what the task reports with `progress()` from `weft/worker`, in order, before the
   * call settles; values reported faster than they are handled are coalesced to the latest.
   * A listener that throws is reported as an uncaught exception on a later tick.
   */
  onProgress?: (value: unknown) => void;
}

/**
 * `CallOptions` with what weft's own code also passes: `onMicros` hears the call's run time on
 * its worker (µs) just before it settles, so a Redis worker reports the time its local pool ran
 * the call, not the time the call also waited for a local worker. Internal.
 */
export interface CallHooks extends CallOptions {
  onMicros?: (micros: number) => void;
}

/** Async tasks a thread or process worker overlaps by default. */
export const DEFAULT_CONCURRENT_TASKS = 32;

/** Pool options after validation and defaults. */
export interface ResolvedPoolOptions {
  minSize: number;
  maxSize: number;
  idleTimeout: number;
  maxQueue: number;
  maxTasksPerWorker: number;
  concurrentTasksPerWorker: number;
  retries: number;
  initializer: string | undefined;
  initArgs: unknown[];
  finalizer: string | undefined;
  finalizerArgs: unknown[];
  finalizerTimeout: number;
  cancelGrace: number;
  startTimeout: number;
}

function checkInt(value: unknown, name: string, min: number, allowInfinity = false): number {
  const ok = typeof value === 'number' && ((Number.isInteger(value) && value >= min) || (allowInfinity && value === Infinity));
  if (!ok) {
    throw new InvalidOptionError(`${name} must be an integer >= ${min}${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`);
  }
  return value;
}

/** Validates a duration in milliseconds (a finite number >= 0); undefined stays undefined. */
export function checkTimeout(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`${name} must be a finite number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

/** Validates pool options and fills in defaults; throws `InvalidOptionError` naming the bad option. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError(`pool options must be an object, got ${String(options)}`);
  const cores = Math.max(1, cpus().length);
  let minSize: number;
  let maxSize: number;
  if (options.size !== undefined) {
    const size = checkInt(options.size, 'size', 1);
    if (options.minSize !== undefined || options.maxSize !== undefined) {
      throw new InvalidOptionError('give either size, or minSize/maxSize, not both');
    }
    minSize = maxSize = size;
  } else {
    maxSize = options.maxSize === undefined ? Math.max(cores, options.minSize ?? 1) : checkInt(options.maxSize, 'maxSize', 1);
    minSize = options.minSize === undefined ? (options.maxSize === undefined ? maxSize : 1) : checkInt(options.minSize, 'minSize', 0);
    if (minSize > maxSize) throw new InvalidOptionError(`minSize (${minSize}) must not exceed maxSize (${maxSize})`);
  }
  if (options.initializer !== undefined && typeof options.initializer !== 'string') {
    throw new InvalidOptionError(`initializer must be the name of an exported function, got ${typeof options.initializer}`);
  }
  if (options.initArgs !== undefined && !Array.isArray(options.initArgs)) {
    throw new InvalidOptionError('initArgs must be an array of arguments for the initializer');
  }
  if (options.finalizer !== undefined && typeof options.finalizer !== 'string') {
    throw new InvalidOptionError(`finalizer must be the name of an exported function, got ${typeof options.finalizer}`);
  }
  if (options.finalizerArgs !== undefined && !Array.isArray(options.finalizerArgs)) {
    throw new InvalidOptionError('finalizerArgs must be an array of arguments for the finalizer');
  }
  return {
    minSize,
    maxSize,
    idleTimeout: checkTimeout(options.idleTimeout, 'idleTimeout') ?? 30_000,
    maxQueue: options.maxQueue === undefined ? 1_000_000 : checkInt(options.maxQueue, 'maxQueue', 0, true),
    maxTasksPerWorker: options.maxTasksPerWorker === undefined ? Infinity : checkInt(options.maxTasksPerWorker, 'maxTasksPerWorker', 1, true),
    concurrentTasksPerWorker:
      options.concurrentTasksPerWorker === undefined ? DEFAULT_CONCURRENT_TASKS : checkInt(options.concurrentTasksPerWorker, 'concurrentTasksPerWorker', 1),
    retries: options.retries === undefined ? 0 : checkInt(options.retries, 'retries', 0),
    initializer: options.initializer,
    initArgs: options.initArgs ?? [],
    finalizer: options.finalizer,
    finalizerArgs: options.finalizerArgs ?? [],
    finalizerTimeout: checkTimeout(options.finalizerTimeout, 'finalizerTimeout') ?? 5000,
    cancelGrace: checkTimeout(options.cancelGrace, 'cancelGrace') ?? 100,
    startTimeout: checkTimeout(options.startTimeout, 'startTimeout') ?? 60_000,
  };
}

/** Validates per-call options. */
export function checkCallOptions(options: CallOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError(`call options must be an object, got ${String(options)}`);
  checkTimeout(options.timeout, 'timeout');
  if (options.priority !== undefined && (typeof options.priority !== 'number' || !Number.isFinite(options.priority))) {
    throw new InvalidOptionError(`priority must be a finite number, got ${String(options.priority)}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal must be an AbortSignal');
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InvalidOptionError('onProgress must be a function');
  }
  if (options.transfer !== undefined && !Array.isArray(options.transfer)) {
    throw new InvalidOptionError('transfer must be an array of transferable objects');
  }
}
