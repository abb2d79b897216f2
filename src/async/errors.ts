import { WeftError } from '../errors.js';

export { InvalidArgumentError, BrokenBarrierError } from '../errors.js';

/** A wait or a scope ran past its deadline. Raise the timeout, or do less work per call. */
export class TimeoutError extends WeftError {
  constructor(message = 'the operation timed out: raise `timeout` or do less work per call', options?: { cause?: unknown }) {
    super('ERR_WEFT_TIMEOUT', message, options);
  }
}

/**
 * The work was cancelled through an `AbortSignal` (or by a failing sibling in a `TaskGroup`).
 * `cause` is the signal's `reason`, so the original cause of the cancellation is never lost.
 */
export class CancelledError extends WeftError {
  constructor(message = 'the operation was cancelled by its AbortSignal; see `cause` for the reason', options?: { cause?: unknown }) {
    super('ERR_WEFT_ABORTED', message, options);
  }
}

/** `release()` was called on a `Lock` (or a `Condition` method used) while the lock is not held. */
export class NotLockedError extends WeftError {
  constructor(message = 'the lock is not held: acquire it before releasing it, or use `withLock(fn)`') {
    super('ERR_WEFT_NOT_LOCKED', message);
  }
}

/** A `BoundedSemaphore` was released more times than it was acquired (Python's `ValueError`). */
export class TooManyReleasesError extends WeftError {
  constructor(message = 'BoundedSemaphore released too many times: release only what you acquired, or use `run(fn)`') {
    super('ERR_WEFT_TOO_MANY_RELEASES', message);
  }
}

/** The object is in a state where this call makes no sense (e.g. `taskDone()` with no task pending, spawning into a finished `TaskGroup`). */
export class InvalidStateError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_INVALID_STATE', message);
  }
}

/** `putNowait()` on a full queue. Use `await put()` to wait for room, or raise `maxsize`. */
export class QueueFull extends WeftError {
  constructor(message = 'the queue is full: use `await put()` to wait for room, or raise `maxsize`') {
    super('ERR_WEFT_QUEUE_FULL', message);
  }
}

/** `getNowait()` on an empty queue. Use `await get()` to wait for an item. */
export class QueueEmpty extends WeftError {
  constructor(message = 'the queue is empty: use `await get()` to wait for an item') {
    super('ERR_WEFT_QUEUE_EMPTY', message);
  }
}

/** The queue was shut down: no more puts, and no more gets once it is empty (Python 3.13's `QueueShutDown`). */
export class QueueShutDown extends WeftError {
  constructor(message = 'the queue was shut down: stop producing, and stop consuming once it is empty') {
    super('ERR_WEFT_QUEUE_SHUT_DOWN', message);
  }
}

/**
 * Several tasks of a `TaskGroup` (or `gather`) failed. `errors` holds every failure in the
 * order they happened; cancellations caused by the first failure are not in it.
 */
export class TaskGroupError extends WeftError {
  /** Every failure, first one first. */
  readonly errors: readonly unknown[];

  constructor(errors: readonly unknown[], message?: string) {
    super(
      'ERR_WEFT_TASK_GROUP',
      message ?? `${errors.length} tasks of the group failed; inspect \`errors\` (the first is also \`cause\`)`,
      { cause: errors[0] },
    );
    this.errors = errors;
  }
}
