import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, ChannelClosedError, InvalidArgumentError, TimeoutError } from '../../src/shared/index.js';
import { runScenario } from './fixtures/spawn.js';

test('sendMany and receiveMany keep order across many wraps of a small ring, mixing numbers and objects', () => {
  const ch = new Channel<unknown>({ capacity: 256 });
  const expected: unknown[] = [];
  const got: unknown[] = [];
  let next = 0;
  for (let round = 0; round < 500; round++) {
    const batch: unknown[] = [];
    for (let k = 0; k < 1 + (round % 9); k++, next++) batch.push(next % 4 === 0 ? { n: next, s: 'é'.repeat(next % 5) } : next % 4 === 1 ? new Uint8Array([next & 255]) : next);
    let sent = 0;
    while (sent < batch.length) {
      sent += ch.trySendMany(batch.slice(sent));
      got.push(...ch.receiveMany(1 + (round % 4)));
    }
    expected.push(...batch);
  }
  got.push(...ch.receiveMany());
  assert.deepStrictEqual(got, expected);
  assert.equal(ch.size, 0);
});

test('receiveNumbers copies blocks of numbers into a Float64Array and stops at the first non-number', () => {
  const ch = new Channel<unknown>({ capacity: 1024 });
  ch.sendManySync(Float64Array.from([1, 2, 3, -0, NaN]));
  ch.sendManySync([4, 5, 'six', 7]);
  const out = new Float64Array(4);
  assert.equal(ch.receiveNumbers(out), 4);
  assert.deepStrictEqual(Array.from(out), [1, 2, 3, -0]);
  assert.equal(ch.receiveNumbers(out), 3);
  assert.deepStrictEqual(Array.from(out.subarray(0, 3)), [NaN, 4, 5]);
  assert.equal(ch.receiveNumbers(out), 0);
  assert.throws(() => ch.receiveNumbersSync(out, { timeout: 10 }), InvalidArgumentError);
  assert.equal(ch.receiveSync(), 'six');
  assert.equal(ch.receiveNumbersSync(out, { timeout: 10 }), 1);
  assert.equal(out[0], 7);
  assert.throws(() => ch.receiveNumbersSync(out, { timeout: 10 }), TimeoutError);
  ch.close();
  assert.throws(() => ch.receiveNumbersSync(out), ChannelClosedError);
});

test('a block of numbers can be taken one value at a time and by size', () => {
  const ch = new Channel<number>({ capacity: 128 });
  assert.equal(ch.trySendMany(Float64Array.from({ length: 100 }, (_, i) => i)), 15); // 128 bytes: one header + 15 numbers
  assert.equal(ch.size, 15);
  assert.equal(ch.receiveSync(), 0);
  assert.equal(ch.receiveSync(), 1);
  assert.deepStrictEqual(ch.receiveMany(3), [2, 3, 4]);
  assert.equal(ch.size, 10);
  assert.deepStrictEqual(ch.receiveMany(), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});

test('sendMany respects maxItems, waits for room, and reports what was sent on timeout', async () => {
  const ch = new Channel<number>({ maxItems: 3 });
  assert.equal(ch.trySendMany([1, 2, 3, 4, 5]), 3);
  await assert.rejects(ch.sendMany([4, 5], { timeout: 10 }), (e: unknown) => e instanceof TimeoutError && /0 of 2/.test(e.message));
  const pending = ch.sendMany([4, 5, 6, 7], { timeout: 5000 });
  const got: number[] = [];
  while (got.length < 7) got.push(...(await ch.receiveBatch({ max: 2, timeout: 5000 })));
  await pending;
  assert.deepStrictEqual(got, [1, 2, 3, 4, 5, 6, 7]);
  ch.close();
  await assert.rejects(ch.sendMany([1]), ChannelClosedError);
  assert.throws(() => ch.trySendMany([1]), ChannelClosedError);
  await assert.rejects(ch.receiveBatch(), ChannelClosedError);
});

test('receiveBatch waits for the first value, then takes what is ready', async () => {
  const ch = new Channel<string>();
  const pending = ch.receiveBatch({ timeout: 5000 });
  setTimeout(() => ch.trySendMany(['a', 'b', 'c']), 5);
  assert.deepStrictEqual(await pending, ['a', 'b', 'c']);
  await assert.rejects(ch.receiveBatch({ timeout: 10 }), TimeoutError);
  assert.throws(() => ch.receiveBatchSync({ timeout: 5 }), TimeoutError);
});

test('a large value still fits an empty ring whose write position is near the end', () => {
  const ch = new Channel<unknown>({ capacity: 64 });
  for (let i = 0; i < 5; i++) {
    assert.equal(ch.trySend(i), true); // 16 bytes: moves the write position along
    assert.equal(ch.receiveSync(), i);
    const big = new Uint8Array(56).fill(i); // a 64-byte record: needs the whole ring
    assert.equal(ch.trySend(big), true);
    assert.equal(ch.trySend(0), false);
    assert.deepStrictEqual(ch.receiveSync(), big);
  }
});

test('two producer and two consumer workers using batches pass every item exactly once, in order per producer', async () => {
  const ch = new Channel<number | { i: number }>({ capacity: 2048 });
  const n = 30_000;
  const span = 1_000_000;
  const consume = (): Promise<{ count: number; sum: number; ordered: boolean }> => runScenario('channelConsumeMany', { ch, span }, 60_000);
  const consumers = [consume(), consume()];
  await Promise.all([
    runScenario('channelProduceMany', { ch, n, base: 0 }, 60_000),
    runScenario('channelProduceMany', { ch, n, base: span, objects: true }, 60_000),
  ]);
  ch.close();
  const [a, b] = await Promise.all(consumers);
  assert.equal(a!.count + b!.count, 2 * n);
  assert.equal(a!.sum + b!.sum, (n * (n - 1)) / 2 + n * span + (n * (n - 1)) / 2);
  assert.ok(a!.ordered && b!.ordered, 'each consumer sees each producer in order');
});

test('the main thread iterates (for await) what two workers send in batches, each item once', async () => {
  const ch = new Channel<number | { i: number }>({ capacity: 512 });
  const n = 5_000;
  const producing = Promise.all([
    runScenario('channelProduceMany', { ch, n, base: 0 }, 60_000),
    runScenario('channelProduceMany', { ch, n, base: n, objects: true }, 60_000),
  ]).then(() => ch.close());
  const seen = new Uint8Array(2 * n);
  for await (const v of ch) seen[typeof v === 'number' ? v : v.i]!++;
  await producing;
  assert.ok(seen.every((c) => c === 1), 'every item exactly once');
});
