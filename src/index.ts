/**
 * weft: Python's concurrency models for Node.js behind one executor API.
 * @packageDocumentation
 */
export { WeftError } from './errors.js';
export { ThreadPool, type ThreadPoolOptions } from './backends/thread.js';
export { AsyncPool } from './backends/inline.js';
export { ProcessPool, type ProcessPoolOptions } from './backends/process.js';
export * from './process/index.js';
export { Pool } from './executor/pool.js';
export { Future, type FutureState } from './executor/future.js';
export { wait, asCompleted, AsCompletedTimeoutError, type Completed, type ReturnWhen, type WaitResult } from './executor/wait.js';
export type { PoolOptions, CallOptions } from './executor/options.js';
export type { MapOptions, MapResults } from './executor/map.js';
export type { PoolStats, Percentiles } from './executor/stats.js';
export type { TaskName, TaskArgs, TaskResult, MapTaskName, MapItem, ModuleLocation, UntypedModule } from './executor/types.js';
export {
  InvalidOptionError, PoolClosedError, PoolTerminatedError, QueueFullError, TaskTimeoutError, TaskAbortedError,
  WorkerExitedError, ResourceLimitError, UnknownTaskError, NotAFunctionError, ModuleLoadError, InitializerError,
  DataCloneError, ThrownValueError,
} from './executor/errors.js';

/** weft's version. */
export const version = '0.1.0';
