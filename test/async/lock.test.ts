import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, InvalidArgumentError, Lock, NotHeldError, TimeoutError } from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('acquire on a free lock resolves at once and locks it', async () => {
  const lock = new Lock();
  assert.equal(lock.locked, false);
  await lock.acquire();
  assert.equal(lock.locked, true);
  lock.release();
  assert.equal(lock.locked, false);
});

test('tryAcquire takes a free lock and refuses a held one', () => {
  const lock = new Lock();
  assert.equal(lock.tryAcquire(), true);
  assert.equal(lock.tryAcquire(), false);
  lock.release();
  assert.equal(lock.tryAcquire(), true);
});

test('releasing an unlocked lock throws NotHeldError', () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), (e: unknown) => e instanceof NotHeldError && e.code === 'ERR_WEFT_NOT_HELD');
});

test('waiters are served in FIFO order', async () => {
  const lock = new Lock();
  await lock.acquire();
  const order: number[] = [];
  const all = [1, 2, 3].map((i) => lock.acquire().then(() => { order.push(i); lock.release(); }));
  lock.release();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(lock.locked, false);
});

test('release hands the lock straight to the first waiter: a newcomer cannot barge', async () => {
  const lock = new Lock();
  await lock.acquire();
  const waiter = track(lock.acquire());
  lock.release();
  assert.equal(lock.locked, true);
  assert.equal(lock.tryAcquire(), false);
  const late = track(lock.acquire());
  await tick();
  assert.equal(waiter.state, 'fulfilled');
  assert.equal(late.state, 'pending');
  lock.release();
  await tick();
  assert.equal(late.state, 'fulfilled');
});

test('a cancelled waiter rejects with CancelledError carrying the reason, and the lock goes to the next', async () => {
  const lock = new Lock();
  await lock.acquire();
  const ac = new AbortController();
  const a = lock.acquire({ signal: ac.signal });
  const b = track(lock.acquire());
  ac.abort('stop');
  await assert.rejects(a, (e: unknown) => e instanceof CancelledError && e.code === 'ERR_WEFT_ABORTED' && e.cause === 'stop');
  assert.equal(lock.waiting, 1);
  lock.release();
  await tick();
  assert.equal(b.state, 'fulfilled');
  assert.equal(lock.locked, true);
});

test('a timed-out waiter rejects with TimeoutError and takes nothing', async () => {
  const lock = new Lock();
  await lock.acquire();
  await assert.rejects(lock.acquire({ timeout: 5 }), (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_WEFT_TIMEOUT');
  lock.release();
  assert.equal(lock.locked, false);
});

test('an already-aborted signal rejects even when the lock is free, and leaves it free', async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquire({ signal: AbortSignal.abort('x') }), CancelledError);
  assert.equal(lock.locked, false);
});

test('release then abort in the same tick: the acquire succeeds and the caller owns the lock', async () => {
  const lock = new Lock();
  await lock.acquire();
  const ac = new AbortController();
  const a = lock.acquire({ signal: ac.signal });
  lock.release();
  ac.abort();
  assert.equal(await a, true);
  assert.equal(lock.locked, true);
  lock.release();
  assert.equal(lock.locked, false);
});

test('abort then release in the same tick: the acquire rejects and the lock is not lost', async () => {
  const lock = new Lock();
  await lock.acquire();
  const ac = new AbortController();
  const a = track(lock.acquire({ signal: ac.signal }));
  const b = track(lock.acquire());
  ac.abort();
  lock.release();
  await tick();
  assert.equal(a.state, 'rejected');
  assert.equal(b.state, 'fulfilled');
  lock.release();
  assert.equal(lock.locked, false);
});

test('many timed-out waiters leave no trace: the one live waiter still gets the lock', async () => {
  const lock = new Lock();
  await lock.acquire();
  const dead = Array.from({ length: 100 }, () => lock.acquire({ timeout: 1 }).catch((e: unknown) => e));
  const live = track(lock.acquire());
  const more = Array.from({ length: 100 }, () => lock.acquire({ timeout: 1 }).catch((e: unknown) => e));
  for (const e of await Promise.all([...dead, ...more])) assert.ok(e instanceof TimeoutError);
  assert.equal(lock.waiting, 1);
  lock.release();
  await tick();
  assert.equal(live.state, 'fulfilled');
  lock.release();
  assert.equal(lock.locked, false);
});

test('the guard releases the lock at the end of a using block, even when the block throws', async () => {
  const lock = new Lock();
  {
    using _guard = await lock.guard();
    assert.equal(lock.locked, true);
  }
  assert.equal(lock.locked, false);
  await assert.rejects(async () => {
    using _guard = await lock.guard();
    throw new Error('inside');
  }, /inside/);
  assert.equal(lock.locked, false);
});

test('a guard releases once: a second release() is a no-op, and leaves the next holder alone', async () => {
  const lock = new Lock();
  const guard = await lock.guard();
  const next = track(lock.acquire());
  guard.release();
  await tick();
  assert.equal(next.state, 'fulfilled');
  guard.release();
  guard[Symbol.dispose]();
  assert.equal(lock.locked, true, 'the second holder still holds the lock');
  lock.release();
});

test('guard() waits in line like acquire() and rejects the same way on timeout', async () => {
  const lock = new Lock();
  await lock.acquire();
  await assert.rejects(lock.guard({ timeout: 2 }), TimeoutError);
  const g = lock.guard();
  lock.release();
  (await g).release();
  assert.equal(lock.locked, false);
  assert.equal(lock.waiting, 0);
});

test('withLock runs fn exclusively and releases even when fn throws', async () => {
  const lock = new Lock();
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: 5 }, () =>
      lock.withLock(async () => {
        max = Math.max(max, ++inside);
        await tick();
        inside--;
      }),
    ),
  );
  assert.equal(max, 1);
  await assert.rejects(lock.withLock(() => { throw new Error('boom'); }), /boom/);
  assert.equal(lock.locked, false);
  assert.equal(await lock.withLock(() => 42), 42);
});

test('a negative or NaN timeout throws InvalidArgumentError', async () => {
  const lock = new Lock();
  for (const timeout of [-1, Number.NaN]) {
    await assert.rejects(lock.acquire({ timeout }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_WEFT_INVALID_ARGUMENT');
  }
});

test('timeout: 0 on a free lock succeeds', async () => {
  const lock = new Lock();
  await lock.acquire({ timeout: 0 });
  assert.equal(lock.locked, true);
});

test('the lock has no owner: another task may release it, as in Python', async () => {
  const lock = new Lock();
  await lock.acquire();
  await Promise.resolve().then(() => lock.release());
  assert.equal(lock.locked, false);
});

test('withLock settles like fn for sync values, sync throws, thenables and waits its turn', async () => {
  const lock = new Lock();
  assert.equal(await lock.withLock(() => 7), 7);
  await assert.rejects(lock.withLock(() => { throw new Error('sync'); }), /sync/);
  assert.equal(lock.locked, false);
  const thenable = { then: ((resolve: (v: string) => void) => resolve('later')) as PromiseLike<string>['then'] };
  assert.equal(await lock.withLock(() => thenable), 'later');
  assert.equal(lock.locked, false);
  await lock.acquire();
  const second = lock.withLock(() => 'second');
  const queued = track(second);
  await tick();
  assert.equal(queued.state, 'pending');
  lock.release();
  assert.equal(await second, 'second');
  assert.equal(lock.locked, false);
  await assert.rejects(lock.withLock(() => 1, { signal: AbortSignal.abort() }), CancelledError);
});

test('withLock starts fn before returning when the lock is free, and only on its turn otherwise', async () => {
  const lock = new Lock();
  let started = 0;
  const first = lock.withLock(async () => { started++; await tick(); });
  assert.equal(started, 1);
  const second = lock.withLock(() => { started++; });
  assert.equal(started, 1);
  await first;
  await second;
  assert.equal(started, 2);
  assert.equal(lock.locked, false);
});
