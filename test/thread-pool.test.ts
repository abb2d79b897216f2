import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ResourceLimitError, ThreadPool, WorkerExitedError } from '../src/index.js';
import { backendSuite, tasksUrl, type Tasks } from './suites/backend.js';
import { semanticsSuite } from './suites/semantics.js';
import { finalizerSuite } from './suites/finalizer.js';
import { streamSuite } from './suites/streams.js';
import { eventually, rejectsWith } from './helpers.js';

backendSuite('ThreadPool', (module, options) => new ThreadPool(module, options), { isolated: true });
semanticsSuite('ThreadPool', (module, options) => new ThreadPool(module, options), { isolated: true });
finalizerSuite('ThreadPool', (module, options) => new ThreadPool(module, options), { isolated: true });
streamSuite('ThreadPool', (module, options) => new ThreadPool(module, options), { isolated: true });

describe('ThreadPool: lone calls', () => {
  test('more lone calls and results in flight than their header rings hold all settle with their own values', { timeout: 30_000 }, async () => {
    // Calls made one per turn travel lone, their headers in a 64-entry ring each way; the main
    // thread then blocks while the worker finishes them one by one, so results pile up too.
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 1, concurrentTasksPerWorker: 500 });
    try {
      await pool.run('soon', 0);
      const calls: Promise<number>[] = [];
      for (let i = 0; i < 300; i++) {
        calls.push(pool.run('soon', i));
        await new Promise((r) => setImmediate(r));
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      assert.deepEqual(await Promise.all(calls), Array.from({ length: 300 }, (_, i) => i));
    } finally {
      await pool.close();
    }
  });
});

describe('ThreadPool: crashes stay inside their worker', () => {
  test('running out of resourceLimits memory is a ResourceLimitError; the pool recovers', async () => {
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 1, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    try {
      await rejectsWith(pool.run('allocate'), ResourceLimitError, 'ERR_WEFT_RESOURCE_LIMIT');
      assert.equal(await pool.run('add', 2, 3), 5);
    } finally {
      await pool.close();
    }
  });

  test('with retries, a task whose worker died is re-run', async () => {
    const pool = new ThreadPool<typeof import('./fixtures/flaky.js')>(new URL('./fixtures/flaky.ts', import.meta.url), { size: 1, retries: 2 });
    try {
      const counter = new Int32Array(new SharedArrayBuffer(4));
      assert.equal(await pool.run('exitsThenSucceeds', counter, 2), 'ok');
      assert.equal(counter[0], 3);
      const again = new Int32Array(new SharedArrayBuffer(4));
      await rejectsWith(pool.run('exitsThenSucceeds', again, 5), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED');
      assert.equal(again[0], 3);
    } finally {
      await pool.close();
    }
  });
});

describe('ThreadPool: workers', () => {
  test('maxTasksPerWorker recycles workers', async () => {
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 1, maxTasksPerWorker: 2 });
    try {
      const ids = new Set<number>();
      for (let i = 0; i < 8; i++) ids.add(await pool.run('whoami'));
      assert.ok(ids.size >= 4, `saw ${ids.size} workers`);
    } finally {
      await pool.close();
    }
  });

  test('minSize/maxSize grows under load and idle workers above minSize stop after idleTimeout', async () => {
    const pool = new ThreadPool<Tasks>(tasksUrl, { minSize: 0, maxSize: 2, idleTimeout: 50 });
    try {
      assert.equal(pool.size, 0);
      const ids = await Promise.all(Array.from({ length: 4 }, () => pool.submit('sleepSync', [100], { timeout: 5000 }).then(() => 0)));
      assert.equal(ids.length, 4);
      assert.ok(pool.stats().workers <= 2);
      await eventually(() => pool.size === 0, 'idle workers stopped');
    } finally {
      await pool.close();
    }
  });

  test('transfer moves an ArrayBuffer instead of copying it', async () => {
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 1 });
    try {
      const buf = new ArrayBuffer(1024);
      assert.equal(await pool.submit('byteLength', [buf], { transfer: [buf] }), 1024);
      assert.equal(buf.byteLength, 0);
    } finally {
      await pool.close();
    }
  });

  test('workerData, env and argv reach the workers', async () => {
    const pool = new ThreadPool<Tasks>(new URL('./fixtures/context.ts', import.meta.url), {
      size: 1, workerData: { hello: 'world' }, env: { WEFT_TEST: 'yes' }, argv: ['--flag'],
    });
    try {
      assert.deepEqual(await (pool as unknown as ThreadPool).run('context'), { workerData: { hello: 'world' }, env: 'yes', argv: '--flag' });
    } finally {
      await pool.close();
    }
  });

  test('after close and terminate the process exits by itself (no leaked handles), from dist without tsx, under flags workers reject', () => {
    const script = `
      import { ThreadPool } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const a = new ThreadPool(${JSON.stringify(fileURLToPath(new URL('./fixtures/tasks.mjs', import.meta.url)))}, { size: 2 });
      const b = new ThreadPool(new URL(${JSON.stringify(new URL('./fixtures/tasks.mjs', import.meta.url).href)}), { minSize: 1, maxSize: 2 });
      console.log(await a.run('fib', 20), await b.run('echo', 'x'));
      const slow = b.submit('fib', [45], { timeout: 60000 });
      await a.close();
      await b.terminate();
      await slow.catch((e) => console.log(e.code));
    `;
    // --input-type and --expose-gc are the parent's alone: a worker given either fails to start.
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '6765 x\nERR_WEFT_POOL_TERMINATED\n');
  });

  test('an idle pool that was never closed does not keep the process alive', () => {
    const script = `
      import { ThreadPool } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const pool = new ThreadPool(${JSON.stringify(fileURLToPath(new URL('./fixtures/tasks.mjs', import.meta.url)))}, { size: 2 });
      console.log(await pool.run('echo', 'done'));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, 'done\n');
  });
});

describe('ThreadPool: shared memory crosses as arguments', () => {
  test('a weft Lock passed to tasks arrives as a Lock over the same memory and keeps a counter exact', async () => {
    const { Lock } = await import('../src/shared/index.js');
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 2 });
    try {
      const lock = new Lock();
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const revived = await Promise.all([
        pool.submit('lockedIncrement', [lock, counter, 20_000], { timeout: 30_000 }),
        pool.submit('lockedIncrement', [lock, counter, 20_000], { timeout: 30_000 }),
      ]);
      assert.deepEqual(revived, [true, true]);
      assert.equal(counter[0], 40_000);
      const back = await pool.run('giveBack', lock);
      assert.ok(back instanceof Lock);
    } finally {
      await pool.close();
    }
  });

  test('four tasks of a fresh ThreadPool({ size: 4 }) meet at a Barrier(4): none waits behind another', async () => {
    const { Barrier } = await import('../src/shared/index.js');
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 4 });
    try {
      const barrier = new Barrier(4);
      const arrivals = await Promise.all(Array.from({ length: 4 }, () => pool.run('meet', barrier)));
      assert.deepEqual([...arrivals].sort(), [0, 1, 2, 3]);
    } finally {
      await pool.close();
    }
  });

  test('two tasks and the main thread meet at a Barrier(3)', async () => {
    const { Barrier } = await import('../src/shared/index.js');
    const pool = new ThreadPool<Tasks>(tasksUrl, { size: 2 });
    try {
      const barrier = new Barrier(3);
      const tasks = [pool.run('meet', barrier), pool.run('meet', barrier)];
      const mine = await barrier.wait({ timeout: 10_000 });
      assert.deepEqual([mine, ...(await Promise.all(tasks))].sort(), [0, 1, 2]);
    } finally {
      await pool.close();
    }
  });
});

describe('ThreadPool: map memory', () => {
  test('map lets go of a result once it has yielded it, while the rest of its chunk is buffered', () => {
    const script = fileURLToPath(new URL('./fixtures/map-release.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'released');
  });
});

