/**
 * The failures of a pool itself, each a subclass of the ground family in `src/errors.ts`
 * (Python's `BrokenExecutor` family has the same place in `concurrent.futures`).
 */
import { CancelledError, InvalidStateError, TimeoutError, WeftError } from '../errors.js';
import type { WorkerExit } from './backend.js';

/** The pool was closed (`close()`): it finishes accepted work but takes no new tasks. */
export class PoolClosedError extends InvalidStateError {
  constructor(message = 'the pool is closed: create a new pool to run more tasks') {
    super(message, undefined, 'ERR_WEFT_POOL_CLOSED');
  }
}

/** The pool was terminated (`terminate()`) before this task finished: it is cancelled, and the workers stopped. */
export class PoolTerminatedError extends CancelledError {
  constructor(message = 'the pool was terminated before this task finished') {
    super(message, undefined, 'ERR_WEFT_POOL_TERMINATED');
  }
}

/** A task ran longer than its `timeout` (counted from when it started running); its worker was stopped. */
export class TaskTimeoutError extends TimeoutError {
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;
  constructor(task: string, timeout: number) {
    super(`task '${task}' did not finish within its timeout of ${timeout} ms; it was stopped`, undefined, 'ERR_WEFT_TASK_TIMEOUT');
    this.timeout = timeout;
  }
}

/** A task was cancelled through its AbortSignal or `Future.cancel()`; `cause` is the abort reason. */
export class TaskAbortedError extends CancelledError {
  constructor(task: string, reason?: unknown) {
    super(`task '${task}' was aborted`, { cause: reason });
  }
}

/** `asCompleted`'s timeout expired with futures still pending (Python raises `TimeoutError` there too). */
export class AsCompletedTimeoutError extends TimeoutError {
  /** Futures still pending when the timeout expired. */
  readonly pending: number;
  constructor(pending: number, timeout: number) {
    super(`${pending} future(s) were still pending when asCompleted's timeout of ${timeout} ms expired`);
    this.pending = pending;
  }
}

/**
 * The worker running a task exited (crash, `process.exit`, uncaught error, killed) before it
 * finished. Only the task(s) it had started fail; tasks it had not started are re-dispatched.
 * Set the pool's `retries` option to re-run such tasks.
 */
export class WorkerExitedError extends WeftError {
  /** The worker's exit code, or null when it was killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that killed it (processes only), or null. */
  readonly signal: NodeJS.Signals | null;
  constructor(task: string, exitCode: number | null, signal: NodeJS.Signals | null = null, cause?: unknown) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('ERR_WEFT_WORKER_EXITED', `the worker running task '${task}' ${how}${why}; the pool replaced it`, { cause });
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** A worker ran out of the memory its `resourceLimits` allow while running a task; the pool replaced it. */
export class ResourceLimitError extends WeftError {
  constructor(task: string, cause?: unknown) {
    super(
      'ERR_WEFT_RESOURCE_LIMIT',
      `task '${task}' exceeded the worker's resourceLimits (out of memory); raise resourceLimits or reduce the task's memory use`,
      { cause },
    );
  }
}

/**
 * Workers kept dying or hanging before they started (their module's import, or the
 * initializer): after several in a row, with a growing pause between tries, the pool gives up
 * and every pending and new call fails with this error (Python's `BrokenProcessPool`). The
 * message carries the first failure's.
 */
export class BrokenPoolError extends InvalidStateError {
  constructor(failures: number, first: string) {
    super(
      `the pool is broken: ${failures} workers in a row failed to start (the first: ${first}); fix the task module or the initializer, then create a new pool`,
      undefined,
      'ERR_WEFT_BROKEN_POOL',
    );
  }
}

/** A `Process` or `Thread` was started twice, joined before `start()`, or used after its end. */
export class ProcessStateError extends InvalidStateError {
  constructor(message: string) {
    super(message, undefined, 'ERR_WEFT_PROCESS_STATE');
  }
}

/** The error of task `task`, which was running when its worker ended as `info` says. */
export function exitError(task: string, info: WorkerExit): WeftError {
  return info.outOfMemory ? new ResourceLimitError(task, info.error) : new WorkerExitedError(task, info.code, info.signal, info.error);
}
