/** One call of a `RedisPool`, from `submit` until it settles, and how calls become jobs. */
import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataCloneError } from '../errors.js';
import type { TaskStream } from '../executor/stream.js';
import { PayloadTooLargeError } from './errors.js';
import type { RedisCallOptions } from './options.js';
import { RESULT_TTL_MS, encodeArgs, type JobData, type Keys } from './wire.js';

/** Jobs per `addBulk`. */
const ADD_BULK = 1000;
/** Failed jobs BullMQ keeps (the sweep reads their reason, then removes them). */
const FAILED_KEPT = { age: 24 * 3600, count: 10_000 };

/** A call waiting for its job's result. Internal. */
export class Call {
  /** Set once the job is stored in Redis. */
  added = false;
  /** Its worker said it began (only for `submit`, whose Future shows it). */
  begun = false;
  /** Settled here: later results for it are dropped. */
  settled = false;
  /** Sweeps in a row that found no job and no result. */
  missing = 0;
  /** When the job was added (ms, performance clock), for the sweep. */
  addedAt = 0;
  /** The id of the pack job carrying this call with others (`pack.ts`), if it shares one. */
  pack: string | undefined;
  /** Same-producer calls on the same caller-chosen id: they settle with this one. */
  followers: Call[] | undefined;
  /** The listener on the caller's signal. */
  onAbort: (() => void) | undefined;
  /** Told the run time a worker reports, before the call settles (map chunks use it). */
  onMicros: ((micros: number) => void) | undefined;
  /** Where the values of a stream go (`pool.stream`). */
  stream: TaskStream<unknown> | undefined;
  /** The caller's `onProgress`, when it listens. */
  onProgress: ((value: unknown) => void) | undefined;
  readonly acceptedAt = performance.now();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly data: JobData,
    readonly priority: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The id of the BullMQ job that carries this call. */
  get job(): string {
    return this.pack ?? this.id;
  }
}

/** Calls grouped by the job that carries them. */
export function byJob(calls: Iterable<Call>): Map<string, Call[]> {
  const jobs = new Map<string, Call[]>();
  for (const call of calls) {
    const same = jobs.get(call.job);
    if (same) same.push(call);
    else jobs.set(call.job, [call]);
  }
  return jobs;
}

/**
 * The job data of a call: its arguments (throwing `DataCloneError` or `PayloadTooLargeError` for
 * arguments that cannot go), its mode, where its result goes, and what its options ask of the
 * worker (`window`: the call streams).
 */
export function jobData(
  name: string, args: unknown, mode: number, producer: string, maxPayloadBytes: number, options: RedisCallOptions | undefined, custom: boolean, window: number | undefined,
): JobData {
  let bytes: Buffer;
  try {
    bytes = encodeArgs(args);
  } catch (error) {
    throw new DataCloneError(`the arguments of task '${name}' cannot be sent to a Redis worker (${(error as Error)?.message ?? String(error)}); pass plain data`, error);
  }
  if (bytes.length > maxPayloadBytes) throw new PayloadTooLargeError(name, bytes.length, maxPayloadBytes);
  const data: JobData = { a: bytes.toString('base64'), m: mode, r: producer };
  if (options?.timeout !== undefined) data.t = options.timeout;
  if (options?.timeout !== undefined || options?.signal || window !== undefined) data.s = 1;
  if (custom) data.k = 1;
  if (window !== undefined) data.w = window;
  if (options?.onProgress) data.p = 1;
  return data;
}

/** BullMQ's priorities run 1 (first) to 2^21; weft's higher number runs first, 0 in the middle. */
export function bullPriority(priority: number): number {
  return Math.min(2 ** 21, Math.max(1, 2 ** 20 - Math.round(priority)));
}

/**
 * Adds the jobs in bulk: each carries one call, or several (a pack: `pack.ts`); a caller-chosen
 * id first registers this producer as waiting on it (its worker delivers to every producer
 * registered).
 */
export async function addJobs(queue: Queue, redis: Redis, keys: Keys, producer: string, jobs: Call[][]): Promise<void> {
  const custom = jobs.filter((calls) => calls[0]!.data.k);
  if (custom.length > 0) {
    const multi = redis.multi();
    for (const [c] of custom) multi.sadd(keys.waiting(c!.id), producer).pexpire(keys.waiting(c!.id), RESULT_TTL_MS);
    await multi.exec();
  }
  const job = (calls: Call[]) => {
    const first = calls[0]!;
    const data: JobData = calls.length === 1 ? first.data : { a: '', m: first.data.m, r: producer, c: calls.map((c) => [c.id, c.data.a]) };
    return { name: first.name, data, opts: { jobId: first.job, priority: bullPriority(first.priority), removeOnComplete: true, removeOnFail: FAILED_KEPT } };
  };
  if (jobs.length === 1) {
    const { name, data, opts } = job(jobs[0]!);
    await queue.add(name, data, opts); // one script call: addBulk would build a pipeline around it
    return;
  }
  for (let i = 0; i < jobs.length; i += ADD_BULK) await queue.addBulk(jobs.slice(i, i + ADD_BULK).map(job));
}
