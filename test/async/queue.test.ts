import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  InvalidArgumentError,
  InvalidStateError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TimeoutError,
} from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('a negative or NaN maxsize throws InvalidArgumentError; 0 means unbounded', () => {
  for (const maxsize of [-1, Number.NaN]) {
    assert.throws(() => new Queue({ maxsize }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_WEFT_INVALID_ARGUMENT');
  }
  const q = new Queue<number>();
  assert.equal(q.maxsize, Infinity);
  for (let i = 0; i < 1000; i++) q.putNowait(i);
  assert.equal(q.full(), false);
});

test('items come out in FIFO order', async () => {
  const q = new Queue<number>();
  for (const i of [3, 1, 2]) await q.put(i);
  assert.equal(q.size, 3);
  assert.deepEqual([await q.get(), await q.get(), q.getNowait()], [3, 1, 2]);
  assert.equal(q.empty(), true);
});

test('putNowait on a full queue throws QueueFullError; getNowait on an empty one QueueEmptyError', () => {
  const q = new Queue<number>({ maxsize: 1 });
  assert.throws(() => q.getNowait(), (e: unknown) => e instanceof QueueEmptyError && e.code === 'ERR_WEFT_QUEUE_EMPTY');
  q.putNowait(1);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(2), (e: unknown) => e instanceof QueueFullError && e.code === 'ERR_WEFT_QUEUE_FULL');
  assert.equal(q.size, 1);
});

test('put waits while the queue is full and resumes, FIFO, as items are taken (backpressure)', async () => {
  const q = new Queue<number>({ maxsize: 1 });
  await q.put(1);
  const p2 = track(q.put(2));
  const p3 = track(q.put(3));
  await tick();
  assert.equal(p2.state, 'pending');
  assert.equal(await q.get(), 1);
  await tick();
  assert.equal(p2.state, 'fulfilled');
  assert.equal(p3.state, 'pending');
  assert.equal(q.size, 1);
  assert.equal(await q.get(), 2);
  assert.equal(await q.get(), 3);
});

test('get waits for an item; waiting getters are served FIFO', async () => {
  const q = new Queue<string>();
  const a = q.get();
  const b = q.get();
  q.putNowait('x');
  q.putNowait('y');
  assert.deepEqual([await a, await b], ['x', 'y']);
});

test('a cancelled get takes no item: the item goes to the next getter', async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const a = q.get({ signal: ac.signal });
  const b = q.get();
  ac.abort('late');
  await assert.rejects(a, (e: unknown) => e instanceof CancelledError && e.cause === 'late');
  q.putNowait(7);
  assert.equal(await b, 7);
});

test('a timed-out get rejects with TimeoutError and a later item stays in the queue', async () => {
  const q = new Queue<number>();
  await assert.rejects(q.get({ timeout: 1 }), (e: unknown) => e instanceof TimeoutError);
  q.putNowait(1);
  assert.equal(q.size, 1);
});

test('put then cancel of the waiting getter in the same tick: the getter receives the item, none is lost', async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const a = q.get({ signal: ac.signal });
  q.putNowait(5);
  ac.abort();
  assert.equal(await a, 5);
  assert.equal(q.size, 0);
});

test('cancel then put in the same tick: the item stays in the queue', async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const a = track(q.get({ signal: ac.signal }));
  ac.abort();
  q.putNowait(5);
  await tick();
  assert.equal(a.state, 'rejected');
  assert.equal(q.getNowait(), 5);
});

test('a cancelled or timed-out put adds nothing', async () => {
  const q = new Queue<number>({ maxsize: 1 });
  q.putNowait(1);
  const ac = new AbortController();
  const p = q.put(2, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, CancelledError);
  await assert.rejects(q.put(3, { timeout: 1 }), TimeoutError);
  assert.equal(q.getNowait(), 1);
  assert.equal(q.empty(), true);
});

test('get then cancel of the waiting putter in the same tick: its item was already accepted', async () => {
  const q = new Queue<number>({ maxsize: 1 });
  q.putNowait(1);
  const ac = new AbortController();
  const p = q.put(2, { signal: ac.signal });
  assert.equal(q.getNowait(), 1);
  ac.abort();
  await p;
  assert.equal(q.getNowait(), 2);
});

test('join resolves once taskDone was called for every item put', async () => {
  const q = new Queue<number>();
  await q.join();
  q.putNowait(1);
  q.putNowait(2);
  const joined = track(q.join());
  q.getNowait();
  q.taskDone();
  await tick();
  assert.equal(joined.state, 'pending');
  q.getNowait();
  q.taskDone();
  await tick();
  assert.equal(joined.state, 'fulfilled');
});

test('taskDone more times than items were put throws InvalidStateError', () => {
  const q = new Queue<number>();
  assert.throws(() => q.taskDone(), (e: unknown) => e instanceof InvalidStateError && e.code === 'ERR_WEFT_INVALID_STATE');
});

test('join takes a timeout', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  await assert.rejects(q.join({ timeout: 1 }), TimeoutError);
});

test('after shutdown, put throws QueueShutDownError and get drains the rest, then throws', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  q.shutdown();
  assert.equal(q.isShutdown, true);
  await assert.rejects(q.put(2), (e: unknown) => e instanceof QueueShutDownError && e.code === 'ERR_WEFT_QUEUE_SHUT_DOWN');
  assert.throws(() => q.putNowait(2), QueueShutDownError);
  assert.equal(await q.get(), 1);
  await assert.rejects(q.get(), QueueShutDownError);
  assert.throws(() => q.getNowait(), QueueShutDownError);
});

test('shutdown wakes blocked getters and putters with QueueShutDownError', async () => {
  const empty = new Queue<number>();
  const getter = empty.get();
  const full = new Queue<number>({ maxsize: 1 });
  full.putNowait(1);
  const putter = full.put(2);
  empty.shutdown();
  full.shutdown();
  await assert.rejects(getter, QueueShutDownError);
  await assert.rejects(putter, QueueShutDownError);
  assert.equal(full.getNowait(), 1);
});

test('shutdown(true) drops the items, counts them done for join, and get throws at once', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  q.putNowait(2);
  const joined = q.join();
  q.shutdown(true);
  await joined;
  assert.equal(q.size, 0);
  await assert.rejects(q.get(), QueueShutDownError);
});

test('async iteration yields items until the queue is shut down and empty', async () => {
  const q = new Queue<number>();
  const seen: number[] = [];
  const consumer = (async () => {
    for await (const x of q) seen.push(x);
  })();
  for (const i of [1, 2, 3]) await q.put(i);
  q.shutdown();
  await consumer;
  assert.deepEqual(seen, [1, 2, 3]);
});

test('PriorityQueue hands out the smallest item first; equal items keep their put order', async () => {
  const q = new PriorityQueue<[number, string]>({ compare: (a, b) => a[0] - b[0] });
  for (const item of [[3, 'c'], [1, 'a'], [2, 'b1'], [2, 'b2'], [0, 'z'], [2, 'b3']] as [number, string][]) q.putNowait(item);
  const out: string[] = [];
  while (!q.empty()) out.push((await q.get())[1]);
  assert.deepEqual(out, ['z', 'a', 'b1', 'b2', 'b3', 'c']);
});

test('PriorityQueue compares numbers by default and respects maxsize', async () => {
  const q = new PriorityQueue<number>({ maxsize: 2 });
  q.putNowait(5);
  q.putNowait(1);
  const blocked = track(q.put(3));
  assert.equal(q.getNowait(), 1);
  await tick();
  assert.equal(blocked.state, 'fulfilled');
  assert.deepEqual([q.getNowait(), q.getNowait()], [3, 5]);
  const many = Array.from({ length: 200 }, (_, i) => (i * 7919) % 200);
  const big = new PriorityQueue<number>();
  for (const x of many) big.putNowait(x);
  const sorted: number[] = [];
  while (!big.empty()) sorted.push(big.getNowait());
  assert.deepEqual(sorted, [...many].sort((a, b) => a - b));
});

test('LifoQueue hands out the newest item first', () => {
  const q = new LifoQueue<number>();
  for (const i of [1, 2, 3]) q.putNowait(i);
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [3, 2, 1]);
});

test('a bounded queue with many producers and consumers loses and duplicates nothing', async () => {
  const q = new Queue<number>({ maxsize: 3 });
  const got: number[] = [];
  const producers = Array.from({ length: 5 }, (_, p) => (async () => { for (let i = 0; i < 100; i++) await q.put(p * 100 + i); })());
  const consumers = Array.from({ length: 4 }, (_, c) =>
    (async () => {
      for (;;) {
        try {
          // Some consumers time out now and then: that must not lose items.
          got.push(await q.get(c === 0 ? { timeout: 0 } : {}));
          q.taskDone();
        } catch (e) {
          if (e instanceof QueueShutDownError) return;
          if (!(e instanceof TimeoutError)) throw e;
        }
      }
    })(),
  );
  await Promise.all(producers);
  await q.join();
  q.shutdown();
  await Promise.all(consumers);
  assert.deepEqual(got.sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i));
});
