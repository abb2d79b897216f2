import { WeftError } from '../errors.js';

export { InvalidArgumentError, BrokenBarrierError } from '../errors.js';

/** A shared primitive was revived from memory that is not what it claims: wrong tag, not a `SharedArrayBuffer`, or too small. */
export class InvalidSharedObjectError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_INVALID_SHARED', message);
  }
}

/** `release()` was called on a `Lock` that nobody holds. */
export class NotHeldError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NOT_HELD', message);
  }
}

/** A thread that does not own an `RLock` (or a `Condition`'s lock) tried to release, wait or notify. */
export class NotOwnerError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NOT_OWNER', message);
  }
}

/** A `BoundedSemaphore` was released more times than it was acquired. */
export class OverReleaseError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_OVER_RELEASE', message);
  }
}

/** A wait that must succeed (a guard, `withLock`, a channel send or receive) ran out of time. */
export class WaitTimeoutError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_WAIT_TIMEOUT', message);
  }
}

/** A `Channel` is closed: nothing more can be sent, and (on receive) nothing is left to read. */
export class ChannelClosedError extends WeftError {
  constructor(message = 'the channel is closed') {
    super('ERR_WEFT_CHANNEL_CLOSED', message);
  }
}

/** A value's serialized form does not fit in the channel's ring buffer at all. */
export class MessageTooLargeError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_MESSAGE_TOO_LARGE', message);
  }
}
