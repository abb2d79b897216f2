// Queue and Pipe over process-shared memory (issue 13): with the native addon, their items go
// through a ring in shared memory; what it cannot hold at the moment (a burst larger than the
// ring, an item too large for it) goes through the queue's creator, in order. The behaviour
// tests of test/process/ipc.test.ts run on whichever path is available; these test what only
// the shared-memory path has, and the fallback without the addon.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Pipe, Process, ProcessPool, Queue, QueueShutDownError, ThreadPool } from '../../src/index.js';
import { InvalidSharedObjectError, SharedValue } from '../../src/shared/index.js';
import { loadAddon } from '../../src/shared/native.js';
import { rejectsWith } from '../helpers.js';

type Ring = typeof import('./fixtures/ring.js');
const ringUrl = new URL('./fixtures/ring.ts', import.meta.url);
const skip = loadAddon() ? false : 'the native addon is not built here (see scripts/build-native.mjs); the fallback test below still runs';

/** More numbers than one queue's ring holds at once (16 bytes each in a ring of about 256 KiB). */
const BURST = 50_000;
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Values structured clone carries that JSON does not, and items too large for the ring, among small ones. */
function assorted(): unknown[] {
  const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
  return [
    1, 'two', { three: [3] }, new Map<unknown, unknown>([[1, new Set([2n])]]), new Date(86_400_000), -0, NaN, undefined,
    big, { text: 'x'.repeat(300_000) }, new Float64Array([1.5, -2]), [null, true], 'last',
  ];
}

describe('Queue and Pipe through shared memory', { skip }, () => {
  const pool = new ProcessPool<Ring>(ringUrl, { size: 2 });
  after(() => pool.close());

  test('a Queue and both queues of a Pipe live in shared memory', () => {
    const q = new Queue();
    assert.equal(typeof q.ring?.name, 'string');
    const [a, b] = Pipe();
    assert.ok(a.inbox?.ring && a.outbox?.ring && b.inbox?.ring && b.outbox?.ring);
    assert.equal(a.inbox.ring.name === b.outbox?.ring?.name && a.inbox.ring.offset === b.outbox.ring.offset, true);
  });

  test('a posted copy whose memory is gone or does not match is a named error', () => {
    const q = new Queue();
    const copy = { path: q.path, id: q.id, maxsize: 0, ring: q.ring! };
    const bad = (ring: object): unknown => Queue.from({ ...copy, ring: { ...copy.ring, ...ring } });
    for (const ring of [{ name: '/weft-1-0-gone-0' }, { capacity: copy.ring.capacity + 8 }, { offset: copy.ring.size }, { offset: 3 }]) {
      assert.throws(() => bad(ring), (e: unknown) => e instanceof InvalidSharedObjectError && e.code === 'ERR_WEFT_INVALID_SHARED', JSON.stringify(ring));
    }
    assert.ok(Queue.from(copy).ring);
  });

  test('a child puts more than the ring holds and returns before anything is read: every item arrives, in order', async () => {
    const q = new Queue<number>();
    assert.equal(await pool.run('fill', q, 0, BURST), BURST);
    assert.equal(await q.qsize(), BURST);
    const got: number[] = [];
    for (let i = 0; i < BURST; i++) got.push(await q.get());
    assert.deepEqual(got, range(0, BURST));
    assert.equal(await q.qsize(), 0);
  });

  test('the creator puts more than the ring holds before a child reads: every item arrives, in order', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < BURST; i++) q.putNowait(i);
    assert.deepEqual(await pool.run('takeAll', q, BURST), range(0, BURST));
  });

  test('two children fill one queue past its ring at once: each one’s items arrive in its order', async () => {
    const q = new Queue<number>();
    const filled = [pool.run('fill', q, 0, BURST), pool.run('fill', q, 1_000_000, BURST)];
    const got: number[] = [];
    for (let i = 0; i < 2 * BURST; i++) got.push(await q.get());
    assert.deepEqual(await Promise.all(filled), [BURST, BURST]);
    assert.deepEqual(got.filter((v) => v < 1_000_000), range(0, BURST));
    assert.deepEqual(got.filter((v) => v >= 1_000_000), range(1_000_000, BURST));
  });

  test('items of any kind and size keep their order and arrive as structured clone delivers them, both ways', async () => {
    const toParent = new Queue();
    assert.equal(await pool.run('putAll', toParent, assorted()), assorted().length);
    const got: unknown[] = [];
    for (let i = 0; i < assorted().length; i++) got.push(await toParent.get());
    assert.deepEqual(got, assorted());
    const toChild = new Queue();
    for (const item of assorted()) toChild.putNowait(item);
    assert.deepEqual(await pool.run('takeAll', toChild, assorted().length), assorted());
    const [mine, theirs] = Pipe();
    const echoed = pool.run('sendThenRead', theirs, assorted());
    await theirs.close();
    for (const item of assorted()) assert.deepEqual(await mine.recv(), item);
    for (const item of assorted()) mine.send(item);
    await mine.close();
    assert.deepEqual(await echoed, assorted());
  });

  test('a bounded queue never holds more than maxsize, across processes', async () => {
    const q = new Queue<number>({ maxsize: 3 });
    const filled = pool.run('fill', q, 0, 200);
    const got: number[] = [];
    for (let i = 0; i < 200; i++) {
      assert.ok((await q.qsize()) <= 3);
      got.push(await q.get());
    }
    assert.equal(await filled, 200);
    assert.deepEqual(got, range(0, 200));
  });

  test('join() here waits for taskDone() in a child; shutdown({ immediate }) in a child drops the items here', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) await q.put(i);
    let joined = false;
    const join = q.join().then(() => (joined = true));
    assert.equal(await pool.run('takeAndMarkDone', q, 3), 3);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(joined, false); // two items are still held
    await pool.run('shutdownNow', q);
    await join; // the dropped items count as done
    assert.equal(await q.qsize(), 0);
    await rejectsWith(q.get(), QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
    await rejectsWith(q.put(9), QueueShutDownError, 'ERR_WEFT_QUEUE_SHUT_DOWN');
  });

  test('a child SIGKILLed holding both locks of the ring does not hang the others: puts and gets go on', async () => {
    const q = new Queue<string>();
    await q.put('before');
    const held = new SharedValue('int32');
    const child = new Process<Ring, 'holdRingLocks'>(ringUrl, 'holdRingLocks', [q, held]).start();
    while (held.get() === 0) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await assert.rejects(child.join());
    await q.put('after');
    assert.equal(await q.get(), 'before');
    assert.equal(await q.get(), 'after');
    assert.equal(await pool.run('fill', q as unknown as Queue<number>, 0, 1), 1);
    assert.equal(await q.get(), 0 as unknown as string);
  });

  test('a child that cannot map the memory (no addon there) still uses the queue and the pipe, through the creator', async () => {
    const bare = new ProcessPool<Ring>(ringUrl, { size: 1, env: { WEFT_NO_ADDON: '1' } });
    try {
      const q = new Queue<number>({ maxsize: 2 });
      const filled = bare.run('fill', q, 0, 100);
      const got: number[] = [];
      for (let i = 0; i < 100; i++) got.push(await q.get());
      assert.equal(await filled, 100);
      assert.deepEqual(got, range(0, 100));
      const back = new Queue();
      const taken = bare.run('takeAll', back, assorted().length);
      await pool.run('putAll', back, assorted()); // a child that maps the memory puts, the one that cannot takes
      assert.deepEqual(await taken, assorted());
      const [mine, theirs] = Pipe<string>();
      const echoed = bare.run('sendThenRead', theirs, ['a', 'b']);
      await theirs.close();
      assert.deepEqual([await mine.recv(), await mine.recv()], ['a', 'b']);
      mine.send('z');
      await mine.close();
      assert.deepEqual(await echoed, ['z']);
    } finally {
      await bare.close();
    }
  });

  test('worker threads share the ring too: producers on threads, overflow included', async () => {
    const q = new Queue<number>();
    const threads = new ThreadPool<Ring>(ringUrl, { size: 2 });
    try {
      const filled = [threads.run('fill', q, 0, BURST), threads.run('fill', q, 1_000_000, BURST)];
      assert.deepEqual(await Promise.all(filled), [BURST, BURST]);
      const got: number[] = [];
      for (let i = 0; i < 2 * BURST; i++) got.push(await q.get());
      assert.deepEqual(got.filter((v) => v < 1_000_000), range(0, BURST));
      assert.deepEqual(got.filter((v) => v >= 1_000_000), range(1_000_000, BURST));
    } finally {
      await threads.close();
    }
  });
});

describe('Queue and Pipe without the addon', () => {
  test('they go through the broker, between processes as before', () => {
    const script = `
      const { ProcessPool, Queue, Pipe } = await import('./src/index.ts');
      const pool = new ProcessPool(new URL('./test/process/fixtures/ring.ts', 'file://' + process.cwd() + '/'), { size: 1 });
      const q = new Queue();
      const filled = await pool.run('fill', q, 0, 3000);
      const got = [];
      for (let i = 0; i < 3000; i++) got.push(await q.get());
      const [mine, theirs] = Pipe();
      const echoed = pool.run('sendThenRead', theirs, ['a', new Map([[1, 2]])]);
      await theirs.close();
      const back = [await mine.recv(), await mine.recv()];
      mine.send('z');
      await mine.close();
      const read = await echoed;
      await pool.close();
      console.log(JSON.stringify({ ring: q.ring ?? null, filled, ordered: got.every((v, i) => v === i), back: [back[0], back[1] instanceof Map && back[1].get(1)], read }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url), env: { ...process.env, WEFT_NO_ADDON: '1' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1)!), { ring: null, filled: 3000, ordered: true, back: ['a', 2], read: ['z'] });
  });
});
