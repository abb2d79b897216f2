import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../src/deque.js';

test('a Deque keeps order at both ends across growth and wrap-around', () => {
  const d = new Deque<number>(4);
  const model: number[] = [];
  for (let i = 0; i < 1000; i++) {
    if (i % 7 === 0) {
      d.unshift(i);
      model.unshift(i);
    } else {
      d.push(i);
      model.push(i);
    }
    if (i % 3 === 0) assert.equal(d.shift(), model.shift());
    if (i % 11 === 0) assert.equal(d.pop(), model.pop());
  }
  assert.equal(d.length, model.length);
  assert.equal(d.peek(), model[0]);
  assert.deepEqual([...d], model);
});

test('remove takes out one item and keeps the rest in order; clear empties', () => {
  const d = new Deque<string>();
  for (const s of ['a', 'b', 'c', 'b']) d.push(s);
  assert.equal(d.remove('b'), true);
  assert.deepEqual([...d], ['a', 'c', 'b']);
  assert.equal(d.remove('z'), false);
  d.clear();
  assert.equal(d.length, 0);
  assert.equal(d.shift(), undefined);
  assert.equal(d.pop(), undefined);
});
