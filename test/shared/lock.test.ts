import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lock, RLock, withLock, withLockSync, NotHeldError, NotOwnerError, InvalidArgumentError, InvalidSharedObjectError, TimeoutError } from '../../src/shared/index.js';
import { runScenario, spawn, nextMessage } from './fixtures/spawn.js';

test('an uncontended Lock is taken and released without waiting', async () => {
  const lock = new Lock();
  assert.equal(lock.acquireSync(), true);
  assert.equal(lock.locked, true);
  assert.equal(lock.tryAcquire(), false);
  lock.release();
  assert.equal(await lock.acquire(), true);
  lock.release();
  assert.equal(lock.locked, false);
});

test('releasing a free Lock throws NotHeldError', () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), (e: unknown) => e instanceof NotHeldError && e.code === 'ERR_WEFT_NOT_HELD');
});

test('acquire on a held Lock resolves false after its timeout', async () => {
  const lock = new Lock();
  lock.acquireSync();
  const t0 = performance.now();
  assert.equal(await lock.acquire({ timeout: 30 }), false);
  assert.ok(performance.now() - t0 >= 25);
  assert.equal(lock.acquireSync({ timeout: 10 }), false);
  lock.release();
});

test('an aborted acquire rejects with the reason and leaves the lock to the next waiter', async () => {
  const lock = new Lock();
  lock.acquireSync();
  const ac = new AbortController();
  const aborted = lock.acquire({ signal: ac.signal });
  const next = lock.acquire({ timeout: 5000 });
  setTimeout(() => ac.abort(new Error('stop')), 10);
  await assert.rejects(aborted, /stop/);
  lock.release();
  assert.equal(await next, true);
  lock.release();
  await assert.rejects(lock.acquire({ signal: AbortSignal.abort(new Error('already')) }), /already/);
  assert.equal(lock.locked, false);
});

test('bad timeouts are refused with InvalidArgumentError', async () => {
  const lock = new Lock();
  assert.throws(() => lock.acquireSync({ timeout: -1 }), InvalidArgumentError);
  await assert.rejects(lock.acquire({ timeout: Number.NaN }), InvalidArgumentError);
  assert.equal(lock.locked, false, 'a refused call does not take the lock');
  lock.acquireSync();
  assert.throws(() => lock.acquireSync({ timeout: Number.NaN }), InvalidArgumentError);
  lock.release();
});

test('a `using` guard releases the lock at the end of its block, even on throw', async () => {
  const lock = new Lock();
  {
    using _g = await lock.guard();
    assert.equal(lock.locked, true);
  }
  assert.equal(lock.locked, false);
  assert.throws(() => {
    using _g = lock.guardSync();
    throw new Error('boom');
  }, /boom/);
  assert.equal(lock.locked, false);
  lock.acquireSync();
  await assert.rejects(lock.guard({ timeout: 5 }), TimeoutError);
  lock.release();
});

test('withLock runs the function under the lock and returns its result', async () => {
  const lock = new Lock();
  assert.equal(await withLock(lock, async () => (lock.locked ? 42 : 0)), 42);
  assert.equal(withLockSync(lock, () => 7), 7);
  await assert.rejects(withLock(lock, () => { throw new Error('x'); }), /x/);
  assert.equal(lock.locked, false);
});

test('Lock.from refuses memory that is not a tagged SharedArrayBuffer of the right size', () => {
  assert.throws(() => Lock.from({ __weft: 'Lock', buffer: new ArrayBuffer(4), offset: 0 }), InvalidSharedObjectError);
  assert.throws(() => Lock.from({ __weft: 'Event', buffer: new SharedArrayBuffer(4), offset: 0 }), InvalidSharedObjectError);
  assert.throws(() => Lock.from({ __weft: 'Lock', buffer: new SharedArrayBuffer(4), offset: 4 }), InvalidSharedObjectError);
  assert.throws(() => Lock.from(null), (e: unknown) => e instanceof InvalidSharedObjectError && e.code === 'ERR_WEFT_INVALID_SHARED');
});

test('a Lock posted to a worker arrives as a Lock over the same memory', async () => {
  const lock = new Lock();
  const r = await runScenario<{ isLock: boolean; took: boolean }>('revived', { lock });
  assert.deepEqual(r, { isLock: true, took: true });
  assert.equal(lock.locked, true); // the worker took it, in our memory
  lock.release();
});

test('two workers incrementing under a Lock lose no update', async () => {
  const lock = new Lock();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const n = 20_000;
  await Promise.all([
    runScenario('increment', { lock, counter, n }),
    runScenario('increment', { lock, counter, n }),
    runScenario('incrementAsync', { lock, counter, n }),
  ]);
  assert.equal(counter[0], 3 * n);
});

test('an awaitable acquire on the main thread wakes when a worker releases', async () => {
  const lock = new Lock();
  const w = spawn('scenarios', { scenario: 'holdThenRelease', lock, ms: 50 });
  try {
    assert.equal(await nextMessage(w), 'held');
    assert.equal(lock.tryAcquire(), false);
    assert.equal(await lock.acquire({ timeout: 5000 }), true);
    lock.release();
  } finally {
    await w.terminate();
  }
});

test('an RLock re-enters for its owner and needs as many releases', async () => {
  const r = new RLock();
  assert.equal(r.acquireSync(), true);
  assert.equal(await r.acquire(), true);
  assert.equal(r.isOwned, true);
  r.release();
  assert.equal(r.locked, true);
  r.release();
  assert.equal(r.locked, false);
  assert.throws(() => r.release(), NotOwnerError);
});

test('an RLock refuses release by a thread that does not own it', async () => {
  const lock = new RLock();
  lock.acquireSync();
  assert.equal(await runScenario('releaseForeign', { lock }), 'ERR_WEFT_NOT_OWNER');
  assert.equal(lock.isOwned, true);
  lock.release();
});

test('an RLock held by a worker makes the main thread wait, then passes', async () => {
  const lock = new RLock();
  const w = spawn('scenarios', { scenario: 'holdThenRelease', lock, ms: 50 });
  try {
    assert.equal(await nextMessage(w), 'held');
    assert.equal(lock.isOwned, false);
    assert.equal(await lock.acquire({ timeout: 5000 }), true);
    assert.equal(lock.isOwned, true);
    lock.release();
  } finally {
    await w.terminate();
  }
});
