/**
 * Redis going away under a RedisPool, for real: a restart without persistence (every key gone)
 * and an outage longer than `connectTimeout`. What resolves and what rejects is the README's
 * "Redis down" paragraph.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { RedisPool, JobLostError, RedisUnavailableError } from '../../src/redis/index.js';
import { rejectsWith } from '../helpers.js';
import { exited, freshQueue, redisTasks, startWorkerProcess, type RedisTasks } from './helpers.js';
import { RedisServer, skipRedis } from './server.js';

/** A `weft worker` process (BullMQ's own close can hang after Redis was restarted under a task; the command exits anyway). */
async function worker(url: string, queue: string) {
  const { child } = await startWorkerProcess([fileURLToPath(redisTasks), '--redis', url, '--queue', queue, '--size', '1', '--concurrency', '1']);
  return {
    pid: child.pid!,
    async close(): Promise<void> {
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    },
  };
}

describe('RedisPool when Redis goes away', { skip: skipRedis }, () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server.stop();
  });

  test('a restart without persistence: the running call resolves, the queued one rejects with JobLostError, new calls run', async () => {
    const queue = freshQueue('restart');
    const remote = await worker(server.url, queue);
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue, connectTimeout: 20_000 });
    try {
      const running = pool.run('pidAfter', 1500);
      const queued = pool.run('add', 1, 2);
      await new Promise((r) => setTimeout(r, 500));
      await server.restart();
      assert.equal(await running, remote.pid, 'the worker delivered its result to the restarted Redis');
      const lost = await rejectsWith(queued, JobLostError, 'ERR_WEFT_REDIS_JOB_LOST', /restarted without persistence/);
      assert.match(lost.jobId, /\.\d+$/);
      assert.equal(await pool.run('add', 2, 2), 4, 'the pool and the worker carry on');
    } finally {
      await pool.close();
      await remote.close();
    }
  });

  test('an outage longer than connectTimeout rejects outstanding calls with RedisUnavailableError; new calls too, within the bound', async () => {
    const queue = freshQueue('outage');
    const remote = await worker(server.url, queue);
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue, connectTimeout: 1000 });
    try {
      assert.equal(await pool.run('add', 1, 1), 2);
      const outstanding = pool.run('pidAfter', 5000);
      await new Promise((r) => setTimeout(r, 300));
      await server.stop();
      await rejectsWith(outstanding, RedisUnavailableError, 'ERR_WEFT_REDIS_UNAVAILABLE', /lost Redis/);
      await rejectsWith(pool.run('add', 1, 1), RedisUnavailableError, 'ERR_WEFT_REDIS_UNAVAILABLE');
    } finally {
      await server.restart();
      await pool.close();
      await remote.close();
    }
  });
});
