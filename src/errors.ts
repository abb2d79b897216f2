/**
 * The ground of weft's error family, after `concurrent.futures._base`: one class per concept,
 * shared by every folder, and subclassed only where a part of weft needs more (a pool's
 * `TaskTimeoutError` is a {@link TimeoutError}, its `TaskAbortedError` a {@link CancelledError}).
 * So `instanceof TimeoutError` catches every timeout weft raises, and `instanceof WeftError`
 * every error of weft's own. Each class has a stable `code` to branch on and a message that
 * says what to do.
 */

/**
 * Base class of every error weft itself raises. Each subclass has a stable `code`
 * (e.g. `ERR_WEFT_TIMEOUT`) to branch on, and a message that says what to do.
 */
export class WeftError extends Error {
  /** Stable machine-readable code, e.g. `ERR_WEFT_TIMEOUT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The work was cancelled: through an `AbortSignal`, `Future.cancel()`, or a failing sibling in
 * a `TaskGroup` (Python's `CancelledError`). `cause` is the abort reason, so the original cause
 * of the cancellation is never lost.
 */
export class CancelledError extends WeftError {
  /** `code` is for subclasses that name a more specific cancellation. */
  constructor(message = 'the operation was cancelled by its AbortSignal; see `cause` for the reason', options?: { cause?: unknown }, code = 'ERR_WEFT_ABORTED') {
    super(code, message, options);
  }
}

/** A wait, a scope or a task ran past its deadline (Python's `TimeoutError`). Raise the timeout, or do less work per call. */
export class TimeoutError extends WeftError {
  /** `code` is for subclasses that name a more specific timeout. */
  constructor(message = 'the operation timed out: raise `timeout` or do less work per call', options?: { cause?: unknown }, code = 'ERR_WEFT_TIMEOUT') {
    super(code, message, options);
  }
}

/**
 * The object is in a state where this call makes no sense (Python's `InvalidStateError`):
 * `taskDone()` with no task pending, spawning into a finished `TaskGroup`, a closed pool or pipe.
 */
export class InvalidStateError extends WeftError {
  /** `code` is for subclasses that name the state. */
  constructor(message: string, options?: { cause?: unknown }, code = 'ERR_WEFT_INVALID_STATE') {
    super(code, message, options);
  }
}

/** An argument is out of range or of the wrong kind (a negative count, a NaN timeout…); the message names it. */
export class InvalidArgumentError extends WeftError {
  /** `code` is for subclasses that name the kind of argument. */
  constructor(message: string, options?: { cause?: unknown }, code = 'ERR_WEFT_INVALID_ARGUMENT') {
    super(code, message, options);
  }
}

/** An option passed to a pool (or a call) is invalid: the message names it and the accepted range. */
export class InvalidOptionError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, undefined, 'ERR_WEFT_INVALID_OPTION');
  }
}

/**
 * A value could not be copied to another thread or process (functions, symbols, class
 * instances with methods…): a task's arguments or result, a queue item, a pipe message.
 */
export class DataCloneError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_DATA_CLONE', message, { cause });
  }
}

/**
 * A barrier was aborted, reset, timed out, or its action threw, while parties were waiting on
 * it (Python's `BrokenBarrierError`); shared by the in-loop and the cross-thread `Barrier`.
 */
export class BrokenBarrierError extends WeftError {
  constructor(message = 'the barrier is broken (aborted, reset, timed out, or its action threw): call reset() before waiting again', options?: { cause?: unknown }) {
    super('ERR_WEFT_BROKEN_BARRIER', message, options);
  }
}

/** `release()` on a lock nobody holds, or a `Condition` used without holding its lock (Python's `RuntimeError`). */
export class NotHeldError extends WeftError {
  /** `code` is for subclasses (an `RLock` held by another thread). */
  constructor(message = 'the lock is not held: acquire it before releasing it, or use `withLock(fn)`', code = 'ERR_WEFT_NOT_HELD') {
    super(code, message);
  }
}

/** A `BoundedSemaphore` was released more times than it was acquired (Python's `ValueError`). */
export class TooManyReleasesError extends WeftError {
  constructor(message = 'BoundedSemaphore released too many times: release only what you acquired, or use `run(fn)`') {
    super('ERR_WEFT_TOO_MANY_RELEASES', message);
  }
}

/** A put on a full queue that may not wait (asyncio's `QueueFullError`), or a pool's task queue at `maxQueue`. */
export class QueueFullError extends WeftError {
  constructor(message = 'the queue is full: use `await put()` to wait for room, or raise `maxsize`') {
    super('ERR_WEFT_QUEUE_FULL', message);
  }
}

/** A get on an empty queue that may not wait (asyncio's `QueueEmptyError`). Use `await get()` to wait for an item. */
export class QueueEmptyError extends WeftError {
  constructor(message = 'the queue is empty: use `await get()` to wait for an item') {
    super('ERR_WEFT_QUEUE_EMPTY', message);
  }
}

/**
 * `put({ timeout })` found no room in time (Python's `queue.Full` from `put(timeout=...)`): a
 * `TimeoutError` (code `ERR_WEFT_TIMEOUT`) that is also an `instanceof QueueFullError`.
 */
export class QueueFullTimeoutError extends TimeoutError {
  constructor(message = 'put() found no room in the queue within its timeout: wait longer, consume faster, or raise `maxsize`') {
    super(message);
  }
}

/**
 * `get({ timeout })` found no item in time (Python's `queue.Empty` from `get(timeout=...)`): a
 * `TimeoutError` (code `ERR_WEFT_TIMEOUT`) that is also an `instanceof QueueEmptyError`.
 */
export class QueueEmptyTimeoutError extends TimeoutError {
  constructor(message = 'get() found no item in the queue within its timeout: wait longer, or check that a producer is running') {
    super(message);
  }
}

/** `instanceof` for a class that also stands for another: Python's `except queue.Full` catches a put timeout too. */
function alsoMatches(cls: abstract new (...args: never[]) => unknown, also: abstract new (...args: never[]) => unknown): void {
  const plain = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      return plain.call(this, value) || (this === cls && plain.call(also, value));
    },
  });
}
alsoMatches(QueueFullError, QueueFullTimeoutError);
alsoMatches(QueueEmptyError, QueueEmptyTimeoutError);

/** The queue was shut down: no more puts, and no more gets once it is empty (Python 3.13's `QueueShutDownError`). */
export class QueueShutDownError extends WeftError {
  constructor(message = 'the queue was shut down: stop producing, and stop consuming once it is empty') {
    super('ERR_WEFT_QUEUE_SHUT_DOWN', message);
  }
}
