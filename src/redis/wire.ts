/**
 * What travels through Redis between a `RedisPool` and its workers: the job's data (JSON, as
 * BullMQ stores it, with the arguments inside as base64 v8 serialization, so Map, Set, Date,
 * BigInt and typed arrays survive), the result records workers push to each producer's own
 * list, and the names of weft's keys beside BullMQ's.
 */
import { deserialize, serialize } from 'node:v8';

/** The data of one job: task arguments (or map items) and where its result goes. */
export interface JobData {
  /** v8-serialized arguments (a call) or items (a map chunk), base64. */
  a: string;
  /** `MODE_CALL`, or `MODE_CHUNK` with `FLAG_SPREAD` for starmap (worker/protocol.ts's values). */
  m: number;
  /** The producer whose result list gets the result. */
  r: string;
  /** Timeout in ms, counted from the start on the worker. */
  t?: number;
  /** 1: the call can be aborted while it runs (it was submitted with a signal or timeout). */
  s?: 1;
  /** 1: the id was chosen by the caller (`jobId`): results go to every producer waiting on it. */
  k?: 1;
  /** 1: tell the producer when the task begins (its `Future` shows 'running', and `cancel()` knows). */
  b?: 1;
  /** The job streams (`pool.stream`): its window, the most values its generator makes ahead of what the caller took. */
  w?: number;
  /** 1: the caller listens to the task's progress (`onProgress`). */
  p?: 1;
  /** A pack (`pack.ts`): the calls this job carries, each its own id and arguments (as `a`, which is then empty). */
  c?: [id: string, args: string][];
}

/** Status of a result record. */
export const RESULT_OK = 0;
/** value: the task's error, encoded (worker/error-codec.ts). */
export const RESULT_ERROR = 1;
/** value: [results before the failing item, its encoded error]. */
export const RESULT_CHUNK_ERROR = 2;
/** value: why the result could not be serialized. */
export const RESULT_CLONE_ERROR = 3;
/** value: the timeout that expired, ms. */
export const RESULT_TIMEOUT = 4;
/** The task was aborted on its worker. */
export const RESULT_ABORTED = 5;
/** Not a result: the task has begun on its worker. */
export const RESULT_STARTED = 6;

/** Not a result: value is values a stream yielded, in order (one or more). */
export const RESULT_YIELD = 7;
/** Not a result: value is what the task reported with `progress()` (the latest, when it reports faster than Redis takes it). */
export const RESULT_PROGRESS = 8;

/** One result: job id, status, value, run time on the worker (µs). */
export type ResultRecord = [id: string, status: number, value: unknown, micros: number];

/** Serializes a call's arguments (throws what v8 throws for values it cannot send). */
export function encodeArgs(args: unknown): Buffer {
  return serialize(args);
}

/** Reads arguments (a job's `a`) back on the worker. */
export function decodeArgs(a: string): unknown[] {
  return deserialize(Buffer.from(a, 'base64')) as unknown[];
}

/** Serializes a result record; a value v8 cannot carry becomes a clone-error record. */
export function encodeResult(record: ResultRecord): Buffer {
  try {
    return serialize(record);
  } catch (error) {
    return serialize([record[0], RESULT_CLONE_ERROR, (error as Error)?.message ?? String(error), record[3]]);
  }
}

/** Serializes a record that does not end its call (yielded values, progress); throws what v8 throws for a value it cannot carry. */
export function encodeUpdate(id: string, status: typeof RESULT_YIELD | typeof RESULT_PROGRESS, value: unknown): Buffer {
  return serialize([id, status, value, 0]);
}

/** Reads a result record back on the producer. */
export function decodeResult(buffer: Buffer): ResultRecord {
  return deserialize(buffer) as ResultRecord;
}

/** The names of weft's keys for queue `queue` under BullMQ prefix `prefix`. */
export class Keys {
  constructor(
    readonly prefix: string,
    readonly queue: string,
  ) {}

  /** The list producer `producer` reads its results from. */
  results(producer: string): string {
    return `${this.prefix}:${this.queue}:weft:results:${producer}`;
  }

  /** The producers waiting on a caller-chosen job id. */
  waiting(jobId: string): string {
    return `${this.prefix}:${this.queue}:weft:waiting:${jobId}`;
  }

  /** The pub/sub channel on which producers ask every worker to abort a running job. */
  get cancels(): string {
    return `${this.prefix}:${this.queue}:weft:cancel`;
  }

  /**
   * The pub/sub channel on which producers talk to the worker running one of their streams:
   * `p <taken> <jobId>` (the caller has taken `taken` values in all) and `s <jobId>` (the caller
   * stopped early: return the generator, then deliver the end).
   */
  get control(): string {
    return `${this.prefix}:${this.queue}:weft:control`;
  }

  /** Exists while producer `producer` has streams open (it refreshes it): a worker starved of credit checks it. */
  alive(producer: string): string {
    return `${this.prefix}:${this.queue}:weft:alive:${producer}`;
  }
}

/** How often a producer with open streams refreshes its `alive` key, and how long the key outlives a refresh. */
export const ALIVE_REFRESH_MS = 2_000;
export const ALIVE_TTL_MS = 6_000;

/** How long an unread result list lives (its producer may have died): an hour. */
export const RESULT_TTL_MS = 3_600_000;
