import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncPool } from '../src/index.js';
import { backendSuite, tasksUrl, type Tasks } from './suites/backend.js';
import { semanticsSuite } from './suites/semantics.js';

backendSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });
semanticsSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });

describe('AsyncPool: in the event loop', () => {
  test('runs at most size tasks at once', async () => {
    const pool = new AsyncPool<typeof import('./fixtures/inline.js')>(new URL('./fixtures/inline.ts', import.meta.url), { size: 3 });
    try {
      const { peak } = await import('./fixtures/inline.js');
      await Promise.all(Array.from({ length: 20 }, () => pool.run('track', 5)));
      assert.equal(peak(), 3);
    } finally {
      await pool.close();
    }
  });

  test('arguments are passed by reference, not copied', async () => {
    const pool = new AsyncPool<Tasks>(tasksUrl, { size: 1 });
    try {
      const fn = (): number => 1;
      assert.equal(await pool.run('echo', fn), fn);
    } finally {
      await pool.close();
    }
  });
});
