/**
 * weft/redis: the executor API across machines, on BullMQ and Redis. `RedisPool` submits tasks;
 * `RedisWorker` (or `weft worker`) runs them wherever the task module is. BullMQ loads only
 * when this entry is imported.
 * @packageDocumentation
 */
export { RedisPool } from './pool.js';
export type { JobCounts, RedisPoolStats } from './counts.js';
export { RedisWorker } from './worker.js';
export type { RedisPoolOptions, RedisWorkerOptions, RedisCallOptions, RedisStreamOptions } from './options.js';
export type { RedisConnection } from './connection.js';
export { RedisUnavailableError, PayloadTooLargeError, JobLostError, JobFailedError } from './errors.js';
