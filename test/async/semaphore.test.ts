import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedSemaphore, CancelledError, InvalidArgumentError, Semaphore, TimeoutError, TooManyReleasesError } from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('a negative or NaN initial value throws InvalidArgumentError', () => {
  for (const v of [-1, Number.NaN]) {
    assert.throws(() => new Semaphore(v), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_WEFT_INVALID_ARGUMENT');
    assert.throws(() => new BoundedSemaphore(v), InvalidArgumentError);
  }
});

test('the default value is 1, and acquire takes permits until locked', async () => {
  const sem = new Semaphore();
  assert.equal(sem.value, 1);
  await sem.acquire();
  assert.equal(sem.value, 0);
  assert.equal(sem.locked(), true);
  sem.release();
  assert.equal(sem.locked(), false);
});

test('at most `value` holders run at once; the rest wait', async () => {
  const sem = new Semaphore(3);
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: 10 }, () =>
      sem.run(async () => {
        max = Math.max(max, ++inside);
        await tick();
        inside--;
      }),
    ),
  );
  assert.equal(max, 3);
  assert.equal(sem.value, 3);
});

test('waiters are served FIFO and release hands the permit to the first waiter', async () => {
  const sem = new Semaphore(0);
  const order: number[] = [];
  const all = [1, 2, 3].map((i) => sem.acquire().then(() => order.push(i)));
  sem.release();
  assert.equal(sem.value, 0, 'the permit went to the waiter, not the counter');
  assert.equal(sem.tryAcquire(), false, 'a newcomer cannot barge');
  sem.release();
  sem.release();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
});

test('a cancelled acquire takes no permit: none is lost', async () => {
  const sem = new Semaphore(1);
  await sem.acquire();
  const ac = new AbortController();
  const a = sem.acquire({ signal: ac.signal });
  ac.abort('bye');
  await assert.rejects(a, (e: unknown) => e instanceof CancelledError && e.cause === 'bye');
  sem.release();
  assert.equal(sem.value, 1);
});

test('a timed-out acquire rejects with TimeoutError and takes no permit', async () => {
  const sem = new Semaphore(1);
  await sem.acquire();
  await assert.rejects(sem.acquire({ timeout: 2 }), TimeoutError);
  assert.equal(sem.waiting, 0);
  sem.release();
  assert.equal(sem.value, 1);
});

test('release then cancel in the same tick: the waiter keeps the permit, and must release it', async () => {
  const sem = new Semaphore(0);
  const ac = new AbortController();
  const a = sem.acquire({ signal: ac.signal });
  const b = track(sem.acquire());
  sem.release();
  ac.abort();
  assert.equal(await a, true);
  assert.equal(b.state, 'pending');
  sem.release();
  await tick();
  assert.equal(b.state, 'fulfilled');
  assert.equal(sem.value, 0);
});

test('cancel then release in the same tick: the permit goes to the next waiter', async () => {
  const sem = new Semaphore(0);
  const ac = new AbortController();
  const a = track(sem.acquire({ signal: ac.signal }));
  const b = track(sem.acquire());
  ac.abort();
  sem.release();
  await tick();
  assert.equal(a.state, 'rejected');
  assert.equal(b.state, 'fulfilled');
  assert.equal(sem.value, 0);
});

test('guard() holds a permit until the end of a using block, and releases it once', async () => {
  const sem = new Semaphore(2);
  {
    using g = await sem.guard();
    assert.equal(sem.value, 1);
    g.release(); // early release inside the block: the block's end does not release again
    assert.equal(sem.value, 2);
  }
  assert.equal(sem.value, 2);
});

test('run releases the permit even when fn throws', async () => {
  const sem = new Semaphore(1);
  await assert.rejects(sem.run(() => Promise.reject(new Error('no'))), /no/);
  assert.equal(sem.value, 1);
  assert.equal(await sem.run(() => 'ok'), 'ok');
});

test('a plain Semaphore may be released past its initial value', () => {
  const sem = new Semaphore(1);
  sem.release();
  assert.equal(sem.value, 2);
});

test('BoundedSemaphore throws TooManyReleasesError when released past its bound, count unchanged', async () => {
  const sem = new BoundedSemaphore(2);
  await sem.acquire();
  sem.release();
  assert.throws(() => sem.release(), (e: unknown) => e instanceof TooManyReleasesError && e.code === 'ERR_WEFT_TOO_MANY_RELEASES');
  assert.equal(sem.value, 2);
});

test('BoundedSemaphore hands permits to waiters like Semaphore', async () => {
  const sem = new BoundedSemaphore(1);
  await sem.acquire();
  const w = sem.guard();
  sem.release();
  (await w).release();
  assert.equal(sem.value, 1);
});

test('an already-aborted signal rejects even with permits free', async () => {
  const sem = new Semaphore(5);
  await assert.rejects(sem.acquire({ signal: AbortSignal.abort() }), CancelledError);
  assert.equal(sem.value, 5);
});

test('run starts fn before returning while a permit is free, and only on its turn otherwise', async () => {
  const sem = new Semaphore(1);
  let started = 0;
  const first = sem.run(async () => { started++; await tick(); });
  assert.equal(started, 1);
  const second = sem.run(() => { started++; });
  assert.equal(started, 1);
  await Promise.all([first, second]);
  assert.equal(started, 2);
  assert.equal(sem.value, 1);
});
