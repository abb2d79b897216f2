import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCompact, scratch, CompactDecoder, MAX_DEPTH } from '../../src/shared/channel/codec.js';
import { Channel } from '../../src/shared/index.js';

function roundTrip(v: unknown): unknown {
  const n = encodeCompact(v);
  assert.ok(n >= 0, `expected ${String(v)} to be JSON-like`);
  const sab = new SharedArrayBuffer(n + 8);
  new Uint8Array(sab).set(scratch().subarray(0, n), 8);
  return new CompactDecoder(sab, 0, n + 8).decode(8);
}

const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { d: depth, next: [nested(depth - 1)] });

test('the compact codec round-trips every JSON-like value exactly', () => {
  const values: unknown[] = [
    0, -0, 1, -1, 0x7fffffff, -0x80000000, 0x80000000, -0x80000001, 1.5, -2.25e-300, Number.MAX_VALUE, Number.MIN_VALUE,
    NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER,
    '', 'item', 'x'.repeat(31), 'y'.repeat(33), 'z'.repeat(300), 'héllo', '日本語', '😀 emoji', '\ud800 lone high', 'lone low \udc00',
    'é'.repeat(40) + '\ud83d', '\u0000\u007f\u0080\u00ff',
    null, undefined, true, false,
    [], {}, [1, 'a', null, undefined, true, [2, [3]], { k: -0 }],
    { id: 7, name: 'item', ok: true }, { '': 1, ' ': 2, 'ключ': 3, '😀': 4 }, { 2: 'b', 1: 'a', z: 'z', 10: 'ten' },
    { a: undefined, b: [undefined] }, Array.from({ length: 300 }, (_, i) => i * 1.5), Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`k${i}`, i])),
    nested(MAX_DEPTH / 2 - 1),
  ];
  for (const v of values) {
    const got = roundTrip(v);
    assert.deepStrictEqual(got, v); // Object.is on primitives: -0 and NaN are told apart
    assert.deepStrictEqual(got, structuredClone(v)); // and it is what structured clone gives
  }
  assert.deepStrictEqual(Object.keys(roundTrip({ 2: 'b', 1: 'a', z: 'z' }) as object), ['1', '2', 'z']);
  const proto = roundTrip(JSON.parse('{"__proto__": {"x": 1}, "y": 2}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepStrictEqual(Object.keys(proto), ['__proto__', 'y']);
  assert.deepStrictEqual(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, { x: 1 });
});

test('the compact codec declines everything else, so v8.serialize carries it', () => {
  class Point {
    x = 1;
  }
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const extra = Object.assign([1, 2], { named: true });
  const values: unknown[] = [
    new Map([[1, 2]]), new Set([1]), new Date(0), new Uint8Array(2), new Float64Array(1), 1n, { big: 2n }, new Point(), Object.create(null),
    sparse, extra, cyclic, { a: shared, b: shared }, [shared, shared], /re/, new Error('e'), Symbol('s'), () => 1, nested(MAX_DEPTH),
  ];
  values.forEach((v, i) => assert.equal(encodeCompact(v), -1, `expected a fallback for value #${i}`));
});

test('values the codec declines still arrive through a Channel as structured clone delivers them', async () => {
  const ch = new Channel();
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const values: unknown[] = [{ a: shared, b: shared }, cyclic, [1, , 3], new Map([['k', { v: -0 }]]), { when: new Date(3), n: 5n }, nested(MAX_DEPTH + 2)]; // eslint-disable-line no-sparse-arrays
  for (const v of values) await ch.send(v);
  for (const v of values) assert.deepStrictEqual(await ch.receive(), structuredClone(v));
  await ch.send({ a: shared, b: shared });
  const got = (await ch.receive()) as { a: object; b: object };
  assert.equal(got.a, got.b, 'a shared reference stays shared');
  await ch.send(cyclic);
  const c = (await ch.receive()) as Record<string, unknown>;
  assert.equal(c.self, c, 'a cycle stays a cycle');
});

test('objects decoded many times with the same keys (the factory path) stay exact, whatever the keys', () => {
  const tricky: Record<string, unknown>[] = [
    { id: 1, name: 'item', ok: true },
    { 'a"b': 1, 'c\\d': 2, '${x}': 3, '\u2028': 4, '\ud800': 5, '}; throw 1; ({': 6 },
    { 10: 'ten', 2: 'two', b: 'b', a: 'a' },
    JSON.parse('{"x": 1, "__proto__": {"polluted": true}, "y": 2}') as Record<string, unknown>,
    Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`key${i}`, i])),
    Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`key${i}`, { i }])),
    { a: 1, b: 2 },
    { b: 1, a: 2 }, // same hash inputs as above in another order: must not share a factory
    { a: { a: { a: 1 } } },
  ];
  for (let round = 0; round < 4; round++) {
    for (const v of tricky) {
      const got = roundTrip(v) as Record<string, unknown>;
      assert.deepStrictEqual(got, structuredClone(v));
      assert.deepStrictEqual(Object.keys(got), Object.keys(v));
      assert.equal(Object.getPrototypeOf(got), Object.prototype);
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});

test('an enumerable property on Object.prototype makes plain objects fall back (for-in would list it)', () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.pollutedForTest = 1;
  try {
    assert.equal(encodeCompact({ a: 1 }), -1);
    assert.ok(encodeCompact([1, 'two']) >= 0, 'arrays are unaffected');
  } finally {
    delete proto.pollutedForTest;
  }
  assert.ok(encodeCompact({ a: 1 }) >= 0);
});
