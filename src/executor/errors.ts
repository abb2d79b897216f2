import { WeftError } from '../errors.js';

/** An option passed to a pool (or a call) is invalid: the message names it and the accepted range. */
export class InvalidOptionError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_INVALID_OPTION', message);
  }
}

/** The pool was closed (`close()`): it finishes accepted work but takes no new tasks. */
export class PoolClosedError extends WeftError {
  constructor(message = 'the pool is closed: create a new pool to run more tasks') {
    super('ERR_WEFT_POOL_CLOSED', message);
  }
}

/** The pool was terminated (`terminate()`): pending tasks were rejected and workers stopped. */
export class PoolTerminatedError extends WeftError {
  constructor(message = 'the pool was terminated before this task finished') {
    super('ERR_WEFT_POOL_TERMINATED', message);
  }
}

/** The pool's task queue is at `maxQueue`: wait for results, raise `maxQueue`, or use `map` (which applies backpressure). */
export class QueueFullError extends WeftError {
  constructor(limit: number) {
    super(
      'ERR_WEFT_QUEUE_FULL',
      `the task queue is full (maxQueue: ${limit}): await some results before submitting more, raise maxQueue, or use map() which applies backpressure`,
    );
  }
}

/** A task ran longer than its `timeout` (counted from when it started running); its worker was stopped. */
export class TaskTimeoutError extends WeftError {
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;
  constructor(task: string, timeout: number) {
    super('ERR_WEFT_TASK_TIMEOUT', `task '${task}' did not finish within its timeout of ${timeout} ms; it was stopped`);
    this.timeout = timeout;
  }
}

/** A task was cancelled through its AbortSignal or `Future.cancel()`; `cause` is the abort reason. */
export class TaskAbortedError extends WeftError {
  constructor(task: string, reason?: unknown) {
    super('ERR_WEFT_ABORTED', `task '${task}' was aborted`, { cause: reason });
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

/** The task module has no export with the requested name. */
export class UnknownTaskError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_UNKNOWN_TASK', message);
  }
}

/** The requested export of the task module exists but is not a function. */
export class NotAFunctionError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NOT_A_FUNCTION', message);
  }
}

/** The task module could not be found or failed to load; the message names its path. */
export class ModuleLoadError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_MODULE_LOAD', message, { cause });
  }
}

/** The pool's `initializer` threw in a worker; tasks cannot run there. */
export class InitializerError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_INITIALIZER', message, { cause });
  }
}

/** Arguments or a result could not be copied between threads/processes (functions, symbols, …). */
export class DataCloneError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_DATA_CLONE', message, { cause });
  }
}

/** A task threw something that is not an Error (a string, an object…); the thrown value is in `value`. */
export class ThrownValueError extends WeftError {
  /** The value the task threw, as it arrived. */
  readonly value: unknown;
  constructor(task: string, value: unknown) {
    super('ERR_WEFT_NON_ERROR_THROWN', `task '${task}' threw a non-Error value: ${describe(value)}`);
    this.value = value;
  }
}

function describe(value: unknown): string {
  try {
    const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(value);
  }
}

/** weft error classes a worker may raise, rebuilt by name on the caller's side. */
export const remoteErrorClasses: Record<string, new (message: string) => WeftError> = {
  UnknownTaskError,
  NotAFunctionError,
  ModuleLoadError,
  InitializerError,
};
