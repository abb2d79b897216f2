import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Semaphore, BoundedSemaphore, Condition, Event, Barrier, Lock, RLock,
  TooManyReleasesError, InvalidArgumentError, NotOwnerError, BrokenBarrierError,
} from '../../src/shared/index.js';
import { runScenario, spawn, nextMessage } from './fixtures/spawn.js';

test('a Semaphore hands out its units, then waits until one is released', async () => {
  const sem = new Semaphore(2);
  assert.equal(sem.tryAcquire(), true);
  assert.equal(await sem.acquire(), true);
  assert.equal(sem.value, 0);
  assert.equal(await sem.acquire({ timeout: 10 }), false);
  const waiting = sem.acquire({ timeout: 5000 });
  setTimeout(() => sem.release(), 5);
  assert.equal(await waiting, true);
  sem.release(2);
  assert.equal(sem.value, 2);
});

test('a Semaphore refuses negative or fractional counts', () => {
  assert.throws(() => new Semaphore(-1), InvalidArgumentError);
  assert.throws(() => new Semaphore(1.5), InvalidArgumentError);
  assert.throws(() => new Semaphore(1).release(0), InvalidArgumentError);
});

test('a BoundedSemaphore refuses to be released above its initial value', () => {
  const sem = new BoundedSemaphore(1);
  assert.throws(() => sem.release(), (e: unknown) => e instanceof TooManyReleasesError && e.code === 'ERR_WEFT_TOO_MANY_RELEASES');
  sem.acquireSync();
  sem.release();
  assert.equal(sem.value, 1);
  const copy = BoundedSemaphore.from(structuredClone({ ...sem }));
  assert.throws(() => copy.release(), TooManyReleasesError, 'the bound lives in shared memory');
});

test('a Semaphore of 2 lets at most 2 of 4 workers in at once', async () => {
  const sem = new Semaphore(2);
  const active = new Int32Array(new SharedArrayBuffer(8));
  await Promise.all([1, 2, 3, 4].map(() => runScenario('semaphoreMax', { sem, active, n: 2000 })));
  assert.ok(active[1]! <= 2 && active[1]! >= 1, `max concurrent ${active[1]}`);
  assert.equal(sem.value, 2);
});

test('an Event wakes a waiting worker and every later waiter until cleared', async () => {
  const event = new Event();
  assert.equal(await event.wait({ timeout: 5 }), false);
  const w = spawn('scenarios', { scenario: 'eventWait', event });
  try {
    setTimeout(() => event.set(), 20);
    assert.equal(await nextMessage(w), true);
  } finally {
    await w.terminate();
  }
  assert.equal(await event.wait(), true);
  event.clear();
  assert.equal(event.isSet(), false);
});

test('a waiter woken by set() returns true even when clear() follows at once (CPython issue 13502)', async () => {
  const event = new Event();
  const here = event.wait({ timeout: 2000 });
  event.set();
  event.clear();
  assert.equal(await here, true);
  const w = spawn('scenarios', { scenario: 'eventWaitAfterReply', event });
  try {
    assert.equal(await nextMessage(w), 'waiting');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is blocked in waitSync by now
    event.set();
    event.clear();
    assert.equal(await nextMessage(w), true);
  } finally {
    await w.terminate();
  }
  assert.equal(event.isSet(), false);
});

test('RLock.tryAcquire takes or re-enters without waiting, counts levels, and fails for another thread while held', async () => {
  const lock = new RLock();
  assert.equal(lock.recursionCount, 0);
  assert.equal(lock.tryAcquire(), true);
  assert.equal(lock.tryAcquire(), true);
  assert.equal(lock.recursionCount, 2);
  assert.equal(await runScenario('rlockTry', { lock }), false);
  lock.release();
  assert.equal(lock.recursionCount, 1);
  lock.release();
  assert.equal(lock.recursionCount, 0);
  assert.equal(await runScenario('rlockTry', { lock }), true);
  const cond = new Condition(lock);
  assert.equal(cond.tryAcquire(), true);
  assert.equal(lock.recursionCount, 1);
  cond.release();
  const plain = new Condition(new Lock());
  assert.equal(plain.tryAcquire(), true);
  assert.equal(plain.tryAcquire(), false);
  plain.release();
});

test("a Barrier's default timeout applies in every thread it was revived in", async () => {
  const barrier = new Barrier(2, { timeout: 100 });
  assert.equal(await runScenario('barrierWaitOnce', { barrier }), 'ERR_WEFT_BROKEN_BARRIER');
  assert.equal(barrier.broken, true);
});

test('Condition.wait and notify need the lock held', async () => {
  const cond = new Condition(new Lock());
  assert.throws(() => cond.notify(), NotOwnerError);
  await assert.rejects(cond.wait({ timeout: 1 }), NotOwnerError);
});

test('Condition.wait times out with the lock held again', async () => {
  for (const cond of [new Condition(new Lock()), new Condition()]) {
    await cond.acquire();
    assert.equal(await cond.wait({ timeout: 10 }), false);
    assert.equal(cond.lock._isOwned(), true);
    cond.release();
  }
});

test('an aborted Condition.wait re-takes its RLock with the same depth before rejecting', async () => {
  const cond = new Condition(new RLock());
  await cond.acquire();
  await cond.acquire();
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('cancelled')), 5);
  await assert.rejects(cond.wait({ signal: ac.signal }), /cancelled/);
  const lock = cond.lock as RLock;
  assert.equal(lock.isOwned, true);
  lock.release();
  lock.release();
  assert.equal(lock.locked, false);
});

test('a worker in Condition.waitFor wakes on notify and sees the produced value', async () => {
  const cond = new Condition();
  const box = new Int32Array(new SharedArrayBuffer(4));
  const w = spawn('scenarios', { scenario: 'conditionConsumer', cond, box });
  try {
    assert.equal(await nextMessage(w), 'waiting');
    await cond.acquire({ timeout: 5000 }); // the worker released it inside waitFor
    box[0] = 7;
    cond.notifyAll();
    cond.release();
    assert.deepEqual(await nextMessage(w), { ok: true, got: 7 });
  } finally {
    await w.terminate();
  }
});

test('a Barrier of 3 releases a worker pair and the main thread together, round after round', async () => {
  let actions = 0;
  const barrier = new Barrier(3, { action: () => void actions++ });
  const runs = [runScenario<number[]>('barrier', { barrier, rounds: 3 }), runScenario<number[]>('barrier', { barrier, rounds: 3 })];
  const mine: number[] = [];
  for (let r = 0; r < 3; r++) mine.push(await barrier.wait({ timeout: 5000 }));
  const [a, b] = await Promise.all(runs);
  for (let r = 0; r < 3; r++) assert.deepEqual([a![r], b![r], mine[r]].sort(), [0, 1, 2]);
  assert.equal(actions, 3, 'the action ran once per round, whichever party arrived last');
});

test('a Barrier refuses zero parties', () => {
  assert.throws(() => new Barrier(0), InvalidArgumentError);
  assert.throws(() => new Barrier(-2), InvalidArgumentError);
});

test('a Barrier wait that times out breaks the barrier for everyone until reset', async () => {
  const barrier = new Barrier(2);
  await assert.rejects(barrier.wait({ timeout: 10 }), BrokenBarrierError);
  assert.equal(barrier.broken, true);
  await assert.rejects(barrier.wait({ timeout: 1000 }), BrokenBarrierError);
  barrier.reset();
  assert.equal(barrier.broken, false);
  const [x, y] = await Promise.all([barrier.wait({ timeout: 1000 }), barrier.wait({ timeout: 1000 })]);
  assert.deepEqual([x, y].sort(), [0, 1]);
});

test('abort() wakes a waiting worker with BrokenBarrierError', async () => {
  const barrier = new Barrier(2);
  const run = runScenario<unknown[]>('barrier', { barrier, rounds: 1 });
  while (barrier.nWaiting === 0) await new Promise((r) => setTimeout(r, 5));
  barrier.abort();
  assert.deepEqual(await run, ['ERR_WEFT_BROKEN_BARRIER']);
});

test('an action that throws breaks the barrier and reaches the party that ran it', async () => {
  const barrier = new Barrier(2, { action: () => { throw new Error('action failed'); } });
  const results = await Promise.allSettled([barrier.wait({ timeout: 1000 }), barrier.wait({ timeout: 1000 })]);
  const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'));
  assert.ok(reasons.includes('action failed'));
  assert.ok(results.every((r) => r.status === 'rejected'));
  assert.equal(barrier.broken, true);
});
