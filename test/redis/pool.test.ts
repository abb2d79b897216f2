/**
 * RedisPool and RedisWorker against a real redis-server started by the test: values as in
 * ProcessPool, cancel and timeout across the queue, priorities, map in chunks, several
 * producers, caller-chosen job ids, nothing left behind in Redis, and a Redis that is down.
 * (Error fidelity and the rest of the executor contract: contract.test.ts.)
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  DataCloneError, InitializerError, InvalidOptionError, ModuleLoadError, PoolClosedError, PoolTerminatedError, TaskAbortedError, TaskTimeoutError, UnknownTaskError,
} from '../../src/index.js';
import { PayloadTooLargeError, RedisPool, RedisUnavailableError, RedisWorker } from '../../src/redis/index.js';
import { eventually, rejectsWith } from '../helpers.js';
import { freshQueue, marks, redisTasks, type RedisTasks } from './helpers.js';
import { RedisServer, freePort, skipRedis } from './server.js';

describe('RedisPool on a real Redis', { skip: skipRedis }, () => {
  let server: RedisServer;
  const dir = mkdtempSync(join(tmpdir(), 'weft-redis-'));
  const closers: (() => Promise<unknown>)[] = [];

  /** A pool and an in-process worker on a queue of their own. */
  async function setup(workerOptions: { size?: number; concurrency?: number; model?: 'thread' | 'process' | 'async' } = {}) {
    const queue = freshQueue('pool');
    const worker = new RedisWorker(redisTasks, { connection: server.url, queue, size: 2, ...workerOptions });
    await worker.ready;
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    closers.push(() => pool.terminate(), () => worker.close());
    (worker as unknown as { label: string }).label = queue;
    return { pool, worker, queue };
  }

  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    const hung: string[] = [];
    for (const close of closers.reverse()) {
      const done = await Promise.race([close().then(() => true, () => true), new Promise((r) => setTimeout(r, 15_000, false))]);
      if (!done) hung.push(close.toString());
    }
    await server.stop();
    assert.deepEqual(hung, [], 'every pool and worker closes');
  });

  test('run returns results; Map, Set, Date, BigInt and typed arrays arrive intact', async () => {
    const { pool } = await setup();
    assert.equal(await pool.run('add', 2, 3), 5);
    assert.equal(await pool.run('delayed', 7, 5), 7);
    const value = { m: new Map([[1, new Set(['x'])]]), d: new Date(5), big: 2n ** 70n, bytes: new Uint16Array([1, 65535]), nested: [undefined, -0, NaN] };
    assert.deepStrictEqual(await pool.run('echo', value), value);
    const many = await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run('add', i, 1)));
    assert.deepEqual(many, Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  test('an unknown task is UnknownTaskError; bad arguments fail at submit, before Redis', async () => {
    const { pool } = await setup();
    await rejectsWith(pool.run('nope' as never), UnknownTaskError, 'ERR_WEFT_UNKNOWN_TASK', /no export named 'nope'/);
    await rejectsWith(pool.run('echo', (() => 1) as never), DataCloneError, 'ERR_WEFT_DATA_CLONE', /echo/);
    const small = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue: freshQueue('small'), maxPayloadBytes: 1024 });
    closers.push(() => small.terminate());
    const big = await rejectsWith(small.run('echo', 'x'.repeat(5000)), PayloadTooLargeError, 'ERR_WEFT_PAYLOAD_TOO_LARGE', /maxPayloadBytes/);
    assert.ok(big.bytes > 5000);
    assert.equal(await pool.run('add', 1, 1), 2, 'the pool stays healthy');
  });

  test('invalid options are named errors', async () => {
    assert.throws(() => new RedisPool(redisTasks, {} as never), InvalidOptionError);
    assert.throws(() => new RedisPool(redisTasks, { connection: 'http://x', queue: 'q' }), InvalidOptionError);
    assert.throws(() => new RedisPool(redisTasks, { connection: server.url, queue: 'a:b' }), InvalidOptionError);
    assert.throws(() => new RedisWorker(redisTasks, { connection: server.url, queue: 'q', model: 'fiber' as never }), InvalidOptionError);
    const { pool } = await setup();
    await rejectsWith(pool.submit('add', [1, 2], { jobId: '42' }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
    await rejectsWith(pool.submit('add', [1, 2], { timeout: -1 }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
  });

  test('a timeout counts from the start on the worker and stops a task that never returns; the worker goes on', async () => {
    const { pool } = await setup({ size: 1, concurrency: 1 });
    const blocker = pool.run('sleepSync', 600);
    // Queued behind the blocker for 600 ms: a timeout of 400 counted from submit would expire.
    const queued = pool.submit('delayed', [1, 100], { timeout: 400 });
    const spinning = pool.submit('spin', [], { timeout: 300 });
    await blocker;
    assert.equal(await queued, 1);
    const error = await rejectsWith(spinning, TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT');
    assert.equal(error.timeout, 300);
    assert.equal(await pool.run('add', 2, 2), 4);
  });

  test('cancel() removes a queued job (it never runs) and aborts a running one on its worker', async () => {
    const { pool } = await setup({ size: 1, concurrency: 1 });
    const file = join(dir, 'cancel.txt');
    const blocker = pool.run('mark', file, 'blocker', 500);
    const queued = pool.submit('mark', [file, 'queued']);
    await new Promise((r) => setTimeout(r, 150)); // both jobs are in Redis, the first running
    assert.equal(queued.cancel(), true);
    await rejectsWith(queued, TaskAbortedError, 'ERR_WEFT_ABORTED');
    assert.equal(await blocker, 'blocker');
    const watched = join(dir, 'watched.txt');
    const watching = pool.submit('watch', [watched], { signal: new AbortController().signal });
    const spinner = new AbortController();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(watching.cancel(), true);
    await rejectsWith(watching, TaskAbortedError, 'ERR_WEFT_ABORTED');
    await eventually(() => marks(watched).length === 1, "the running task's taskSignal fired on its worker");
    const spinning = pool.submit('spin', [], { signal: spinner.signal });
    await new Promise((r) => setTimeout(r, 300));
    spinner.abort();
    await rejectsWith(spinning, TaskAbortedError, 'ERR_WEFT_ABORTED');
    assert.equal(await pool.run('add', 3, 3), 6, 'the spinning task was stopped: the worker takes the next');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(marks(file), ['blocker'], 'the cancelled job never ran');
  });

  test('higher priority runs first among queued calls', async () => {
    const { pool } = await setup({ size: 1, concurrency: 1 });
    const file = join(dir, 'priority.txt');
    const blocker = pool.run('mark', file, 'first', 400);
    await new Promise((r) => setTimeout(r, 100));
    const low = pool.submit('mark', [file, 'low'], { priority: -5 });
    const normal = pool.submit('mark', [file, 'normal']);
    const high = pool.submit('mark', [file, 'high'], { priority: 10 });
    await Promise.all([blocker, low, normal, high]);
    assert.deepEqual(marks(file), ['first', 'high', 'normal', 'low']);
  });

  test('map and starmap yield every result in input order, in chunks; a failing item throws at its position', async () => {
    const { pool } = await setup();
    const out: number[] = [];
    for await (const x of pool.map('double', (function* () {
      for (let i = 0; i < 20_000; i++) yield i;
    })())) out.push(x);
    assert.equal(out.length, 20_000);
    assert.ok(out.every((x, i) => x === i * 2));
    const sums: number[] = [];
    for await (const x of pool.starmap('add', [[1, 2], [3, 4]] as [number, number][])) sums.push(x);
    assert.deepEqual(sums, [3, 7]);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const x of pool.starmap('failOn', Array.from({ length: 50 }, (_, i) => [i, 30] as [number, number]), { chunkSize: 8 })) seen.push(x);
    }, /bad item 30/);
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i * 2));
  });

  test("a map chunk's run time is the time it ran on the worker, not also the time it waited for a local worker", async () => {
    // Three chunks reach a worker at once and queue for its one local thread (waits of 0, 300 and 600 ms).
    // The producer sizes chunks by the reported time: counting the wait shrank them as the wait grew.
    const { pool } = await setup({ size: 1, concurrency: 3 });
    const out: number[] = [];
    for await (const x of pool.map('sleepSync', [300, 300, 300], { chunkSize: 1 })) out.push(x);
    assert.deepEqual(out, [300, 300, 300]);
    const { runTime } = pool.stats();
    assert.equal(runTime.count, 3);
    // Each chunk ran the same 300 ms; counting the waits made the last one report about three times the first.
    assert.ok(runTime.min >= 300_000 && runTime.max < 2 * runTime.min, `run times ${runTime.min}–${runTime.max} µs: each chunk's own 300 ms, without its wait`);
  });

  test("a call's run time is the time it ran on the worker, not also the time it waited for a local worker", async () => {
    // As for chunks: the producer sizes packs by it, and a wait counted in would make a cheap task look costly.
    const { pool } = await setup({ size: 1, concurrency: 3 });
    assert.deepEqual(await Promise.all([300, 300, 300].map((ms) => pool.run('sleepSync', ms))), [300, 300, 300]);
    const { runTime } = pool.stats();
    assert.equal(runTime.count, 3);
    assert.ok(runTime.min >= 300_000 && runTime.max < 2 * runTime.min, `run times ${runTime.min}–${runTime.max} µs: each call's own 300 ms, without its wait`);
  });

  test('cheap run() calls made together travel several to a job, each with its own result or error; costly ones go one per job', async () => {
    const { pool, queue } = await setup();
    const redis = new Redis(server.url);
    closers.push(() => redis.quit());
    const added = async () => (await redis.xrange(`bull:${queue}:events`, '-', '+')).filter(([, f]) => f[f.indexOf('event') + 1] === 'added').length;
    assert.equal(await pool.run('failOn', 0, -1), 0); // the pool hears the task's cost
    const before = await added();
    const settled = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => pool.run('failOn', i, 500)));
    settled.forEach((s, i) => (i === 500 ? assert.match(String((s as PromiseRejectedResult).reason?.message), /bad item 500/) : assert.deepEqual(s, { status: 'fulfilled', value: 2 * i })));
    const packs = (await added()) - before;
    assert.ok(packs >= 2 && packs <= 250, `1,000 cheap calls went in ${packs} jobs`);
    await pool.run('sleepSync', 30);
    const costly = await added();
    await Promise.all(Array.from({ length: 4 }, () => pool.run('sleepSync', 30)));
    assert.equal((await added()) - costly, 4, 'calls of 30 ms each go one per job');
    const single = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue, maxCallsPerJob: 1 });
    closers.push(() => single.terminate());
    await single.run('add', 1, 1);
    const alone = await added();
    await Promise.all(Array.from({ length: 20 }, (_, i) => single.run('add', i, 1)));
    assert.equal((await added()) - alone, 20, 'maxCallsPerJob: 1 sends one job per call');
  });

  test('terminate() and close({ cancelPending }) remove waiting packs; their calls reject', async () => {
    const { pool, queue } = await setup({ size: 1, concurrency: 1 });
    const redis = new Redis(server.url);
    closers.push(() => redis.quit());
    await pool.run('add', 0, 0);
    const blocker = pool.run('sleepSync', 400);
    await new Promise((r) => setTimeout(r, 100));
    const packed = Array.from({ length: 100 }, (_, i) => pool.run('add', i, 1).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok((await redis.zcard(`bull:${queue}:prioritized`)) < 100, 'the calls wait in packs');
    await pool.close({ cancelPending: true });
    for (const call of packed) assert.ok((await call) instanceof TaskAbortedError, 'cancelled, as by Python\'s cancel_futures');
    assert.equal(await blocker, 400, 'the running call finished');
    const other = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    await other.run('add', 0, 0);
    const blocking = other.run('sleepSync', 400).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const doomed = Array.from({ length: 100 }, (_, i) => other.run('add', i, 1).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 100));
    await other.terminate();
    for (const call of doomed) assert.ok((await call) instanceof PoolTerminatedError);
    assert.ok((await blocking) instanceof PoolTerminatedError);
    assert.equal(await redis.zcard(`bull:${queue}:prioritized`), 0, 'the waiting packs are gone');
  });

  test('two producers on one queue each get their own results', async () => {
    const { pool, queue } = await setup();
    const other = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    closers.push(() => other.terminate());
    const [a, b] = await Promise.all([
      Promise.all(Array.from({ length: 300 }, (_, i) => pool.run('add', i, 0))),
      Promise.all(Array.from({ length: 300 }, (_, i) => other.run('add', i, 1000))),
    ]);
    assert.deepEqual(a, Array.from({ length: 300 }, (_, i) => i));
    assert.deepEqual(b, Array.from({ length: 300 }, (_, i) => i + 1000));
    await other.close();
  });

  test('a caller-chosen jobId runs once for every caller waiting on it', async () => {
    const { pool, queue } = await setup({ size: 1, concurrency: 1 });
    const other = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    closers.push(() => other.terminate());
    const file = join(dir, 'jobid.txt');
    const first = pool.submit('mark', [file, 'once', 300], { jobId: 'order-17' });
    await new Promise((r) => setTimeout(r, 100));
    const again = pool.submit('mark', [file, 'once', 300], { jobId: 'order-17' });
    const elsewhere = other.submit('mark', [file, 'once', 300], { jobId: 'order-17' });
    assert.deepEqual(await Promise.all([first, again, elsewhere]), ['once', 'once', 'once']);
    assert.deepEqual(marks(file), ['once']);
    await other.close();
  });

  test('after 10,000 tasks the key count is back where it started; close() lets the process go', async () => {
    const { pool, queue } = await setup();
    const redis = new Redis(server.url);
    closers.push(() => redis.quit());
    const keysOf = async () => (await redis.keys(`bull:${queue}:*`)).filter((k) => !k.endsWith(':events')).sort();
    await pool.run('add', 0, 0);
    const before = await keysOf();
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run('add', i, round)));
    await new Promise((r) => setTimeout(r, 200));
    const afterRun = await keysOf();
    assert.ok(afterRun.length <= before.length + 2, `keys piled up: ${afterRun.filter((k) => !before.includes(k)).slice(0, 10).join(', ')}`);
    assert.equal(afterRun.filter((k) => /:\w+\.\d+(\.pack)?$/.test(k)).length, 0, 'no job hash is left');
    assert.equal(afterRun.filter((k) => k.includes(':weft:results:')).length, 0, 'no result list is left');
    await pool.close();
    await rejectsWith(pool.run('add', 1, 1), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
  });

  test('terminate() rejects outstanding calls with PoolTerminatedError and removes their waiting jobs', async () => {
    const { queue } = await setup({ size: 1, concurrency: 1 });
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: server.url, queue });
    const calls = Array.from({ length: 5 }, () => pool.submit('sleepSync', [200]));
    await new Promise((r) => setTimeout(r, 100));
    await pool.terminate();
    for (const call of calls) await rejectsWith(call, PoolTerminatedError, 'ERR_WEFT_POOL_TERMINATED');
    const redis = new Redis(server.url);
    closers.push(() => redis.quit());
    assert.ok((await redis.zcard(`bull:${queue}:prioritized`)) === 0, 'the waiting jobs are gone');
  });

  test('stats() reports counters, run times and the queue job counts', async () => {
    const { pool } = await setup();
    await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run('add', i, 1)));
    await pool.run('nope' as never).catch(() => {});
    const jobs = await pool.jobCounts();
    assert.equal(jobs.active, 0);
    assert.ok(jobs.at > 0);
    const stats = pool.stats();
    assert.equal(stats.backend, 'redis');
    assert.equal(stats.completed, 20);
    assert.equal(stats.failed, 1);
    assert.equal(stats.outstanding, 0);
    assert.ok(stats.runTime.count >= 21);
  });

  test('a worker whose module does not load or whose initializer throws refuses to start, with the named error', async () => {
    const broken = new RedisWorker(new URL('../fixtures/broken.ts', import.meta.url), { connection: server.url, queue: freshQueue('broken') });
    await rejectsWith(broken.ready, ModuleLoadError, 'ERR_WEFT_MODULE_LOAD', /failed at load time/);
    await broken.close();
    const failing = new RedisWorker(redisTasks, { connection: server.url, queue: freshQueue('init'), pool: { initializer: 'initFails' } });
    await rejectsWith(failing.ready, InitializerError, 'ERR_WEFT_INITIALIZER', /init broke/);
    await failing.close();
    assert.throws(() => new RedisWorker(redisTasks, { connection: server.url, queue: 'q', pool: { maxQueue: -1 } }), InvalidOptionError);
  });

  test('an unreachable Redis makes run reject within connectTimeout with RedisUnavailableError', async () => {
    const port = await freePort();
    const pool = new RedisPool<RedisTasks>(redisTasks, { connection: `redis://127.0.0.1:${port}`, queue: 'q', connectTimeout: 500 });
    const started = Date.now();
    await rejectsWith(pool.run('add', 1, 2), RedisUnavailableError, 'ERR_WEFT_REDIS_UNAVAILABLE', /not reachable/);
    assert.ok(Date.now() - started < 5000);
    await pool.close();
    const worker = new RedisWorker(redisTasks, { connection: `redis://127.0.0.1:${port}`, queue: 'q', connectTimeout: 300 });
    await rejectsWith(worker.ready, RedisUnavailableError, 'ERR_WEFT_REDIS_UNAVAILABLE');
    await worker.close();
  });
});
