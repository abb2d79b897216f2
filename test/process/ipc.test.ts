import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DataCloneError } from '../../src/errors.js';
import { ProcessPool } from '../../src/backends/process.js';
import {
  Pipe, PipeBrokenError, PipeClosedError, PipeEOFError, Process, Queue, QueueClosedError, QueueEmptyTimeoutError, QueueFullTimeoutError, QueueShutDownError,
  type PipeEnd,
} from '../../src/index.js';
import { QueueEmptyError, QueueFullError, TimeoutError, CancelledError, InvalidArgumentError } from '../../src/errors.js';
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


describe('Queue: puts from another process do not wait for an answer', () => {
  test('every item a child put arrives, in order, even when its task returned first and nothing else keeps this process alive', () => {
    const script = `
      const { ProcessPool, Queue } = await import('./src/index.ts');
      const pool = new ProcessPool(new URL('./test/fixtures/process/ipc.ts', 'file://' + process.cwd() + '/'), { size: 1 });
      const q = new Queue();
      const produced = pool.run('produce', q, 0, 5000);
      const got = [];
      for (let i = 0; i < 5000; i++) got.push(await q.get());
      await produced;
      await pool.close();
      console.log(JSON.stringify({ count: got.length, ordered: got.every((v, i) => v === i) }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1)!), { count: 5000, ordered: true });
  });

  test('a put refused by the holder (the queue was closed) fails the next put of that handle', async () => {
    const q = new Queue<number>();
    await q.close();
    const result = await new Process<Ipc, 'putAfterClose'>(ipcUrl, 'putAfterClose', [q]).start().join();
    assert.equal(result, 'ERR_WEFT_QUEUE_CLOSED');
  });
});

describe('Queue: Python names for timeouts, and shutdown (3.13)', () => {
  test('a get or put timeout is a TimeoutError named for Empty/Full, here and in another process', async () => {
    const q = new Queue<number>({ maxsize: 1 });
    const got = await q.get({ timeout: 10 }).catch((e: unknown) => e);
    assert.ok(got instanceof QueueEmptyTimeoutError && got instanceof QueueEmptyError && got instanceof TimeoutError);
    assert.equal((got as TimeoutError).code, 'ERR_WEFT_TIMEOUT');
    assert.ok(!(got instanceof QueueFullError));
    await q.put(1);
    const put = await q.put(2, { timeout: 10 }).catch((e: unknown) => e);
    assert.ok(put instanceof QueueFullTimeoutError && put instanceof QueueFullError && put instanceof TimeoutError);
    assert.equal((put as TimeoutError).code, 'ERR_WEFT_TIMEOUT');
    assert.ok(new QueueFullError() instanceof QueueFullError && !(new QueueFullError() instanceof TimeoutError));
    const empty = new Queue<number>();
    const remote = await new Process<Ipc, 'queueErrors'>(ipcUrl, 'queueErrors', [empty]).start().join();
    assert.deepEqual(remote, { name: 'QueueEmptyTimeoutError', code: 'ERR_WEFT_TIMEOUT', empty: true, timeout: true });
  });

  test('shutdown(): puts fail, gets drain what is left, then fail; blocked getters elsewhere fail too', async () => {
    const q = new Queue<number>();
    const other = new Queue<number>();
    const waiter = new Process<Ipc, 'getUntilShutDown'>(ipcUrl, 'getUntilShutDown', [other]).start();
    await q.put(1);
    await q.put(2);
    await q.shutdown();
    await rejectsWith(q.put(3), QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
    assert.throws(() => q.putNowait(3), QueueShutDownError);
    assert.equal(await q.get(), 1);
    assert.equal(await q.get(), 2);
    await rejectsWith(q.get(), QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
    await new Promise((r) => setTimeout(r, 100)); // the child waits by now, most likely; if not, its get finds the queue shut down
    await other.shutdown();
    assert.equal(await waiter.join(), 'ERR_WEFT_QUEUE_SHUT_DOWN');
  });

  test('shutdown({ immediate }): the items are dropped, join() is released, waiting getters fail at once', async () => {
    const q = new Queue<number>();
    await q.put(1);
    await q.put(2);
    assert.equal(await q.get(), 1); // taken, not yet done: join waits for it
    let joined = false;
    const join = q.join().then(() => (joined = true));
    await q.shutdown({ immediate: true });
    assert.equal(await q.qsize(), 0);
    await rejectsWith(q.get(), QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
    await new Promise((r) => setImmediate(r));
    assert.equal(joined, false);
    await q.taskDone();
    await join;
    const waiting = new Queue<number>();
    const getter = waiting.get();
    await waiting.shutdown({ immediate: true });
    await rejectsWith(getter, QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
  });
});

describe('Pipe: copies, poll, broken pipes (Python parity)', () => {
  test("closing the parent's copy of the child's end right after start leaves the child's copy working (CPython test_spawn_close)", async () => {
    const [mine, theirs] = Pipe<string>();
    const p = new Process<Ipc, 'echoBack'>(ipcUrl, 'echoBack', [theirs]).start();
    await theirs.close();
    assert.ok(theirs.closed);
    mine.send('a');
    assert.equal(await mine.recv(), 'a');
    mine.send('b');
    assert.equal(await mine.recv(), 'b');
    await mine.close();
    assert.equal(await p.join(), 2);
  });

  test('closing our copy right after handing the end to a pool task (not yet sent) leaves the task its copy', async () => {
    const { ThreadPool } = await import('../../src/backends/thread.js');
    for (const pool of [new ProcessPool<Ipc>(ipcUrl, { size: 1 }), new ThreadPool<Ipc>(ipcUrl, { size: 1 })]) {
      try {
        const [mine, theirs] = Pipe<string>();
        const echoed = pool.run('echoBack', theirs);
        await theirs.close();
        mine.send('still here');
        assert.equal(await mine.recv(), 'still here');
        await mine.close();
        assert.equal(await echoed, 1);
        await assert.rejects(pool.run('echoBack', theirs), PipeClosedError); // a closed end cannot be handed on
      } finally {
        await pool.close();
      }
    }
  });

  test('an end held only by a thread or process that ended is closed: the other end reads end-of-file', async () => {
    const { Thread } = await import('../../src/index.js');
    for (const start of [
      (end: PipeEnd<string>) => new Process<Ipc, 'echoBack'>(ipcUrl, 'echoBack', [end]).start(),
      (end: PipeEnd<string>) => new Thread<Ipc, 'echoBack'>(ipcUrl, 'echoBack', [end]).start(),
    ]) {
      const [mine, theirs] = Pipe<string>();
      const runner = start(theirs);
      await theirs.close();
      mine.send('x');
      assert.equal(await mine.recv(), 'x');
      await mine.close(); // the runner's loop ends and it returns without closing its copy
      assert.equal(await runner.join(), 1);
    }
    // and the other way round: the runner ends while we still read
    const [mine, theirs] = Pipe<number>();
    const p = new Process<Ipc, 'sendUntilBroken'>(ipcUrl, 'sendUntilBroken', [theirs]).start();
    await theirs.close();
    assert.equal(await mine.recv(), 0);
    await mine.close();
    const broken = await p.join();
    assert.equal(broken.code, 'ERR_WEFT_PIPE_BROKEN');
    assert.equal(broken.name, 'PipeBrokenError');
    assert.equal(broken.nextThrows, 'PipeBrokenError');
  });

  test('send to an end closed everywhere throws PipeBrokenError where the pipe was made', async () => {
    const [a, b] = Pipe<number>();
    await b.close();
    assert.throws(() => a.send(1), (e: unknown) => e instanceof PipeBrokenError && e.code === 'ERR_WEFT_PIPE_BROKEN');
    await rejectsWith(a.recv(), PipeEOFError, 'ERR_WEFT_PIPE_EOF');
    const [r, w] = Pipe<number>({ duplex: false });
    w.send(1);
    await r.close();
    assert.throws(() => w.send(2), PipeBrokenError);
  });

  test('poll: false when nothing waits, true once a message or the end of the pipe is there, waits up to its timeout', async () => {
    const [a, b] = Pipe<string>();
    assert.equal(await a.poll(), false);
    assert.equal(await a.poll({ timeout: 20 }), false);
    b.send('hi');
    assert.equal(await a.poll(), true);
    assert.equal(await a.recv(), 'hi');
    const later = a.poll({ timeout: Infinity });
    setTimeout(() => b.send('later'), 20);
    assert.equal(await later, true);
    assert.equal(await a.recv(), 'later');
    const controller = new AbortController();
    const aborted = a.poll({ timeout: Infinity, signal: controller.signal });
    controller.abort();
    await rejectsWith(aborted, CancelledError, 'ERR_WEFT_ABORTED');
    await assert.rejects(a.poll({ timeout: -1 }), InvalidArgumentError);
    const p = new Process<Ipc, 'pollThenRecv'>(ipcUrl, 'pollThenRecv', [b]).start();
    await b.close();
    setTimeout(() => a.send('from afar'), 50);
    assert.deepEqual(await p.join(), [true, 'from afar']);
    await a.close();
    const [c, d] = Pipe<string>();
    await d.close();
    assert.equal(await c.poll(), true); // recv would not wait: it reports end-of-file
    await rejectsWith(c.recv(), PipeEOFError, 'ERR_WEFT_PIPE_EOF');
  });

  test('Symbol.dispose and Symbol.asyncDispose close the copy', async () => {
    const [a, b] = Pipe<number>();
    a[Symbol.dispose]();
    assert.ok(a.closed);
    await b[Symbol.asyncDispose]();
    assert.ok(b.closed);
    assert.throws(() => b.send(1), PipeClosedError);
  });
});
