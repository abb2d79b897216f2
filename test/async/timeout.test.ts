import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, gather, InvalidArgumentError, race, sleep, TaskGroupError, timeout, TimeoutError } from '../../src/async/index.js';
import { tick } from './helpers.js';

test('sleep resolves after the delay', async () => {
  const t0 = performance.now();
  await sleep(10);
  assert.ok(performance.now() - t0 >= 9);
});

test('sleep rejects with CancelledError carrying the reason when its signal aborts', async () => {
  const ac = new AbortController();
  const s = sleep(10_000, { signal: ac.signal });
  ac.abort('go');
  await assert.rejects(s, (e: unknown) => e instanceof CancelledError && e.cause === 'go');
  await assert.rejects(sleep(1, { signal: AbortSignal.abort() }), CancelledError);
});

test('sleep and timeout reject a negative or NaN delay with InvalidArgumentError', async () => {
  for (const ms of [-5, Number.NaN]) {
    await assert.rejects(sleep(ms), InvalidArgumentError);
    await assert.rejects(timeout(ms, () => 1), InvalidArgumentError);
  }
});

test('timeout resolves with the result when fn finishes in time', async () => {
  assert.equal(await timeout(1_000, async () => { await sleep(1); return 'ok'; }), 'ok');
  assert.equal(await timeout(Infinity, () => 'sync'), 'sync');
});

test('timeout rejects with TimeoutError at the deadline and aborts the signal with it', async () => {
  let inner: AbortSignal | undefined;
  const err = await timeout(5, (signal) => { inner = signal; return sleep(10_000, { signal }); }).catch((e: unknown) => e);
  assert.ok(err instanceof TimeoutError && err.code === 'ERR_WEFT_TIMEOUT');
  assert.equal(inner?.aborted, true);
  assert.equal(inner?.reason, err);
});

test('timeout rejects at the deadline even when fn ignores its signal', async () => {
  await assert.rejects(timeout(5, () => new Promise(() => {})), TimeoutError);
});

test('timeout passes on what fn throws', async () => {
  await assert.rejects(timeout(100, () => { throw new Error('sync'); }), /sync/);
  await assert.rejects(timeout(100, () => Promise.reject(new Error('async'))), /async/);
});

test('an outer signal cancels a timeout scope: CancelledError, inner signal aborted with its reason', async () => {
  const ac = new AbortController();
  let inner: AbortSignal | undefined;
  const p = timeout(10_000, (signal) => { inner = signal; return sleep(10_000, { signal }); }, { signal: ac.signal });
  ac.abort('outer');
  await assert.rejects(p, (e: unknown) => e instanceof CancelledError && e.cause === 'outer');
  assert.equal(inner?.reason, 'outer');
});

test('gather resolves to the results in input order', async () => {
  const r = await gather([async () => { await sleep(5); return 1; }, () => 'two', async () => true] as const);
  assert.deepEqual(r, [1, 'two', true]);
  assert.deepEqual(await gather([]), []);
});

test('gather with concurrency runs at most that many at once', async () => {
  let inside = 0;
  let max = 0;
  const tasks = Array.from({ length: 20 }, (_, i) => async () => {
    max = Math.max(max, ++inside);
    await tick();
    inside--;
    return i;
  });
  const r = await gather(tasks, { concurrency: 3 });
  assert.equal(max, 3);
  assert.deepEqual(r, Array.from({ length: 20 }, (_, i) => i));
});

test('gather rejects a concurrency below 1 or NaN with InvalidArgumentError', async () => {
  await assert.rejects(gather([() => 1], { concurrency: 0 }), InvalidArgumentError);
  await assert.rejects(gather([() => 1], { concurrency: Number.NaN }), InvalidArgumentError);
});

test('gather: the first failure aborts the others and is the rejection; unstarted tasks never start', async () => {
  const boom = new Error('boom');
  let started = 0;
  let aborted = false;
  const tasks = [
    async (signal: AbortSignal) => { started++; await sleep(10_000, { signal }).catch((e: unknown) => { aborted = true; throw e; }); },
    async () => { started++; await tick(); throw boom; },
    ...Array.from({ length: 5 }, () => async () => { started++; }),
  ];
  await assert.rejects(gather(tasks, { concurrency: 2 }), (e: unknown) => e === boom);
  assert.equal(aborted, true);
  assert.equal(started, 2);
});

test('gather reports several failures as TaskGroupError', async () => {
  await assert.rejects(
    gather([() => Promise.reject(new Error('a')), () => Promise.reject(new Error('b'))]),
    (e: unknown) => e instanceof TaskGroupError && e.errors.length === 2,
  );
});

test('race settles like the first task to settle and aborts the losers', async () => {
  let loserAborted = false;
  const r = await race([
    async (signal: AbortSignal) => { await sleep(10_000, { signal }).catch(() => { loserAborted = true; }); return 'slow'; },
    async () => { await sleep(1); return 'fast'; },
  ]);
  assert.equal(r, 'fast');
  await tick();
  assert.equal(loserAborted, true);
  await assert.rejects(race([() => Promise.reject(new Error('first')), () => sleep(50).then(() => 'late')]), /first/);
});

test('race rejects an empty list with InvalidArgumentError, and an outer signal with CancelledError', async () => {
  await assert.rejects(race([]), InvalidArgumentError);
  const ac = new AbortController();
  const p = race([(signal) => sleep(10_000, { signal })], { signal: ac.signal });
  ac.abort('stop');
  await assert.rejects(p, (e: unknown) => e instanceof CancelledError && e.cause === 'stop');
});
