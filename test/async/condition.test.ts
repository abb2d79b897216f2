import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, Condition, InvalidArgumentError, Lock, NotHeldError, TimeoutError } from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('wait, notify and notifyAll without the lock throw NotHeldError', async () => {
  const cond = new Condition();
  await assert.rejects(cond.wait(), (e: unknown) => e instanceof NotHeldError && e.code === 'ERR_WEFT_NOT_HELD');
  await assert.rejects(cond.waitFor(() => false), NotHeldError);
  assert.throws(() => cond.notify(), NotHeldError);
  assert.throws(() => cond.notifyAll(), NotHeldError);
});

test('a negative or NaN notify count throws InvalidArgumentError', async () => {
  const cond = new Condition();
  await cond.acquire();
  assert.throws(() => cond.notify(-1), InvalidArgumentError);
  assert.throws(() => cond.notify(Number.NaN), InvalidArgumentError);
});

test('wait releases the lock while waiting and holds it again when it resolves to true', async () => {
  const cond = new Condition();
  await cond.acquire();
  const w = cond.wait().then((woken) => woken && cond.locked);
  assert.equal(cond.locked, false);
  await cond.acquire();
  cond.notify();
  cond.release();
  assert.equal(await w, true);
  cond.release();
});

test('notify(n) wakes the n longest waiters, FIFO', async () => {
  const cond = new Condition();
  const order: number[] = [];
  const all = [1, 2, 3].map((i) =>
    cond.withLock(async () => {
      await cond.wait();
      order.push(i);
    }),
  );
  await tick();
  await cond.withLock(() => cond.notify(2));
  await tick();
  assert.deepEqual(order, [1, 2]);
  await cond.withLock(() => cond.notify());
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
});

test('notifyAll wakes every waiter', async () => {
  const cond = new Condition();
  let woken = 0;
  const all = Array.from({ length: 4 }, () => cond.withLock(async () => { await cond.wait(); woken++; }));
  await tick();
  await cond.withLock(() => cond.notifyAll());
  await Promise.all(all);
  assert.equal(woken, 4);
});

test('waitFor returns at once when the predicate holds, else after notifications until it does', async () => {
  const cond = new Condition();
  let n = 0;
  await cond.acquire();
  assert.equal(await cond.waitFor(() => 'yes'), 'yes');
  cond.release();
  const w = cond.withLock(() => cond.waitFor(() => n >= 2 && n));
  for (let i = 0; i < 2; i++) {
    await tick();
    await cond.withLock(() => { n++; cond.notify(); });
  }
  assert.equal(await w, 2);
});

test('a cancelled wait re-acquires the lock before rejecting with CancelledError', async () => {
  const cond = new Condition();
  const ac = new AbortController();
  await cond.acquire();
  const w = cond.wait({ signal: ac.signal }).catch((e: unknown) => ({ e, locked: cond.locked }));
  await cond.acquire(); // the lock was released by wait
  ac.abort('why');
  await tick();
  cond.release(); // only now can the cancelled waiter re-acquire
  const r = (await w) as { e: unknown; locked: boolean };
  assert.ok(r.e instanceof CancelledError && r.e.cause === 'why');
  assert.equal(r.locked, true);
  cond.release();
});

test('a timed-out wait rejects with TimeoutError, holding the lock', async () => {
  const cond = new Condition();
  await cond.acquire();
  await assert.rejects(cond.wait({ timeout: 2 }), TimeoutError);
  assert.equal(cond.locked, true);
  cond.release();
});

test('waitFor timeout bounds the whole wait', async () => {
  const cond = new Condition();
  await cond.acquire();
  const spam = setInterval(() => void cond.withLock(() => cond.notifyAll()), 1);
  try {
    await assert.rejects(cond.waitFor(() => false, { timeout: 20 }), TimeoutError);
  } finally {
    clearInterval(spam);
  }
  assert.equal(cond.locked, true);
});

test('notify then cancel in the same tick: the notification is kept and wait resolves', async () => {
  const cond = new Condition();
  const ac = new AbortController();
  await cond.acquire();
  const w = cond.wait({ signal: ac.signal });
  await cond.acquire();
  cond.notify();
  ac.abort();
  cond.release();
  await w;
  assert.equal(cond.locked, true);
});

test('cancel then notify in the same tick: the notification goes to the next waiter', async () => {
  const cond = new Condition();
  const ac = new AbortController();
  const a = track(cond.withLock(() => cond.wait({ signal: ac.signal })));
  const b = track(cond.withLock(() => cond.wait()));
  await tick();
  await cond.acquire();
  ac.abort();
  cond.notify();
  cond.release();
  await tick();
  assert.equal(a.state, 'rejected');
  assert.equal(b.state, 'fulfilled');
});

test('conditions can share one Lock', async () => {
  const lock = new Lock();
  const c1 = new Condition(lock);
  const c2 = new Condition(lock);
  await c1.acquire();
  assert.equal(c2.locked, true);
  c2.release();
  assert.equal(lock.locked, false);
});

test('guard() holds the underlying lock for a using block, around wait and notify', async () => {
  const cond = new Condition();
  let ready = false;
  const waiter = (async () => {
    using _ = await cond.guard();
    await cond.waitFor(() => ready);
    return cond.locked;
  })();
  await tick();
  {
    using _ = await cond.guard();
    ready = true;
    cond.notify();
  }
  assert.equal(await waiter, true);
  assert.equal(cond.locked, false);
});
