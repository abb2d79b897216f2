/**
 * The failures of running tasks through Redis, each in the ground family of `src/errors.ts`
 * with its own `code`.
 */
import { InvalidArgumentError, WeftError } from '../errors.js';

/**
 * Redis could not be reached (or was lost for longer than `connectTimeout`): start Redis, check
 * the `connection` URL, password and TLS options, or raise `connectTimeout`. A call that fails
 * with it may still run once Redis is back if its job was already stored there.
 */
export class RedisUnavailableError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WEFT_REDIS_UNAVAILABLE', message, options);
  }
}

/** A call's arguments (or a map chunk) serialize to more than `maxPayloadBytes`: send less per call, or raise the option. */
export class PayloadTooLargeError extends InvalidArgumentError {
  /** Size of the serialized payload, in bytes. */
  readonly bytes: number;
  /** The limit it went over. */
  readonly limit: number;
  constructor(task: string, bytes: number, limit: number) {
    super(
      `the arguments of task '${task}' serialize to ${bytes} bytes, over maxPayloadBytes (${limit}): pass a reference (a key, a path, a URL) instead of the data, or raise maxPayloadBytes`,
      undefined,
      'ERR_WEFT_PAYLOAD_TOO_LARGE',
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * The call's job is gone from Redis without a result: Redis was restarted without persistence
 * (or flushed), or the job was removed by someone else. The task may or may not have run.
 */
export class JobLostError extends WeftError {
  /** The BullMQ job id. */
  readonly jobId: string;
  constructor(task: string, jobId: string) {
    super(
      'ERR_WEFT_REDIS_JOB_LOST',
      `the job of task '${task}' (id ${jobId}) vanished from Redis without a result: was Redis restarted without persistence, or the queue emptied? Submit it again if it is safe to run twice`,
    );
    this.jobId = jobId;
  }
}

/**
 * BullMQ itself failed the call's job (not the task): most often a worker holding it stopped
 * renewing its lock more often than the queue allows (it was killed, or its event loop was
 * blocked). The message carries BullMQ's reason.
 */
export class JobFailedError extends WeftError {
  /** The BullMQ job id. */
  readonly jobId: string;
  constructor(task: string, jobId: string, reason: string) {
    super('ERR_WEFT_REDIS_JOB_FAILED', `the job of task '${task}' (id ${jobId}) failed in BullMQ: ${reason}`);
    this.jobId = jobId;
  }
}
