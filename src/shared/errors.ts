/** The errors only shared memory raises; the rest of the family is in `src/errors.ts`. */
import { InvalidStateError, NotHeldError, WeftError } from '../errors.js';

/** A shared primitive was revived from memory that is not what it claims: wrong tag, not a `SharedArrayBuffer`, or too small. */
export class InvalidSharedObjectError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_INVALID_SHARED', message);
  }
}

/** A thread that does not own an `RLock` (or a `Condition`'s lock) tried to release, wait or notify. */
export class NotOwnerError extends NotHeldError {
  constructor(message: string) {
    super(message, 'ERR_WEFT_NOT_OWNER');
  }
}

/** A `Channel` is closed: nothing more can be sent, and (on receive) nothing is left to read. */
export class ChannelClosedError extends InvalidStateError {
  constructor(message = 'the channel is closed') {
    super(message, undefined, 'ERR_WEFT_CHANNEL_CLOSED');
  }
}

/** A value's serialized form does not fit in the channel's ring buffer at all. */
export class MessageTooLargeError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_MESSAGE_TOO_LARGE', message);
  }
}
