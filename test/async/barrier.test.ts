import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Barrier, BrokenBarrierError, CancelledError, InvalidArgumentError, TimeoutError } from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('fewer than one party, or a non-integer count, throws InvalidArgumentError', () => {
  for (const n of [0, -1, Number.NaN, 1.5]) {
    assert.throws(() => new Barrier(n), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_WEFT_INVALID_ARGUMENT');
  }
});

test('waiters block until `parties` arrive, then all resolve with their arrival index', async () => {
  const b = new Barrier(3);
  const first = track(b.wait());
  const second = track(b.wait());
  await tick();
  assert.equal(b.nWaiting, 2);
  assert.equal(first.state, 'pending');
  assert.equal(await b.wait(), 2);
  await tick();
  assert.equal(first.value, 0);
  assert.equal(second.value, 1);
  assert.equal(b.nWaiting, 0);
});

test('the barrier is reusable: each cycle starts afresh', async () => {
  const b = new Barrier(2);
  for (let cycle = 0; cycle < 3; cycle++) {
    const r = await Promise.all([b.wait(), b.wait()]);
    assert.deepEqual(r.sort(), [0, 1]);
  }
});

test('the action runs once per cycle, before any waiter is released', async () => {
  const log: string[] = [];
  const b = new Barrier(2, { action: () => { log.push('action'); } });
  await Promise.all([b.wait().then(() => log.push('a')), b.wait().then(() => log.push('b'))]);
  assert.equal(log[0], 'action');
  assert.deepEqual(log.slice(1).sort(), ['a', 'b']);
});

test('a throwing action breaks the barrier: the last arriver gets the error, the others BrokenBarrierError', async () => {
  const boom = new Error('boom');
  const b = new Barrier(2, { action: () => { throw boom; } });
  const first = b.wait();
  await assert.rejects(b.wait(), (e: unknown) => e === boom);
  await assert.rejects(first, (e: unknown) => e instanceof BrokenBarrierError && e.cause === boom && e.code === 'ERR_WEFT_BROKEN_BARRIER');
  assert.equal(b.broken, true);
  await assert.rejects(b.wait(), BrokenBarrierError);
});

test('abort breaks the barrier for current and later waiters until reset', async () => {
  const b = new Barrier(3);
  const w = b.wait();
  b.abort();
  await assert.rejects(w, BrokenBarrierError);
  await assert.rejects(b.wait(), BrokenBarrierError);
  b.reset();
  assert.equal(b.broken, false);
  const r = await Promise.all([b.wait(), b.wait(), b.wait()]);
  assert.deepEqual(r.sort(), [0, 1, 2]);
});

test('reset rejects the current waiters with BrokenBarrierError and leaves the barrier usable', async () => {
  const b = new Barrier(2);
  const w = b.wait();
  b.reset();
  await assert.rejects(w, BrokenBarrierError);
  assert.equal(b.broken, false);
  assert.equal(b.nWaiting, 0);
  await Promise.all([b.wait(), b.wait()]);
});

test('a cancelled or timed-out waiter leaves the cycle without breaking the barrier', async () => {
  const b = new Barrier(2);
  const ac = new AbortController();
  const a = b.wait({ signal: ac.signal });
  assert.equal(b.nWaiting, 1);
  ac.abort('gone');
  await assert.rejects(a, (e: unknown) => e instanceof CancelledError && e.cause === 'gone');
  assert.equal(b.nWaiting, 0);
  await assert.rejects(b.wait({ timeout: 1 }), TimeoutError);
  assert.equal(b.broken, false);
  assert.deepEqual((await Promise.all([b.wait(), b.wait()])).sort(), [0, 1]);
});

test('tasks arriving while an async action runs belong to the next cycle', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let actions = 0;
  const b = new Barrier(2, { action: async () => { actions++; if (actions === 1) await gate; } });
  const cycle1 = Promise.all([b.wait(), b.wait()]);
  await tick();
  const next = track(b.wait());
  assert.equal(b.nWaiting, 1);
  release();
  await cycle1;
  assert.equal(next.state, 'pending');
  await b.wait();
  await tick();
  assert.equal(next.state, 'fulfilled');
});

test('weft/async and weft/shared raise the same BrokenBarrierError and InvalidArgumentError classes', async () => {
  const shared = await import('../../src/shared/index.js');
  const inLoop = await import('../../src/async/index.js');
  assert.equal(shared.BrokenBarrierError, inLoop.BrokenBarrierError);
  assert.equal(shared.InvalidArgumentError, inLoop.InvalidArgumentError);
});
