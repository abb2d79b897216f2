/**
 * Pools are typed by their task module: a wrong task name, argument or result type is a
 * compile error. `npm test` type-checks this file (tsc); each `@ts-expect-error` fails the
 * build if the line it marks ever compiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncPool, ThreadPool, type Pool } from '../src/index.js';
import type { Tasks } from './suites/backend.js';

/** Never called: it only has to type-check. */
async function typedCalls(pool: Pool<Tasks>): Promise<void> {
  const sum: number = await pool.run('add', 1, 2);
  const text: string | undefined = await pool.run('initValue');
  // @ts-expect-error: no export named 'ad'
  await pool.run('ad', 1, 2);
  // @ts-expect-error: starmap's items are 'add''s argument tuples
  pool.starmap('add', [['1', 2]]);
  const sums: AsyncIterable<number> = pool.starmap('add', [[1, 2]]);
  void sums;
  // @ts-expect-error: 'add' takes numbers
  await pool.run('add', '1', 2);
  // @ts-expect-error: 'add' takes two arguments
  await pool.run('add', 1);
  // @ts-expect-error: 'add' resolves to a number, not a string
  const wrong: string = await pool.run('add', 1, 2);
  // @ts-expect-error: 'notAFunction' is exported but is not a function
  await pool.run('notAFunction');
  const doubled: number = await pool.submit('double', [2], { timeout: 10 });
  // @ts-expect-error: submit takes the arguments as a tuple
  pool.submit('double', 2);
  for await (const d of pool.map('double', [1, 2, 3])) {
    const n: number = d;
    void n;
  }
  // @ts-expect-error: map items must match the task's parameter
  pool.map('double', ['x']);
  void [sum, text, wrong, doubled];
}

test('a pool typed by its module switches model without changing the calls', () => {
  const make = (model: 'thread' | 'async'): Pool<Tasks> =>
    model === 'thread' ? new ThreadPool<Tasks>(new URL('./fixtures/tasks.ts', import.meta.url), { minSize: 0, maxSize: 1 }) : new AsyncPool<Tasks>(new URL('./fixtures/tasks.ts', import.meta.url), { minSize: 0, maxSize: 1 });
  assert.equal(typeof typedCalls, 'function');
  for (const model of ['thread', 'async'] as const) {
    const pool = make(model);
    assert.equal(pool.size, 0);
    void pool.terminate();
  }
});
