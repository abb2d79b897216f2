/**
 * The multiprocessing side of weft: child-process options, and (as they land) `Process`,
 * `Thread`, `Pipe` and `Queue`.
 * @packageDocumentation
 */
export type { ChildOptions, SandboxOptions } from './fork.js';
export { PipeClosedError, PipeEOFError, QueueClosedError, ProcessStateError, BrokerGoneError } from './errors.js';
