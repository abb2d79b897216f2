import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AsyncPool } from '../src/index.js';
import { backendSuite, tasksUrl, type Tasks } from './suites/backend.js';
import { semanticsSuite } from './suites/semantics.js';
import { finalizerSuite } from './suites/finalizer.js';
import { streamSuite } from './suites/streams.js';

backendSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });
semanticsSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });
finalizerSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });
streamSuite('AsyncPool', (module, options) => new AsyncPool(module, options), { isolated: false });

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

describe('Future done callbacks', () => {
  test('a callback that throws is reported as an uncaught exception; the other callbacks and the pool carry on', () => {
    const script = fileURLToPath(new URL('./fixtures/done-callbacks.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { calls: ['first', 'third:3'], reported: ['callback broke'], after: 4 });
  });
});

