/**
 * The pool's `finalizer` (the counterpart of `initializer`), as a suite every backend runs: it
 * runs once in each worker the pool retires gracefully (close, idle timeout, recycling), after
 * the worker's last task; never on terminate, a crash or a kill; and a finalizer that fails or
 * hangs is a warning, never a broken pool or a close() that does not resolve.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, TaskTimeoutError, WorkerExitedError, type PoolOptions } from '../../src/index.js';
import { eventually, rejectsWith } from '../helpers.js';
import { tasksUrl, type Capabilities, type MakePool } from './backend.js';

/** The lines a fixture appended to `path` (none when it was never written). */
function linesOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * Collects the warnings with code ERR_WEFT_FINALIZER about the finalizer `name`, until `stop()`.
 * `process.emitWarning` delivers on a later tick: read `messages` after {@link warningsDelivered}.
 */
function finalizerWarnings(name: string): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const listener = (warning: Error & { code?: string }): void => {
    if (warning.code === 'ERR_WEFT_FINALIZER' && warning.message.includes(`'${name}'`)) messages.push(warning.message);
  };
  process.on('warning', listener);
  return { messages, stop: () => process.off('warning', listener) };
}

/** Resolves once the warnings emitted so far have been delivered (they go out on process.nextTick). */
function warningsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function finalizerSuite(label: string, make: MakePool, caps: Capabilities): void {
  describe(`${label}: the finalizer`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-finalizer-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    let files = 0;
    /** A fresh file, and pool options whose finalizer appends 'finalized' to it. */
    const marking = (): { path: string; options: PoolOptions } => {
      const path = join(dir, `marks-${files++}.txt`);
      return { path, options: { finalizer: 'finalizeMark', finalizerArgs: [path, 'finalized'] } };
    };

    test('runs once in each worker on close(), after the last task has settled, and is awaited', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 2 });
      const tasks = [pool.run('appendLater', path, 'task', 50), pool.run('appendLater', path, 'task', 50)];
      await pool.close();
      assert.deepEqual(await Promise.all(tasks), ['task', 'task']);
      assert.deepEqual(linesOf(path), ['task', 'task', 'finalized', 'finalized']);
      await pool.close();
      assert.equal(linesOf(path).length, 4, 'a second close() runs no finalizer again');
    });

    test('a worker still starting when close() is called finishes starting, then runs it', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 1 });
      await pool.close();
      assert.deepEqual(linesOf(path), ['finalized']);
    });

    test('runs in a worker stopped by idleTimeout (minSize 0), and not again on close()', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, minSize: 0, maxSize: 2, idleTimeout: 20 });
      try {
        assert.equal(await pool.run('add', 1, 2), 3);
        await eventually(() => pool.size === 0, 'the idle worker was stopped');
        assert.deepEqual(linesOf(path), ['finalized']);
      } finally {
        await pool.close();
      }
      assert.deepEqual(linesOf(path), ['finalized']);
    });

    test('runs in the worker idleTimeout stops above minSize 1; the one kept runs it on close()', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, minSize: 1, maxSize: 2, idleTimeout: 20 });
      try {
        assert.deepEqual(await Promise.all([pool.run('delayed', 1, 50), pool.run('delayed', 2, 50)]), [1, 2]);
        await eventually(() => pool.size === 1, 'the worker above minSize was stopped');
        assert.deepEqual(linesOf(path), ['finalized']);
      } finally {
        await pool.close();
      }
      assert.deepEqual(linesOf(path), ['finalized', 'finalized']);
    });

    test('runs in each worker maxTasksPerWorker recycles', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 1, maxTasksPerWorker: 2 });
      try {
        for (let i = 0; i < 5; i++) assert.equal(await pool.run('add', i, 1), i + 1);
      } finally {
        await pool.close();
      }
      assert.deepEqual(linesOf(path), ['finalized', 'finalized', 'finalized'], 'two recycled workers, then the third on close()');
    });

    test('does not run on terminate()', async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 2 });
      assert.deepEqual(await Promise.all([pool.run('add', 1, 1), pool.run('add', 2, 2)]), [2, 4]);
      await pool.terminate();
      assert.deepEqual(linesOf(path), []);
    });

    test('terminate() during close() cuts a hanging finalizer short, with no warning', async () => {
      const warnings = finalizerWarnings('finalizeHangs');
      const { path } = marking();
      const pool = make(tasksUrl, { size: 1, finalizer: 'finalizeHangs', finalizerArgs: [path], finalizerTimeout: 600_000 });
      try {
        assert.equal(await pool.run('add', 1, 1), 2);
        const closing = pool.close();
        await eventually(() => linesOf(path).length === 1, 'the finalizer began');
        await pool.terminate();
        await closing;
        assert.equal(pool.size, 0);
        await warningsDelivered();
        assert.deepEqual(warnings.messages, []);
      } finally {
        warnings.stop();
      }
    });

    test('does not run in a worker whose initializer failed', async () => {
      const warnings = finalizerWarnings('finalizeMark');
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 1, initializer: 'initFails' });
      try {
        await assert.rejects(pool.run('add', 1, 1), (e: unknown) => (e as { code?: string }).code === 'ERR_WEFT_INITIALIZER');
      } finally {
        await pool.close();
        await warningsDelivered();
        warnings.stop();
      }
      assert.deepEqual(linesOf(path), []);
      assert.deepEqual(warnings.messages, []);
    });

    test('does not run in a worker that crashed; its replacement runs it on close()', { skip: !caps.isolated && 'the inline backend shares the caller\'s process' }, async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 1 });
      try {
        await rejectsWith(pool.run('exits', 3), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED');
        assert.equal(await pool.run('add', 1, 1), 2);
      } finally {
        await pool.close();
      }
      assert.deepEqual(linesOf(path), ['finalized']);
    });

    test('does not run in a worker stopped because a timed-out task ignored its signal', { skip: !caps.isolated && 'the inline backend cannot stop a spinning task' }, async () => {
      const { path, options } = marking();
      const pool = make(tasksUrl, { ...options, size: 1, cancelGrace: 0 });
      try {
        await rejectsWith(pool.submit('spin', [], { timeout: 50 }), TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT');
        assert.equal(await pool.run('add', 1, 1), 2);
      } finally {
        await pool.close();
      }
      assert.deepEqual(linesOf(path), ['finalized'], 'only the replacement finalized');
    });

    test('a finalizer that throws is a warning with code ERR_WEFT_FINALIZER; the pool stays healthy and close() resolves', async () => {
      const warnings = finalizerWarnings('finalizeFails');
      const pool = make(tasksUrl, { size: 1, maxTasksPerWorker: 2, finalizer: 'finalizeFails' });
      try {
        for (let i = 0; i < 3; i++) assert.equal(await pool.run('add', i, i), 2 * i);
        await pool.close();
        assert.equal(pool.size, 0);
        await warningsDelivered();
        assert.equal(warnings.messages.length, 2, 'the recycled worker, then its replacement on close()');
        for (const message of warnings.messages) assert.match(message, /finalizer 'finalizeFails' failed in a worker: finalizer broke; the worker was stopped anyway/);
      } finally {
        warnings.stop();
      }
    });

    test('a finalizer that never settles is stopped after finalizerTimeout, with a warning; close() resolves', async () => {
      const warnings = finalizerWarnings('finalizeHangs');
      const pool = make(tasksUrl, { size: 2, finalizer: 'finalizeHangs', finalizerTimeout: 100 });
      try {
        assert.deepEqual(await Promise.all([pool.run('add', 1, 1), pool.run('add', 2, 2)]), [2, 4]);
        await pool.close();
        assert.equal(pool.size, 0);
        await warningsDelivered();
        assert.equal(warnings.messages.length, 2);
        for (const message of warnings.messages) assert.match(message, /finalizer 'finalizeHangs' did not finish within finalizerTimeout \(100 ms\)/);
      } finally {
        warnings.stop();
      }
    });

    test('a finalizer that is not an export is a warning naming it; close() resolves', async () => {
      const warnings = finalizerWarnings('noSuchFinalizer');
      const pool = make(tasksUrl, { size: 1, finalizer: 'noSuchFinalizer' });
      try {
        assert.equal(await pool.run('add', 1, 1), 2);
        await pool.close();
        await warningsDelivered();
        assert.equal(warnings.messages.length, 1);
        assert.match(warnings.messages[0]!, /finalizer 'noSuchFinalizer' failed in a worker: the task module .* has no export named 'noSuchFinalizer'/);
      } finally {
        warnings.stop();
      }
    });

    test('invalid finalizer options throw InvalidOptionError naming the option', () => {
      const bad: [PoolOptions, RegExp][] = [
        [{ finalizer: 42 as unknown as string }, /finalizer must be the name of an exported function/],
        [{ finalizerArgs: 'x' as unknown as unknown[] }, /finalizerArgs must be an array/],
        [{ finalizerTimeout: -1 }, /finalizerTimeout must be a finite number/],
        [{ finalizerTimeout: Infinity }, /finalizerTimeout/],
      ];
      for (const [options, message] of bad) {
        assert.throws(
          () => make(tasksUrl, { size: 1, ...options }),
          (e: unknown) => e instanceof InvalidOptionError && e.code === 'ERR_WEFT_INVALID_OPTION' && message.test(e.message),
          JSON.stringify(options),
        );
      }
    });
  });
}
