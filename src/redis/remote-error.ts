import { DataCloneError, InvalidArgumentError, InvalidOptionError, InvalidStateError, WeftError } from '../errors.js';
import { BrokenPoolError, ResourceLimitError, TaskAbortedError, TaskTimeoutError, WorkerExitedError } from '../executor/errors.js';
import { decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import { ChunkError } from '../worker/protocol.js';
import { RESULT_ABORTED, RESULT_CHUNK_ERROR, RESULT_CLONE_ERROR, RESULT_ERROR, RESULT_TIMEOUT } from './wire.js';

/**
 * weft's own errors a worker's local pool raises (a crash, a result it could not clone…),
 * rebuilt as their classes here: the record has their name, message, stack, code and fields.
 */
const weftClasses: Record<string, { prototype: Error }> = {
  WorkerExitedError, ResourceLimitError, BrokenPoolError, DataCloneError, InvalidArgumentError, InvalidOptionError, InvalidStateError, WeftError,
};

function rebuild(encoded: EncodedThrow, task: string): Error {
  const error = decodeThrow(encoded, task);
  const Class = weftClasses[error.name];
  if (Class && !(error instanceof WeftError)) Object.setPrototypeOf(error, Class.prototype);
  return error;
}

/** The caller's side of a failed result record: the rebuilt error (a `ChunkError` for a map chunk that failed at an item). */
export function remoteError(status: number, value: unknown, task: string): Error | ChunkError {
  switch (status) {
    case RESULT_ERROR:
      return rebuild(value as EncodedThrow, task);
    case RESULT_CHUNK_ERROR: {
      const [done, encoded] = value as [unknown[], EncodedThrow];
      return new ChunkError(done, rebuild(encoded, task));
    }
    case RESULT_TIMEOUT:
      return new TaskTimeoutError(task, value as number);
    case RESULT_ABORTED:
      return new TaskAbortedError(task, 'aborted on its worker');
    case RESULT_CLONE_ERROR:
      return new DataCloneError(`the result of task '${task}' cannot be serialized back to the caller (${String(value)}); return plain data instead of functions, symbols or class instances with methods`);
    default:
      return new DataCloneError(`task '${task}' sent a result record weft does not know (status ${status}): are the workers running another version of weft?`);
  }
}
