/**
 * weft: Python's concurrency models for Node.js behind one executor API.
 * @packageDocumentation
 */
export { ThreadPool, Thread, type ThreadPoolOptions, type ThreadOptions } from './backends/thread.js';
export { ProcessPool, Process, type ProcessPoolOptions, type ProcessOptions } from './backends/process.js';
export { AsyncPool } from './backends/inline.js';
export type { ChildOptions, SandboxOptions } from './backends/child-options.js';
export type { WorkerEntryOptions } from './backends/entry.js';
export { Queue, type QueueWaitOptions } from './ipc/queue.js';
export { Pipe, PipeEnd, type PipeOptions, type PollOptions } from './ipc/pipe.js';
export { revive } from './ipc/revive.js';
export { Pool } from './executor/pool.js';
export { SingleTaskRunner, type SingleTaskOptions, type SingleTaskState } from './executor/single.js';
export { Future, type FutureState, type FutureWaitOptions } from './executor/future.js';
export { wait, asCompleted, type Completed, type ReturnWhen, type WaitResult } from './executor/wait.js';
export type { PoolOptions, CallOptions, CloseOptions } from './executor/options.js';
export type { MapOptions, MapResults } from './executor/map.js';
export { TaskStream, type StreamOptions, type StreamControl } from './executor/stream.js';
export type { PoolStats, Percentiles } from './executor/stats.js';
export type {
  TaskName, TaskArgs, TaskResult, MapTaskName, MapItem, StreamTaskName, StreamItem, ModuleLocation, UntypedModule, AnyFunction,
} from './executor/types.js';
export {
  WeftError, CancelledError, TimeoutError, InvalidStateError, InvalidArgumentError, InvalidOptionError, DataCloneError,
} from './errors.js';
export {
  BrokenPoolError, PoolClosedError, PoolTerminatedError, TaskTimeoutError, TaskAbortedError, AsCompletedTimeoutError, WorkerExitedError,
  ResourceLimitError, ProcessStateError,
} from './executor/errors.js';
export { UnknownTaskError, NotAFunctionError, ModuleLoadError, InitializerError, ThrownValueError, NotAGeneratorError, GeneratorTaskError } from './worker/errors.js';
export { PipeBrokenError, PipeClosedError, PipeEOFError, QueueClosedError, BrokerGoneError } from './ipc/errors.js';
export { QueueFullError, QueueEmptyError, QueueFullTimeoutError, QueueEmptyTimeoutError, QueueShutDownError } from './errors.js';

/** weft's version. */
export const version = '0.1.0';
