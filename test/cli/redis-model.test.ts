// weft bench --models redis (issue 14): the user's task through a RedisPool next to the local pools.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisServer, skipRedis } from '../redis/server.js';
import { FIXTURES, runCli } from './helpers.js';

describe('weft bench --models redis', { skip: skipRedis }, () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(() => server?.stop());

  test('runs the task through a RedisPool and a worker it starts, next to ThreadPool, and leaves no keys', async () => {
    const run = await runCli(['bench', join(FIXTURES, 'tasks.mjs'), 'fib', '--args', '15', '--tasks', '8', '--levels', '1,2', '--models', 'thread,redis', '--redis', server.url, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { workloads: { runs: { model: string; level: number; tasks: number; throughput: number }[] }[]; overhead: { model: string; latencyMicros: number }[] };
    const runs = result.workloads[0]!.runs;
    assert.deepEqual(runs.filter((r) => r.model === 'redis').map((r) => r.level), [1, 2]);
    assert.ok(runs.every((r) => r.tasks === 8 && r.throughput > 0));
    assert.ok(result.overhead.some((o) => o.model === 'redis' && o.latencyMicros > 0));
    const redis = new Redis(server.url);
    try {
      assert.deepEqual(await redis.keys('weft-bench-*'), []);
    } finally {
      redis.disconnect();
    }
  });

  test('--models redis without --redis is a usage error', async () => {
    const run = await runCli(['bench', join(FIXTURES, 'tasks.mjs'), 'fib', '--models', 'redis']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--redis redis:\/\/host:6379/);
  });
});
