/**
 * Streams and progress on RedisPool: the shared suite (test/suites/streams.ts) against
 * in-process RedisWorkers on a redis-server of this file's own, then what is Redis's own:
 * BullMQ sees a job's progress, streams work whatever model the worker runs, a stream whose
 * worker is lost is not run again, and a stream leaves no keys behind.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WorkerExitedError } from '../../src/index.js';
import { RedisPool, RedisWorker } from '../../src/redis/index.js';
import { rejectsWith } from '../helpers.js';
import { streamSuite, uncloneableYieldFails } from '../suites/streams.js';
import { exited, freshQueue, redisPoolMaker, redisTasks, startWorkerProcess, type RedisTasks } from './helpers.js';
import { RedisServer, skipRedis } from './server.js';

type Streams = typeof import('../fixtures/streams.js');
const streamsUrl = new URL('../fixtures/streams.ts', import.meta.url);

const server = skipRedis ? undefined : await RedisServer.start();
after(() => server?.stop());

if (server) streamSuite('RedisPool', redisPoolMaker(server.url), { isolated: true, remote: true });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('RedisPool streams and progress, on Redis', { skip: skipRedis }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-redis-streams-'));
  const closers: (() => Promise<unknown>)[] = [];
  const redis = new Redis(server?.url ?? 'redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null });

  /** A pool and an in-process worker running `module` with `model`, on a queue of their own. */
  async function setup<M>(module: URL, model: 'thread' | 'process' | 'async' = 'thread') {
    const queue = freshQueue('streams');
    const worker = new RedisWorker(module, { connection: server!.url, queue, size: 2, model });
    await worker.ready;
    const pool = new RedisPool<M>(module, { connection: server!.url, queue });
    closers.push(() => pool.terminate(), () => worker.close());
    return { pool, queue };
  }

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  test("BullMQ sees a job's progress while it runs, as the caller does", async () => {
    const { pool, queue } = await setup<RedisTasks>(redisTasks);
    const go = join(dir, 'go');
    const seen: unknown[] = [];
    const future = pool.submit('reportsThenWaits', [{ done: 3, total: 10 }, go], { jobId: 'with-progress', onProgress: (v) => seen.push(v) });
    const bull = new Queue(queue, { connection: redis });
    try {
      let progress: unknown;
      for (let i = 0; i < 1000 && progress === undefined; i++) {
        const job = await bull.getJob('with-progress');
        if (job && typeof job.progress === 'object') progress = job.progress;
        else await sleep(10);
      }
      assert.deepEqual(progress, { done: 3, total: 10 });
    } finally {
      await bull.close();
    }
    writeFileSync(go, '');
    assert.equal(await future, 'done');
    assert.deepEqual(seen, [{ done: 3, total: 10 }]);
  });

  for (const model of ['process', 'async'] as const) {
    test(`streams work the same on a worker of model '${model}': in order, with the return value; break runs the finally`, async () => {
      const { pool } = await setup<Streams>(streamsUrl, model);
      const it = pool.streamWith('count', [3000], { window: 16 });
      for (let i = 0; i < 3000; i++) assert.deepEqual(await it.next(), { value: i, done: false });
      assert.deepEqual(await it.next(), { value: 'counted', done: true });
      const mark = join(dir, `finally-${model}.txt`);
      for await (const v of pool.stream('endless', mark)) if (v === 100) break;
      assert.equal(readFileSync(mark, 'utf8'), 'finally');
    });
  }

  test('on a worker of model async (values not cloned on the way), a value Redis cannot carry fails the stream at its position', async () => {
    const { pool } = await setup<Streams>(streamsUrl, 'async');
    const error = await uncloneableYieldFails(pool);
    assert.match(error.message, /yieldsFunction/);
  });

  test('a stream whose worker is lost is not run again on another: it fails with WorkerExitedError after the values that came', async () => {
    const queue = freshQueue('lost');
    const options = ['--redis', server!.url, '--queue', queue, '--size', '1', '--concurrency', '1', '--lock-duration', '1000'];
    const lost = await startWorkerProcess([fileURLToPath(streamsUrl), ...options]);
    const pool = new RedisPool<Streams>(streamsUrl, { connection: server!.url, queue });
    closers.push(() => pool.terminate());
    try {
      const it = pool.streamWith('endless', [join(dir, 'lost.txt')], { window: 4 });
      assert.deepEqual(await it.next(), { value: 0, done: false });
      lost.child.kill('SIGKILL');
      await exited(lost.child);
      const survivor = new RedisWorker(streamsUrl, { connection: server!.url, queue, size: 1, lockDuration: 1000 });
      closers.push(() => survivor.close());
      await survivor.ready;
      const after: number[] = [];
      await rejectsWith(
        (async () => {
          for (let r = await it.next(); !r.done; r = await it.next()) after.push(r.value);
        })(),
        WorkerExitedError,
        'ERR_WEFT_WORKER_EXITED',
        /stream 'endless' .*was lost; a stream is never run twice/,
      );
      assert.deepEqual(after, after.map((_, i) => i + 1), 'the values that came before, in order, none twice');
    } finally {
      lost.child.kill('SIGKILL');
    }
  });

  test('a stream whose caller died mid-way is stopped on the worker (its finally runs) and frees its slot', async () => {
    const queue = freshQueue('orphan');
    const worker = new RedisWorker(streamsUrl, { connection: server!.url, queue, size: 1, concurrency: 1 });
    await worker.ready;
    closers.push(() => worker.close());
    const mark = join(dir, 'orphan.txt');
    const script = `const { RedisPool } = await import('./src/redis/index.ts');
      const pool = new RedisPool(new URL('./test/fixtures/streams.ts', 'file://' + process.cwd() + '/'), { connection: process.argv[1], queue: process.argv[2] });
      let n = 0;
      for await (const v of pool.streamWith('endless', [process.argv[3]], { window: 4 })) if (++n === 2) { console.log('reading'); await new Promise(() => setInterval(() => {}, 1000)); }`;
    const producer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, server!.url, queue, mark], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        producer.stdout!.on('data', (d: Buffer) => d.toString().includes('reading') && resolve());
        producer.once('exit', (code) => reject(new Error(`the producer exited with ${code}`)));
      });
      producer.kill('SIGKILL');
      const pool = new RedisPool<Streams>(streamsUrl, { connection: server!.url, queue });
      closers.push(() => pool.terminate());
      assert.equal(await pool.run('plain', 2), 3, 'the worker\'s one slot is free again');
      assert.equal(readFileSync(mark, 'utf8'), 'finally');
    } finally {
      producer.kill('SIGKILL');
    }
  });

  test('streams leave no key of weft behind in Redis: no per-stream key, and the result list goes once read', async () => {
    const { pool, queue } = await setup<Streams>(streamsUrl);
    assert.equal((await collect(pool.stream('count', 500))).length, 500);
    for await (const v of pool.stream('endless', join(dir, 'keys.txt'))) if (v === 10) break;
    await assert.rejects(collect(pool.stream('failsAt', 20)), RangeError);
    const seen: number[] = [];
    await collect(pool.streamWith('countWithProgress', [50], { onProgress: (v) => seen.push(v as number) }));
    assert.equal(seen.at(-1), 50);
    await redis.connect().catch(() => {});
    assert.deepEqual(await redis.keys(`bull:${queue}:weft:*`), []);
  });
});
