/**
 * The multiprocessing side of weft: child-process options, `Process`,
 * `Thread`, `Pipe` and `Queue`.
 * @packageDocumentation
 */
export type { ChildOptions, SandboxOptions } from './fork.js';
export { PipeClosedError, PipeEOFError, QueueClosedError, ProcessStateError, BrokerGoneError } from './errors.js';
export { Runner, type RunnerOptions, type RunnerState } from './runner.js';
export { Process, type ProcessOptions } from './process.js';
export { Thread, type ThreadOptions } from './thread.js';
export { Queue, type QueueWaitOptions } from './queue.js';
export { Pipe, PipeEnd, type PipeOptions } from './pipe.js';
export { reviveEnds } from './revive.js';
