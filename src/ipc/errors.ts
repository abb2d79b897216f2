/** The errors of the channels between processes; the rest of the family is in `src/errors.ts`. */
import { DataCloneError, InvalidStateError, WeftError } from '../errors.js';

/** `send` or `recv` on a pipe end you closed. Open a new `Pipe()` to talk again. */
export class PipeClosedError extends InvalidStateError {
  constructor(message = 'this pipe end is closed: it can neither send nor receive; create a new Pipe()') {
    super(message, undefined, 'ERR_WEFT_PIPE_CLOSED');
  }
}

/**
 * The other end of the pipe is closed (every copy of it): `recv` after every message it sent
 * has been read (Python's `EOFError`). Messages sent before the close are still delivered first.
 */
export class PipeEOFError extends WeftError {
  constructor(message = 'the other end of the pipe is closed and nothing is left to read') {
    super('ERR_WEFT_PIPE_EOF', message);
  }
}

/**
 * `send` to a pipe end nobody holds any more: every copy of the other end was closed, garbage
 * collected, or died with its thread or process (Python's `BrokenPipeError`). What was sent
 * before is dropped with it; create a new `Pipe()` to talk again.
 */
export class PipeBrokenError extends InvalidStateError {
  constructor(message = 'the other end of the pipe is closed in every thread and process that held it: nothing sent now can be read; create a new Pipe()') {
    super(message, undefined, 'ERR_WEFT_PIPE_BROKEN');
  }
}

/** `put` on a closed `Queue`, or `get` on one that is closed and empty. Items queued before the close are still delivered. */
export class QueueClosedError extends InvalidStateError {
  constructor(message = 'the queue is closed: no more puts, and no more gets once it is empty') {
    super(message, undefined, 'ERR_WEFT_QUEUE_CLOSED');
  }
}

/** The broker that carries pipes and queues between processes could not be reached (its process is gone). */
export class BrokerGoneError extends WeftError {
  constructor(message = 'the process that created this pipe or queue is gone (or closed its broker): nothing more can be sent or received', options?: { cause?: unknown }) {
    super('ERR_WEFT_BROKER_GONE', message, options);
  }
}

/** The `DataCloneError` a queue item or pipe message that cannot be copied gets. */
export function cloneError(error: unknown): DataCloneError {
  return new DataCloneError(`the item cannot be sent through a queue or pipe (${(error as Error)?.message ?? String(error)}): send plain data`, error);
}
