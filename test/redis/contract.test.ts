/**
 * The shared executor contract (test/suites/backend.ts) run against RedisPool, with in-process
 * RedisWorkers on a redis-server of this file's own, as far as it applies to a remote pool.
 */
import { after } from 'node:test';
import type { Pool, PoolOptions } from '../../src/index.js';
import { RedisPool, RedisWorker } from '../../src/redis/index.js';
import { backendSuite } from '../suites/backend.js';
import { freshQueue } from './helpers.js';
import { RedisServer, skipRedis } from './server.js';

const server = skipRedis ? undefined : await RedisServer.start();
after(() => server?.stop());

/** A RedisPool and a worker of its own, sized and configured as a local pool would be; closing the pool closes the worker. */
function makeRedisPool<M>(module: URL | string, options: PoolOptions = {}): Pool<M> {
  const queue = freshQueue('contract');
  const { size, maxQueue, ...rest } = options;
  const worker = new RedisWorker(module, { connection: server!.url, queue, size: size ?? (rest.maxSize === undefined ? 2 : undefined), pool: rest });
  let pool: RedisPool<M>;
  try {
    pool = new RedisPool<M>(module, { connection: server!.url, queue, maxQueue });
  } catch (error) {
    void worker.close();
    throw error;
  }
  const close = pool.close.bind(pool);
  const terminate = pool.terminate.bind(pool);
  pool.close = (o) => close(o).finally(() => worker.close());
  pool.terminate = () => terminate().finally(() => worker.terminate());
  return pool as unknown as Pool<M>;
}

if (server) backendSuite('RedisPool', makeRedisPool, { isolated: true, remote: true });
