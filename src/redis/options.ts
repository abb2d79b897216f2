/** The options of `RedisPool` and `RedisWorker`, validated with named errors. */
import { InvalidOptionError } from '../errors.js';
import { resolvePoolOptions, type CallOptions, type PoolOptions } from '../executor/options.js';
import type { StreamOptions } from '../executor/stream.js';
import { checkConnection, type RedisConnection } from './connection.js';

/** Options of `new RedisPool(module, options)`. */
export interface RedisPoolOptions {
  /** Where Redis is: a `redis://`/`rediss://` URL, or ioredis options (username, password, tls…). Required. */
  connection: RedisConnection;
  /** The BullMQ queue the workers take tasks from (`weft worker --queue`). Required. */
  queue: string;
  /** BullMQ's key prefix. Default 'bull'. */
  prefix?: string;
  /** Milliseconds to wait for Redis before a call rejects with `RedisUnavailableError` (also the longest outage outstanding calls wait through). Default 10,000. */
  connectTimeout?: number;
  /** Largest serialized arguments of one call (or one map chunk), in bytes; larger ones reject with `PayloadTooLargeError` before reaching Redis. Default 8 MiB. */
  maxPayloadBytes?: number;
  /** Most calls outstanding at once; `run`/`submit` beyond it reject with `QueueFullError`. Default 1,000,000. */
  maxQueue?: number;
  /**
   * Most `run()` calls one job may carry. Calls of a task that workers report as cheap, made in
   * one turn, travel several to a job (each still its own call, with its own result), sized to
   * about 2 ms of work and spread over every worker. Default 256; 1 sends one job per call.
   */
  maxCallsPerJob?: number;
}

/** Per-call options of `RedisPool.submit`. */
export interface RedisCallOptions extends Omit<CallOptions, 'transfer'> {
  /**
   * The job's id in BullMQ, for callers who need idempotency: while a job with this id is in
   * Redis, submitting it again (from any producer) does not add a second job; every caller
   * waiting on it gets its result. It must not contain ':' or be an integer.
   */
  jobId?: string;
}

/** Per-call options of `RedisPool.streamWith`: those of `submit` but `jobId` (a stream has one caller), and the stream's `window`. */
export type RedisStreamOptions = Omit<StreamOptions, 'transfer'>;

/** Options of `new RedisWorker(module, options)` and `weft worker`. */
export interface RedisWorkerOptions {
  /** Where Redis is, as for `RedisPool`. Required. */
  connection: RedisConnection;
  /** The BullMQ queue to take tasks from. Required. */
  queue: string;
  /** BullMQ's key prefix. Default 'bull'. */
  prefix?: string;
  /** Tasks this worker takes at once. Default: twice the local pool's size (so the next task is at hand when one ends). */
  concurrency?: number;
  /** What runs the tasks here: 'thread' (default: the main thread stays free to renew BullMQ's locks), 'process' or 'async'. */
  model?: 'thread' | 'process' | 'async';
  /** Workers of the local pool. Default: the number of CPU cores (for 'async': concurrency). */
  size?: number;
  /** Milliseconds a task's lock lasts without renewal; a worker that dies has its tasks re-run by others after it. Default 30,000. */
  lockDuration?: number;
  /** Milliseconds to wait for Redis at start. Default 10,000. */
  connectTimeout?: number;
  /** More options for the local pool (initializer, retries, cancelGrace…). */
  pool?: Omit<PoolOptions, 'size'>;
}

/** The models a worker can run its tasks with. */
export const WORKER_MODELS = ['thread', 'process', 'async'] as const;

/** `RedisPoolOptions` after validation and defaults. */
export interface ResolvedRedisPoolOptions {
  connection: RedisConnection;
  queue: string;
  prefix: string;
  connectTimeout: number;
  maxPayloadBytes: number;
  maxQueue: number;
  maxCallsPerJob: number;
}

function whole(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidOptionError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function name(value: unknown, what: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.includes(':')) throw new InvalidOptionError(`${what} must be a non-empty string without ':', got ${String(value)}`);
  return value;
}

/** Validates `RedisPoolOptions`. */
export function resolveRedisPoolOptions(options: RedisPoolOptions): ResolvedRedisPoolOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('RedisPool needs options: { connection, queue }');
  checkConnection(options.connection);
  return {
    connection: options.connection,
    queue: name(options.queue, 'queue'),
    prefix: name(options.prefix, 'prefix', 'bull'),
    connectTimeout: whole(options.connectTimeout, 'connectTimeout', 10_000),
    maxPayloadBytes: whole(options.maxPayloadBytes, 'maxPayloadBytes', 8 * 1024 * 1024),
    maxQueue: whole(options.maxQueue, 'maxQueue', 1_000_000),
    maxCallsPerJob: whole(options.maxCallsPerJob, 'maxCallsPerJob', 256),
  };
}

/** `RedisWorkerOptions` after validation and defaults. */
export interface ResolvedRedisWorkerOptions {
  connection: RedisConnection;
  queue: string;
  prefix: string;
  model: 'thread' | 'process' | 'async';
  size: number | undefined;
  concurrency: number | undefined;
  lockDuration: number;
  connectTimeout: number;
  pool: Omit<PoolOptions, 'size'>;
}

/** Validates `RedisWorkerOptions`. */
export function resolveRedisWorkerOptions(options: RedisWorkerOptions): ResolvedRedisWorkerOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('RedisWorker needs options: { connection, queue }');
  checkConnection(options.connection);
  const model = options.model ?? 'thread';
  if (!WORKER_MODELS.includes(model)) throw new InvalidOptionError(`model must be one of ${WORKER_MODELS.join(', ')}, got ${String(model)}`);
  if (options.pool !== undefined && (options.pool === null || typeof options.pool !== 'object')) throw new InvalidOptionError('pool must be an object of pool options');
  resolvePoolOptions({ ...options.pool, ...(options.size === undefined ? {} : { size: options.size }) }); // bad local-pool options fail here, not once connected
  return {
    connection: options.connection,
    queue: name(options.queue, 'queue'),
    prefix: name(options.prefix, 'prefix', 'bull'),
    model,
    size: options.size === undefined ? undefined : whole(options.size, 'size', 1),
    concurrency: options.concurrency === undefined ? undefined : whole(options.concurrency, 'concurrency', 1),
    lockDuration: whole(options.lockDuration, 'lockDuration', 30_000, 100),
    connectTimeout: whole(options.connectTimeout, 'connectTimeout', 10_000),
    pool: options.pool ?? {},
  };
}

/** Checks a caller-chosen job id (BullMQ refuses ':' and integers). */
export function checkJobId(jobId: unknown): string | undefined {
  if (jobId === undefined) return undefined;
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new InvalidOptionError(`jobId must be a non-empty string, not an integer, without ':', got ${String(jobId)}`);
  }
  return jobId;
}
