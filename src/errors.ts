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

/** An argument is out of range or of the wrong kind (a negative count, a NaN timeout…); the message names it. */
export class InvalidArgumentError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WEFT_INVALID_ARGUMENT', message, options);
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
