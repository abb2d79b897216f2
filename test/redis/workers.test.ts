/**
 * Real `weft worker` processes on a real Redis: the ready line, a graceful stop on SIGTERM, the
 * one-line failures and their exit codes, and the fault test: a worker SIGKILLed mid-run loses
 * no task (another re-runs its jobs once their locks expire).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { RedisPool } from '../../src/redis/index.js';
import { collect, startCli } from '../cli/helpers.js';
import { eventually } from '../helpers.js';
import { exited, freshQueue, redisTasks, startWorkerProcess, type RedisTasks } from './helpers.js';
import { RedisServer, freePort, skipRedis } from './server.js';

const modulePath = fileURLToPath(redisTasks);

describe('weft worker processes', { skip: skipRedis }, () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(() => server.stop());

  test("prints 'ready', runs tasks, and on SIGTERM finishes the running one and exits 0", async () => {
    const queue = freshQueue('cli');
    const { child, output } = await startWorkerProcess([modulePath, '--redis', server.url, '--queue', queue, '--size', '1', '--concurrency', '1']);
    assert.match(output(), /ready/);
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    try {
      assert.equal(await pool.run('add', 20, 22), 42);
      const running = pool.run('pidAfter', 700);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      assert.equal(await running, child.pid, 'the running task finished and its result arrived');
      assert.equal(await exited(child), 0);
    } finally {
      child.kill('SIGKILL');
      await pool.close();
    }
  });

  test('an unreachable Redis and a module that does not load exit 1 with one line; bad usage exits 2', async () => {
    const port = await freePort();
    const down = await collect(startCli(['worker', modulePath, '--redis', `redis://127.0.0.1:${port}`, '--queue', 'q', '--connect-timeout', '300']), 60_000);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^weft: the worker could not start: RedisUnavailableError: .*not reachable/);
    assert.equal(down.stderr.trim().split('\n').length, 1);
    const broken = fileURLToPath(new URL('../fixtures/broken.ts', import.meta.url));
    const bad = await collect(startCli(['worker', broken, '--redis', server.url, '--queue', 'q']), 60_000);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ModuleLoadError/);
    const usage = await collect(startCli(['worker', modulePath, '--queue', 'q']), 60_000);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--redis/);
    const model = await collect(startCli(['worker', modulePath, '--redis', server.url, '--queue', 'q', '--model', 'fiber']), 60_000);
    assert.equal(model.code, 2);
  });

  test('two workers, one SIGKILLed mid-run: every task completes, none is lost, each future settles once', async () => {
    const queue = freshQueue('fault');
    const args = ['--redis', server.url, '--queue', queue, '--size', '1', '--concurrency', '1', '--lock-duration', '1000'];
    const a = await startWorkerProcess([modulePath, ...args]);
    const b = await startWorkerProcess([modulePath, ...args]);
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    try {
      const settled: number[] = [];
      const calls = Array.from({ length: 24 }, (_, i) => pool.run('pidAfter', 250).then((pid) => (settled.push(i), pid)));
      await new Promise((r) => setTimeout(r, 900));
      a.child.kill('SIGKILL');
      const pids = await Promise.all(calls);
      assert.equal(settled.length, 24);
      assert.equal(new Set(settled).size, 24, 'each call settled once');
      assert.ok(pids.includes(b.child.pid!), 'the survivor ran tasks');
      assert.ok(pids.filter((p) => p === b.child.pid).length >= 12, 'the survivor took over the lost worker\'s tasks');
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGTERM');
      await exited(b.child);
      await pool.close();
    }
  });

  test('two workers, one SIGKILLed amid packs of tiny calls: every call completes with its own result', async () => {
    const queue = freshQueue('fault-packs');
    const args = ['--redis', server.url, '--queue', queue, '--size', '1', '--lock-duration', '1000'];
    const a = await startWorkerProcess([modulePath, ...args]);
    const b = await startWorkerProcess([modulePath, ...args]);
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    try {
      await pool.run('add', 0, 0); // the pool hears the task is cheap: the burst goes in packs
      let settled = 0;
      const calls = Array.from({ length: 20_000 }, (_, i) => pool.run('add', i, 1).finally(() => settled++));
      await eventually(() => settled >= 2000, 'the first packs came back');
      a.child.kill('SIGKILL');
      assert.ok(settled < 20_000, 'the worker was killed mid-run');
      assert.deepEqual(await Promise.all(calls), Array.from({ length: 20_000 }, (_, i) => i + 1));
      assert.equal(pool.size, 0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGTERM');
      await exited(b.child);
      await pool.close();
    }
  });
});
