import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, ChannelClosedError, MessageTooLargeError, TimeoutError, TooManyReleasesError, InvalidArgumentError, Lock } from '../../src/shared/index.js';
import { runScenario } from './fixtures/spawn.js';

test('a Channel carries numbers, bytes and structured-cloneable values in order', async () => {
  const ch = new Channel();
  const values: unknown[] = [1, -0.5, NaN, 3, new Uint8Array([1, 2, 3]), 'text', null, undefined, { a: [1, { b: 2n }] }, new Map([[1, 'x']]), new Date(5)];
  for (const v of values) await ch.send(v);
  assert.equal(ch.size, values.length);
  const got = [];
  for (let i = 0; i < values.length; i++) got.push(await ch.receive());
  assert.deepEqual(got, values);
  assert.equal(ch.size, 0);
});

test('values that cannot be serialized into the ring are refused with a named error', () => {
  const ch = new Channel();
  assert.throws(() => ch.sendSync({ lock: new Lock() }), (e: unknown) => e instanceof InvalidArgumentError && /postMessage/.test(e.message));
  assert.throws(() => ch.sendSync(() => 1), InvalidArgumentError);
  assert.equal(ch.size, 0);
});

test('records of mixed sizes stay in order across many wraps of a small ring', () => {
  const ch = new Channel<unknown>({ capacity: 256 });
  const expected: unknown[] = [];
  const got: unknown[] = [];
  for (let i = 0; i < 2000; i++) {
    const v = i % 3 === 0 ? i : i % 3 === 1 ? new Uint8Array(i % 40).fill(i & 255) : { i, s: 'x'.repeat(i % 50) };
    while (!ch.trySend(v)) got.push(...ch.receiveMany(2));
    expected.push(v);
  }
  got.push(...ch.receiveMany());
  assert.deepEqual(got, expected);
});

test('a full Channel makes send wait until a receive makes room, or time out', async () => {
  const ch = new Channel<number>({ capacity: 32 });
  assert.equal(ch.trySend(1), true);
  assert.equal(ch.trySend(2), true);
  assert.equal(ch.trySend(3), false);
  await assert.rejects(ch.send(3, { timeout: 10 }), TimeoutError);
  assert.throws(() => ch.sendSync(3, { timeout: 5 }), TimeoutError);
  const pending = ch.send(3, { timeout: 5000 });
  setTimeout(() => void ch.receive(), 5);
  await pending;
  assert.deepEqual(ch.receiveMany(), [2, 3]);
  const bounded = new Channel<number>({ maxItems: 1 });
  assert.equal(bounded.trySend(1), true);
  assert.equal(bounded.trySend(2), false);
});

test('receive times out, and an aborted receive takes nothing', async () => {
  const ch = new Channel<number>();
  await assert.rejects(ch.receive({ timeout: 10 }), TimeoutError);
  const ac = new AbortController();
  const r = ch.receive({ signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(r, /stop/);
  ch.sendSync(9);
  assert.equal(await ch.receive({ timeout: 1000 }), 9);
});

test('a closed Channel refuses sends, drains, then ends iteration', async () => {
  const ch = new Channel<number>();
  ch.sendSync(1);
  ch.sendSync(2);
  const waiter = new Channel<number>();
  const blocked = waiter.receive({ timeout: 5000 });
  waiter.close();
  await assert.rejects(blocked, ChannelClosedError);
  ch.close();
  assert.equal(ch.closed, true);
  await assert.rejects(ch.send(3), (e: unknown) => e instanceof ChannelClosedError && e.code === 'ERR_WEFT_CHANNEL_CLOSED');
  const seen = [];
  for await (const v of ch) seen.push(v);
  assert.deepEqual(seen, [1, 2]);
  await assert.rejects(ch.receive(), ChannelClosedError);
});

test('values larger than the ring and bad options are refused', async () => {
  const ch = new Channel({ capacity: 64 });
  await assert.rejects(ch.send(new Uint8Array(100)), (e: unknown) => e instanceof MessageTooLargeError && e.code === 'ERR_WEFT_MESSAGE_TOO_LARGE');
  assert.throws(() => new Channel({ capacity: -5 }), InvalidArgumentError);
  assert.throws(() => new Channel({ maxItems: -1 }), InvalidArgumentError);
});

test('taskDone and join track every sent item', async () => {
  const ch = new Channel<number>();
  assert.equal(await ch.join({ timeout: 1 }), true);
  ch.sendSync(1);
  ch.sendSync(2);
  assert.equal(await ch.join({ timeout: 10 }), false);
  const joined = ch.join({ timeout: 5000 });
  ch.receiveSync();
  ch.taskDone();
  ch.receiveSync();
  ch.taskDone();
  assert.equal(await joined, true);
  assert.throws(() => ch.taskDone(), TooManyReleasesError);
});

test('two producer and two consumer workers pass every item exactly once', async () => {
  const ch = new Channel<number | { i: number }>({ capacity: 4096 });
  const n = 20_000;
  const consumers = [runScenario<{ count: number; sum: number }>('channelConsume', { ch }, 30_000), runScenario<{ count: number; sum: number }>('channelConsume', { ch }, 30_000)];
  await Promise.all([
    runScenario('channelProduce', { ch, n, base: 0 }, 30_000),
    runScenario('channelProduce', { ch, n, base: n, objects: true }, 30_000),
  ]);
  ch.close();
  const [a, b] = await Promise.all(consumers);
  assert.equal(a!.count + b!.count, 2 * n);
  assert.equal(a!.sum + b!.sum, ((2 * n - 1) * 2 * n) / 2);
});

test('the main thread iterates values sent by a worker', async () => {
  const ch = new Channel<number>({ capacity: 256 });
  const producing = runScenario('channelProduce', { ch, n: 1000, base: 1 }).then(() => ch.close());
  let sum = 0;
  for await (const v of ch) sum += v;
  await producing;
  assert.equal(sum, (1000 * 1001) / 2);
});
