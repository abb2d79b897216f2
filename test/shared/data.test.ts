import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawValue, SharedValue, SharedArray, SharedStruct, withLock, reviveShared, InvalidArgumentError, InvalidSharedObjectError } from '../../src/shared/index.js';
import { runScenario } from './fixtures/spawn.js';

test('SharedValue does atomic arithmetic and returns previous values like Atomics', () => {
  const v = new SharedValue('int32', 5);
  assert.equal(v.add(3), 5);
  assert.equal(v.sub(1), 8);
  assert.equal(v.compareExchange(7, 10), 7);
  assert.equal(v.compareExchange(7, 11), 10);
  assert.equal(v.exchange(1), 10);
  v.value = 42;
  assert.equal(v.get(), 42);
  const f = new SharedValue('float64', 0.25);
  assert.equal(f.add(0.5), 0.25);
  assert.equal(f.value, 0.75);
  assert.equal(f.compareExchange(0.75, 2.5), 0.75);
  assert.equal(f.get(), 2.5);
  const b = new SharedValue('bigint64', 1n);
  assert.equal(b.add(2n), 1n);
  assert.equal(b.value, 3n);
});

test('SharedValue.view is the raw typed array over the value; RawValue makes one without a lock', () => {
  const v = new SharedValue('int32', 5);
  assert.ok(v.view instanceof Int32Array);
  assert.equal(v.view.length, 1);
  v.view[0] = 9;
  assert.equal(v.value, 9);
  assert.equal(Atomics.add(v.view, 0, 1), 9);
  assert.equal(v.value, 10);
  assert.equal(v.view.buffer, v.buffer);
  const raw = RawValue('float64', 1.5);
  assert.ok(raw instanceof SharedValue);
  assert.ok(raw.view instanceof Float64Array);
  assert.equal(raw.add(1), 1.5);
  assert.equal(raw.value, 2.5);
  const revived = SharedValue.from<'float64'>(structuredClone(raw));
  assert.equal(revived.add(0.5), 2.5);
  assert.equal(raw.value, 3);
});

test('a float add inside withLock(value.lock) does not deadlock', async () => {
  const f = new SharedValue('float64');
  await withLock(f.lock, () => f.add(f.get() + 1), { timeout: 1000 });
  assert.equal(f.value, 1);
});

test('SharedArray reads, writes and refuses indexes out of range', () => {
  const a = new SharedArray('float32', [1, 2, 3]);
  assert.equal(a.length, 3);
  a.add(1, 0.5);
  assert.deepEqual(a.toArray(), [1, 2.5, 3]);
  assert.throws(() => a.get(3), InvalidArgumentError);
  assert.throws(() => a.set(-1, 0), InvalidArgumentError);
  assert.throws(() => new SharedArray('int32', -1), InvalidArgumentError);
  assert.throws(() => new SharedArray('int33' as 'int32', 1), InvalidArgumentError);
});

test('SharedStruct holds named fields of mixed types', async () => {
  const s = new SharedStruct({ hits: 'int32', total: 'float64', big: 'biguint64' }, { total: 1.5 });
  s.add('hits', 2);
  s.add('total', 1);
  s.set('big', 9n);
  assert.deepEqual(await withLock(s.lock, () => s.snapshot()), { hits: 2, total: 2.5, big: 9n });
  assert.throws(() => s.get('nope' as 'hits'), InvalidArgumentError);
  assert.throws(() => new SharedStruct({}), InvalidArgumentError);
});

test('shared data revives from posted copies and refuses wrong memory', () => {
  const v = reviveShared(structuredClone(new SharedValue('uint32', 7))) as SharedValue<'uint32'>;
  assert.ok(v instanceof SharedValue);
  assert.equal(v.value, 7);
  const a = reviveShared(structuredClone(new SharedArray('int16', [4, 5]))) as SharedArray<'int16'>;
  assert.deepEqual(a.toArray(), [4, 5]);
  const s = reviveShared(structuredClone(new SharedStruct({ x: 'float64' }, { x: 2 })));
  assert.equal(s.get('x'), 2);
  assert.throws(() => SharedArray.from({ __weft: 'SharedArray', buffer: new SharedArrayBuffer(16), offset: 0, type: 'int32', length: 4 }), InvalidSharedObjectError);
  assert.throws(() => SharedValue.from({ __weft: 'SharedValue', buffer: new SharedArrayBuffer(24), offset: 0, type: 'nope' }), InvalidSharedObjectError);
});

test('two workers updating a value, an array and a struct lose nothing', async () => {
  const value = new SharedValue('float64');
  const array = new SharedArray('int32', 4);
  const struct = new SharedStruct({ hits: 'int32', total: 'float64', big: 'bigint64' });
  const n = 10_000;
  await Promise.all([runScenario('dataAdd', { value, array, struct, n }), runScenario('dataAdd', { value, array, struct, n })]);
  assert.equal(value.value, 2 * n);
  assert.deepEqual(array.toArray(), [n / 2, n / 2, n / 2, n / 2]);
  assert.deepEqual(struct.snapshot(), { hits: 2 * n, total: n, big: BigInt(4 * n) });
});
