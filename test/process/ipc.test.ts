import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataCloneError } from '../../src/errors.js';
import { ProcessPool } from '../../src/backends/process.js';
import { Pipe, PipeClosedError, PipeEOFError, Process, Queue, QueueClosedError } from '../../src/index.js';
import { QueueEmptyError, QueueFullError, TimeoutError, CancelledError } from '../../src/errors.js';
import { rejectsWith } from '../helpers.js';

type Ipc = typeof import('../fixtures/process/ipc.js');
const ipcUrl = new URL('../fixtures/process/ipc.ts', import.meta.url);

describe('Queue across processes', () => {
  test('several producer processes and consumers: every item exactly once, in order per producer; join waits for taskDone', async () => {
    const q = new Queue<number>({ maxsize: 10 });
    const pool = new ProcessPool<Ipc>(ipcUrl, { size: 2 });
    try {
      const producers = [pool.run('produce', q, 0, 200), pool.run('produce', q, 1000, 200)];
      const consumer = new Process<Ipc, 'consume'>(ipcUrl, 'consume', [q, 250]).start();
      const local: number[] = [];
      for (let i = 0; i < 150; i++) {
        local.push(await q.get());
        await q.taskDone();
      }
      assert.deepEqual(await Promise.all(producers), [200, 200]);
      const remote = await consumer.join();
      await q.join();
      const all = [...local, ...remote];
      assert.deepEqual([...all].sort((a, b) => a - b), [...Array.from({ length: 200 }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => 1000 + i)]);
      for (const part of [local, remote]) {
        const a = part.filter((x) => x < 1000);
        const b = part.filter((x) => x >= 1000);
        assert.deepEqual(a, [...a].sort((x, y) => x - y));
        assert.deepEqual(b, [...b].sort((x, y) => x - y));
      }
    } finally {
      await pool.close();
    }
  });

  test('nowait, timeout, abort and close are named errors; nothing queued is lost', async () => {
    const q = new Queue<string>({ maxsize: 1 });
    await rejectsWith(Promise.resolve().then(() => q.getNowait()), QueueEmptyError, 'ERR_WEFT_QUEUE_EMPTY');
    q.putNowait('a');
    await rejectsWith(Promise.resolve().then(() => q.putNowait('b')), QueueFullError, 'ERR_WEFT_QUEUE_FULL');
    await rejectsWith(q.put('b', { timeout: 20 }), TimeoutError, 'ERR_WEFT_TIMEOUT');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(q.put('b', { signal: controller.signal }), CancelledError, 'ERR_WEFT_ABORTED');
    await rejectsWith(q.put({ f: () => 1 } as unknown as string), DataCloneError, 'ERR_WEFT_DATA_CLONE');
    await q.close();
    await rejectsWith(q.put('c'), QueueClosedError, 'ERR_WEFT_QUEUE_CLOSED');
    assert.equal(await q.get(), 'a');
    await rejectsWith(q.get(), QueueClosedError, 'ERR_WEFT_QUEUE_CLOSED');
  });
});

describe('Pipe', () => {
  test('an end passed to a Process talks both ways; async iteration ends when the other end closes', async () => {
    const [mine, theirs] = Pipe<string>();
    const p = new Process<Ipc, 'shout'>(ipcUrl, 'shout', [theirs]).start();
    mine.send('hello');
    assert.equal(await mine.recv(), 'HELLO');
    mine.send('world');
    assert.equal(await mine.recv(), 'WORLD');
    await mine.close();
    assert.equal(await p.join(), 'hello world');
  });

  test('one-way pipes, closed ends and uncloneable values are named errors', async () => {
    const [r, w] = Pipe<unknown>({ duplex: false });
    assert.throws(() => r.send(1), PipeClosedError);
    w.send(1);
    assert.throws(() => w.send(() => 1), DataCloneError);
    w.send(2);
    await w.close();
    assert.throws(() => w.send(3), PipeClosedError);
    assert.equal(await r.recv(), 1);
    assert.equal(await r.recv(), 2);
    await rejectsWith(r.recv(), PipeEOFError, 'ERR_WEFT_PIPE_EOF');
  });
});

describe('Queue and Pipe in worker threads', () => {
  test('a Queue passed to ThreadPool tasks arrives live: producers on threads, consumer here', async () => {
    const { ThreadPool } = await import('../../src/backends/thread.js');
    const q = new Queue<number>({ maxsize: 8 });
    const pool = new ThreadPool<Ipc>(ipcUrl, { size: 2 });
    try {
      const producers = [pool.run('produce', q, 0, 50), pool.run('produce', q, 1000, 50)];
      const got: number[] = [];
      for (let i = 0; i < 100; i++) got.push(await q.get());
      assert.deepEqual(await Promise.all(producers), [50, 50]);
      assert.deepEqual(got.sort((a, b) => a - b), [...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 1000 + i)]);
    } finally {
      await pool.close();
    }
  });

  test('a pipe end passed to a Thread talks both ways', async () => {
    const { Thread } = await import('../../src/index.js');
    const [mine, theirs] = Pipe<string>();
    const t = new Thread<Ipc, 'shout'>(ipcUrl, 'shout', [theirs]).start();
    mine.send('hello');
    assert.equal(await mine.recv(), 'HELLO');
    await mine.close();
    assert.equal(await t.join(), 'hello');
  });

  test('a Queue returned by a task arrives live, revived like an argument, from a pool and from a Thread', async () => {
    const { ThreadPool, Thread } = await import('../../src/index.js');
    const q = new Queue<number>();
    const pool = new ThreadPool<Ipc>(ipcUrl, { size: 1 });
    try {
      const back = await pool.run('echo', q);
      assert.ok(back instanceof Queue);
      await back.put(7);
      assert.equal(await q.get(), 7);
    } finally {
      await pool.close();
    }
    const t = new Thread<Ipc, 'echo'>(ipcUrl, 'echo', [q]).start();
    const fromThread = (await t.join()) as unknown;
    assert.ok(fromThread instanceof Queue);
  });
});

describe('a Queue made in a child process', () => {
  test('returned from a ProcessPool task, it arrives live and its items can be taken here', async () => {
    const pool = new ProcessPool<Ipc>(ipcUrl, { size: 1 });
    try {
      const q = await pool.run('makeQueue', 3);
      assert.ok(q instanceof Queue);
      assert.deepEqual([await q.get(), await q.get(), await q.get()], [0, 1, 2]);
    } finally {
      await pool.close();
    }
  });
});

describe('Queue snapshots, as Python has them', () => {
  test('qsize(), empty() and full() here and from a child process', async () => {
    const q = new Queue<number>({ maxsize: 2 });
    assert.equal(await q.empty(), true);
    assert.equal(await q.full(), false);
    await q.put(1);
    await q.put(2);
    assert.equal(await q.qsize(), 2);
    assert.equal(await q.full(), true);
    const pool = new ProcessPool<Ipc>(ipcUrl, { size: 1 });
    try {
      assert.deepEqual(await pool.run('snapshot', q), { qsize: 2, empty: false, full: true });
      await q.get();
      await q.get();
      assert.deepEqual(await pool.run('snapshot', q), { qsize: 0, empty: true, full: false });
    } finally {
      await pool.close();
    }
    const unbounded = new Queue<number>();
    await unbounded.put(1);
    assert.equal(await unbounded.full(), false);
  });
});

