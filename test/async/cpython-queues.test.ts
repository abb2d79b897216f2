// Behaviours of CPython's Lib/test/test_asyncio/test_queues.py, ported to weft/async.
// Each test is named after the CPython test it ports (and, for the join and shutdown mixins,
// after the queue class it runs on). Python task cancellation maps to aborting the AbortSignal
// passed to the waiting call; `asyncio.sleep(0)` maps to `tick()`. Where weft deliberately
// differs from asyncio (an item handed to a getter before its signal fired is delivered), the
// test name says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  InvalidStateError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueFullError,
  QueueShutDownError,
} from '../../src/async/index.js';
import { settle, tick, track } from './helpers.js';

const isShutDown = (e: unknown): boolean => e instanceof QueueShutDownError;

type Kind = [name: string, make: (maxsize?: number) => Queue<string | number>];
const QUEUE: Kind = ['Queue', (maxsize) => new Queue({ maxsize })];
const LIFO: Kind = ['LifoQueue', (maxsize) => new LifoQueue({ maxsize })];
const PRIORITY: Kind = ['PriorityQueue', (maxsize) => new PriorityQueue({ maxsize })];

// ---------------------------------------------------------------------------------------------
// QueueBasicTests
// ---------------------------------------------------------------------------------------------

test('Queue: test_empty — empty() is true for a new queue, false once an item is put, true again once it is taken', async () => {
  const q = new Queue<number>();
  assert.equal(q.empty(), true);
  await q.put(1);
  assert.equal(q.empty(), false);
  assert.equal(await q.get(), 1);
  assert.equal(q.empty(), true);
});

test('Queue: test_maxsize — a producer blocks after maxsize items and resumes as each item is taken', async () => {
  const q = new Queue<number>({ maxsize: 2 });
  assert.equal(q.maxsize, 2);
  const havePut: number[] = [];
  const putter = track(
    (async () => {
      for (let i = 0; i < 3; i++) {
        await q.put(i);
        havePut.push(i);
      }
      return true;
    })(),
  );
  await tick();
  assert.deepEqual(havePut, [0, 1], 'blocked after two items');
  assert.equal(await q.get(), 0);

  await tick();
  assert.deepEqual(havePut, [0, 1, 2]);
  assert.equal(await q.get(), 1);
  assert.equal(await q.get(), 2);
  assert.equal(putter.state, 'fulfilled');
  assert.equal(putter.value, true);
});

// ---------------------------------------------------------------------------------------------
// QueueGetTests
// ---------------------------------------------------------------------------------------------

test('Queue: test_get_cancel_drop_one_pending_reader — items put while a reader is being cancelled are not dropped: the reader (or its retry) gets the first', async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const reader = q.get({ signal: ac.signal });
  await tick();

  q.putNowait(1);
  q.putNowait(2);
  ac.abort();

  let result: number;
  try {
    result = await reader;
  } catch (e) {
    assert.ok(e instanceof CancelledError);
    result = await q.get(); // try again
  }
  assert.equal(result, 1, 'getting 2 would mean 1 was dropped');
  assert.equal(q.size, 1);
  assert.equal(q.getNowait(), 2);
});

test('Queue: test_get_cancel_drop_many_pending_readers — with three readers, two items and one reader cancelled, each item reaches exactly one reader (weft: the cancelled reader was already handed its item)', async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const readers = [track(q.get({ signal: ac.signal })), track(q.get()), track(q.get())];
  await tick();

  q.putNowait(1);
  q.putNowait(2);
  ac.abort();
  await tick();

  const delivered = readers.filter((r) => r.state === 'fulfilled').map((r) => r.value);
  assert.deepEqual(delivered.sort(), [1, 2], 'no item lost, none duplicated');
  assert.equal(readers.filter((r) => r.state === 'pending').length, 1);
  assert.equal(readers[0]!.value, 1, 'handed over before the abort: delivered');
  assert.equal(q.empty(), true);

  q.shutdown(); // release the reader still waiting
  await tick();
  assert.ok(isShutDown(readers[2]!.error));
});

// ---------------------------------------------------------------------------------------------
// QueuePutTests
// ---------------------------------------------------------------------------------------------

test('Queue: test_float_maxsize — a fractional maxsize admits items while the size is below it (1.3 holds two)', async () => {
  const q = new Queue<number>({ maxsize: 1.3 });
  q.putNowait(1);
  q.putNowait(2);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(3), QueueFullError);

  const q2 = new Queue<number>({ maxsize: 1.3 });
  assert.equal((await settle(q2.put(1))).state, 'fulfilled');
  assert.equal((await settle(q2.put(2))).state, 'fulfilled', 'the second put does not block');
  assert.equal(q2.full(), true);
});

test('Queue: test_put_cancelled_race — a cancelled putter behind a live one adds nothing and does not disturb it', async () => {
  const q = new Queue<string>({ maxsize: 1 });
  const ac = new AbortController();
  const putA = track(q.put('a'));
  const putB = track(q.put('b'));
  const putC = track(q.put('X', { signal: ac.signal }));
  await tick();
  assert.equal(putA.state, 'fulfilled');
  assert.equal(putB.state, 'pending');

  ac.abort();
  await tick();
  assert.equal(putC.state, 'rejected');
  assert.ok(putC.error instanceof CancelledError);
  assert.equal(q.getNowait(), 'a');
  await tick();
  assert.equal(q.getNowait(), 'b');
  assert.equal(putB.state, 'fulfilled');
  assert.equal(q.empty(), true, 'the cancelled item X never entered');
});

test('Queue: test_why_are_putters_waiting — getNowait() on a full queue lets the blocked putters in: none stays waiting', async () => {
  const q = new Queue<number>({ maxsize: 2 });
  const getter = (async () => {
    await tick();
    const n = q.size;
    for (let i = 0; i < n; i++) q.getNowait();
  })();
  const putters = [0, 1, 2, 3].map((i) => q.put(i));
  const all = await settle(Promise.all([getter, ...putters]));
  assert.equal(all.state, 'fulfilled');
  assert.equal(q.size, 2);
  assert.deepEqual([q.getNowait(), q.getNowait()], [2, 3]);
});

// ---------------------------------------------------------------------------------------------
// QueueJoinTests / LifoQueueJoinTests / PriorityQueueJoinTests (Queue's are covered in queue.test.ts)
// ---------------------------------------------------------------------------------------------

for (const [name, make] of [LIFO, PRIORITY]) {
  test(`${name}: test_task_done_underflow — taskDone() with no item taken throws InvalidStateError`, () => {
    const q = make();
    assert.throws(() => q.taskDone(), InvalidStateError);
  });

  test(`${name}: test_task_done — two workers calling taskDone() after each item let join() resolve once all 100 are processed`, async () => {
    const q = make();
    for (let i = 0; i < 100; i++) q.putNowait(i);
    let sum = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const item = (await q.get()) as number; // not `sum += await`: that reads sum before waiting
        sum += item;
        q.taskDone();
      }
    };
    const workers = [worker(), worker()];
    const joined = await settle(q.join(), 200);
    assert.equal(joined.state, 'fulfilled');
    assert.equal(sum, 4950);

    running = false; // stop the workers
    for (let i = 0; i < workers.length; i++) q.putNowait(0);
    assert.equal((await settle(Promise.all(workers))).state, 'fulfilled');
  });

  test(`${name}: test_join_empty_queue — join() on a queue that never held an item resolves, twice`, async () => {
    const q = make();
    assert.equal((await settle(q.join())).state, 'fulfilled');
    assert.equal((await settle(q.join())).state, 'fulfilled');
  });
}

// ---------------------------------------------------------------------------------------------
// QueueShutdownTests / LifoQueueShutdownTests / PriorityQueueShutdownTests
// ---------------------------------------------------------------------------------------------

/** After a shutdown that left the queue empty, every put and get throws QueueShutDownError. */
async function assertAllShutDown(q: Queue<string | number>): Promise<void> {
  await assert.rejects(q.put('data'), QueueShutDownError);
  assert.throws(() => q.putNowait('data'), QueueShutDownError);
  await assert.rejects(q.get(), QueueShutDownError);
  assert.throws(() => q.getNowait(), QueueShutDownError);
}

for (const [name, make] of [QUEUE, LIFO, PRIORITY]) {
  test(`${name}: test_shutdown_empty — shutdown() of an empty queue wakes a pending get with QueueShutDownError, and join() resolves`, async () => {
    const q = make();
    const getter = track(q.get());
    await tick(); // the get is pending before the shutdown

    q.shutdown(false);
    assert.equal(q.size, 0);
    assert.equal((await settle(q.join())).state, 'fulfilled');

    await tick();
    assert.equal(getter.state, 'rejected');
    assert.ok(isShutDown(getter.error));
    await assertAllShutDown(q);
  });

  test(`${name}: test_shutdown_nonempty — shutdown() rejects a blocked put, keeps the item for get, and join() waits for its taskDone()`, async () => {
    const q = make(1);
    q.putNowait('data');
    const joiner = track(q.join());
    const putter = track(q.put('data2'));
    await tick();
    assert.equal(putter.state, 'pending');

    q.shutdown(false);
    assert.equal(q.size, 1);
    await tick();
    assert.equal(putter.state, 'rejected');
    assert.ok(isShutDown(putter.error));

    assert.equal(await q.get(), 'data');
    await tick();
    assert.equal(joiner.state, 'pending', 'the item taken is not yet marked done');
    await assertAllShutDown(q);

    q.taskDone();
    await tick();
    assert.equal(joiner.state, 'fulfilled');
    assert.throws(() => q.taskDone(), InvalidStateError, 'the rejected put was never counted');
  });

  test(`${name}: test_shutdown_immediate — shutdown(true) drops the items, counts them done so join() resolves, and leaves nothing to taskDone()`, async () => {
    const q = make();
    q.putNowait('data');
    const joiner = track(q.join());

    q.shutdown(true);
    assert.equal(q.size, 0);
    await tick();
    assert.equal(joiner.state, 'fulfilled');
    await assertAllShutDown(q);
    assert.throws(() => q.taskDone(), InvalidStateError);
  });

  test(`${name}: test_shutdown_immediate_with_unfinished — shutdown(true) counts only the dropped items done: join() still waits for the item taken`, async () => {
    const q = make();
    q.putNowait('data');
    q.putNowait('data');
    const joiner = track(q.join());
    assert.equal(await q.get(), 'data');

    q.shutdown(true);
    assert.equal(q.size, 0);
    await tick();
    assert.equal(joiner.state, 'pending');
    await assertAllShutDown(q);

    q.taskDone();
    assert.throws(() => q.taskDone(), InvalidStateError, 'exactly one task was unfinished');
    await tick();
    assert.equal(joiner.state, 'fulfilled');
  });
}
