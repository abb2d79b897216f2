/**
 * The `redis` model of `weft bench`: a `RedisPool` on the Redis server named by `--redis`, its
 * tasks run by a `RedisWorker` that this process starts with a ThreadPool of the level's size.
 * Worker and caller share one machine, so next to ThreadPool the figures show what going
 * through Redis costs: a network round trip per call, BullMQ's bookkeeping, serialization. Each
 * runner uses a key prefix of its own and deletes its keys when it stops.
 */
import { CliError } from './errors.js';
import { poolCalls, type Runner, type RunnerShape } from './runner.js';
import { cpuMicrosNow } from './proc.js';
import { warmUntilSteady } from './warmup.js';

let connection: string | undefined;
let runners = 0;

/** Sets the Redis server the `redis` model uses (`--redis`). */
export function useRedis(url: string | undefined): void {
  connection = url;
}

/** Starts a runner of the `redis` model: a RedisPool and, in this process, a RedisWorker of `shape`. */
export function redisRunner(moduleUrl: string, shape: RunnerShape): Runner {
  const url = connection;
  if (url === undefined) throw new CliError('the redis model needs a Redis server: add --redis redis://host:6379 (weft starts its workers in this process)', 2);
  const prefix = `weft-bench-${process.pid}-${++runners}`;
  const queue = 'bench';
  const started = (async () => {
    const { RedisPool, RedisWorker } = await import('../redis/index.js');
    const worker = new RedisWorker(moduleUrl, { connection: url, queue, prefix, size: shape.size, concurrency: shape.size * shape.perWorker });
    try {
      await worker.ready;
    } catch (error) {
      await worker.terminate().catch(() => undefined);
      throw new CliError(`cannot run the redis model on ${url}: ${(error as Error)?.message ?? String(error)}`, 1, { cause: error });
    }
    return { worker, pool: new RedisPool(moduleUrl, { connection: url, queue, prefix }) };
  })();
  started.catch(() => undefined); // reported by the first call that needs it
  const calls = poolCalls(shape);
  const stop = async (graceful: boolean): Promise<void> => {
    let parts: Awaited<typeof started>;
    try {
      parts = await started;
    } catch {
      return;
    }
    if (graceful) {
      await parts.pool.close();
      await parts.worker.close({ timeout: 10_000 });
    } else await Promise.allSettled([parts.pool.terminate(), parts.worker.terminate()]);
    await deleteKeys(url, prefix);
  };
  return {
    model: 'redis',
    run: async (name, args, onProgress) => calls.run((await started).pool, name, args, onProgress),
    reportsProgress: calls.reportsProgress,
    warm: async (name, args, limits = {}) => {
      const { pool } = await started;
      const round = (): Promise<unknown> => calls.round(pool, name, args);
      if (limits) await warmUntilSteady(round, limits, () => cpuMicrosNow([]));
      else await round();
    },
    close: () => stop(true),
    terminate: () => stop(false),
  };
}

/** Deletes every key under `prefix` (the queue's BullMQ keys and weft's own). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis went away: nothing to clean there now.
  } finally {
    redis.disconnect();
  }
}
