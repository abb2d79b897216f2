import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram } from '../src/executor/histogram.js';

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

test('Histogram: count, min, max and mean are exact; percentiles within 1/32 of the true sample', () => {
  const h = new Histogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = Math.round(Math.exp((seed / 2 ** 31) * 20)); // 1 µs .. about 8 minutes, log-spread
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  assert.equal(h.count, values.length);
  assert.equal(h.min, values[0]);
  assert.equal(h.max, values.at(-1));
  assert.ok(Math.abs(h.mean - values.reduce((a, b) => a + b, 0) / values.length) < 1e-6 * h.mean);
  for (const p of [1, 10, 50, 90, 99, 99.9, 100]) {
    const exact = exactPercentile(values, p);
    const got = h.percentile(p);
    assert.ok(got >= exact && got <= exact * (1 + 1 / 32), `p${p}: ${got} vs exact ${exact}`);
  }
});

test('Histogram: small values are exact, huge ones are clamped, an empty one reads 0', () => {
  const h = new Histogram();
  assert.equal(h.percentile(50), 0);
  assert.equal(h.mean, 0);
  for (const v of [0, 1, 2, 63]) h.record(v);
  assert.equal(h.percentile(25), 0);
  assert.equal(h.percentile(50), 1);
  assert.equal(h.percentile(100), 63);
  h.record(1e12);
  assert.equal(h.max, 2 ** 31 - 1);
  assert.equal(h.percentile(100), 2 ** 31 - 1);
});
