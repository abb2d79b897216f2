import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, Event, TimeoutError } from '../../src/async/index.js';
import { tick, track } from './helpers.js';

test('an event starts clear; wait on a set event resolves at once; wait resolves to true', async () => {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  const parked = ev.wait();
  ev.set();
  assert.equal(ev.isSet(), true);
  assert.equal(await ev.wait(), true);
  assert.equal(await parked, true);
});

test('set wakes every waiter, in the order they waited', async () => {
  const ev = new Event();
  const order: number[] = [];
  const all = [1, 2, 3].map((i) => ev.wait().then(() => order.push(i)));
  await tick();
  assert.deepEqual(order, []);
  ev.set();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
});

test('clear makes later waits block until the next set', async () => {
  const ev = new Event();
  ev.set();
  ev.clear();
  const w = track(ev.wait());
  await tick();
  assert.equal(w.state, 'pending');
  ev.set();
  await tick();
  assert.equal(w.state, 'fulfilled');
});

test('a cancelled or timed-out wait rejects and leaves the others and the flag alone', async () => {
  const ev = new Event();
  const ac = new AbortController();
  const a = ev.wait({ signal: ac.signal });
  const b = track(ev.wait());
  ac.abort('r');
  await assert.rejects(a, (e: unknown) => e instanceof CancelledError && e.cause === 'r');
  await assert.rejects(ev.wait({ timeout: 1 }), TimeoutError);
  assert.equal(ev.isSet(), false);
  ev.set();
  await tick();
  assert.equal(b.state, 'fulfilled');
});

test('set then abort in the same tick: the waiter is already woken and resolves', async () => {
  const ev = new Event();
  const ac = new AbortController();
  const a = ev.wait({ signal: ac.signal });
  ev.set();
  ac.abort();
  await a;
});
