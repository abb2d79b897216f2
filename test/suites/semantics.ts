/**
 * concurrent.futures' promises about when tasks run and how futures report it, as a suite every
 * backend runs (CPython's test_concurrent_futures is the model): up to `size` tasks run at once,
 * a timeout counts from the task's start, cancelled futures are not exceptions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AsCompletedTimeoutError, BrokenPoolError, InvalidOptionError, PoolClosedError, PoolTerminatedError, TaskAbortedError, TimeoutError,
  asCompleted, wait,
} from '../../src/index.js';
import { Barrier } from '../../src/shared/index.js';
import { eventually, rejectsWith } from '../helpers.js';
import { tasksUrl, type Capabilities, type MakePool, type Tasks } from './backend.js';

export function semanticsSuite(label: string, make: MakePool, caps: Capabilities): void {
  describe(`${label}: when tasks run (concurrent.futures semantics)`, () => {
    test('a fresh pool of size 4 runs 4 waiting tasks at once, none queued behind another', async () => {
      const pool = make(tasksUrl, { size: 4 });
      try {
        if (caps.isolated) {
          // Four parties of one Barrier meet only if all four run at once (a queued one would leave the others to time out).
          const barrier = new Barrier(4);
          const arrivals = await Promise.all(Array.from({ length: 4 }, () => pool.run('meet', barrier)));
          assert.deepEqual([...arrivals].sort(), [0, 1, 2, 3]);
        } else {
          const spans = await Promise.all(Array.from({ length: 4 }, () => pool.run('span', 300)));
          const lastStart = Math.max(...spans.map(([start]) => start));
          const firstEnd = Math.min(...spans.map(([, end]) => end));
          assert.ok(lastStart < firstEnd, `every task started before the first one ended: ${JSON.stringify(spans)}`);
        }
      } finally {
        await pool.close();
      }
    });

    test('a pool with waiting work grows to maxSize, also after it has run a call', async () => {
      const pool = make(tasksUrl, { minSize: 1, maxSize: 3 });
      try {
        assert.equal(await pool.run('add', 1, 2), 3);
        const calls = Array.from({ length: 45 }, () => pool.run('span', 20));
        await eventually(() => pool.stats().workers === 3, 'the pool grew to 3 workers');
        await Promise.all(calls);
      } finally {
        await pool.close();
      }
    });

    test('a timeout counts from the start of the task: a slow initializer does not count', async () => {
      const pool = make<Tasks>(tasksUrl, { size: 1, initializer: 'slowInit', initArgs: [600] });
      try {
        assert.equal(await pool.submit('add', [1, 2], { timeout: 200 }), 3);
        assert.equal(await pool.submit('add', [2, 3], { timeout: 200 }), 5);
      } finally {
        await pool.close();
      }
    });

    test('workers that never start are replaced after startTimeout, then the pool breaks: every call fails with BrokenPoolError', async () => {
      const pool = make(new URL('../fixtures/hangs.ts', import.meta.url), { size: 1, startTimeout: 100 });
      try {
        const first = pool.run('add', 1, 2);
        first.catch(() => {}); // checked below, once the failures are counted
        await eventually(() => pool.stats().startFailures >= 1, 'a first start failure is counted');
        await rejectsWith(first, BrokenPoolError, 'ERR_WEFT_BROKEN_POOL', /5 workers in a row failed to start \(the first: the worker did not start within startTimeout \(100 ms\)/);
        assert.equal(pool.stats().state, 'broken');
        assert.match(pool.stats().brokenReason ?? '', /startTimeout/);
        await rejectsWith(pool.run('add', 3, 4), BrokenPoolError, 'ERR_WEFT_BROKEN_POOL');
      } finally {
        await pool.terminate();
      }
    });

    test('an initializer that kills its worker breaks the pool after a few tries, naming the first exit', { skip: !caps.isolated && 'the inline backend shares the caller\'s process' }, async () => {
      const pool = make<Tasks>(tasksUrl, { size: 1, initializer: 'exits', initArgs: [3] });
      try {
        await rejectsWith(pool.run('add', 1, 2), BrokenPoolError, 'ERR_WEFT_BROKEN_POOL', /the worker exited with code 3 before it started/);
      } finally {
        await pool.terminate();
      }
    });

    test('cancel() on a cancelled future returns true again; on a finished one, false', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const f = pool.submit('delayed', [1, 50]);
        assert.equal(f.cancel(), true);
        assert.equal(f.cancel(), true);
        assert.equal(f.cancelled(), true);
        await rejectsWith(f, TaskAbortedError, 'ERR_WEFT_ABORTED');
        const g = pool.submit('add', [1, 1]);
        await g;
        assert.equal(g.cancel(), false);
      } finally {
        await pool.close();
      }
    });

    test('wait(FIRST_EXCEPTION) does not count a cancelled future as an exception', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const slow = pool.submit('delayed', [2, 100]);
        const cancelled = pool.submit('delayed', [1, 100]);
        assert.equal(cancelled.cancel(), true);
        const { done, notDone } = await wait([cancelled, slow], { returnWhen: 'FIRST_EXCEPTION' });
        assert.equal(notDone.size, 0);
        assert.deepEqual([...done].map((f) => f.state).sort(), ['cancelled', 'fulfilled']);
      } finally {
        await pool.close();
      }
    });

    test('asCompleted with timeout 0 first yields the futures already done, then throws its timeout error', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const done = pool.submit('add', [1, 2]);
        await done;
        const pending = pool.submit('delayed', [5, 300]);
        const it = asCompleted([done, pending], { timeout: 0 });
        const first = await it.next();
        assert.equal(first.done, false);
        assert.equal(first.value?.future, done);
        await rejectsWith(it.next(), AsCompletedTimeoutError, 'ERR_WEFT_TIMEOUT');
        await pending;
      } finally {
        await pool.close();
      }
    });

    test('run, submit and map after close() reject with PoolClosedError', async () => {
      const pool = make(tasksUrl, { size: 1 });
      await pool.close();
      await rejectsWith(pool.run('add', 1, 2), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
      await rejectsWith(pool.submit('add', [1, 2]), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
      const drain = async (): Promise<void> => {
        for await (const _ of pool.map('double', [1, 2, 3])) void _;
      };
      await rejectsWith(drain(), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
    });

    test('Future.result() and exception() wait; their timeout rejects with TimeoutError and does not cancel the call', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const slow = pool.submit('delayed', [5, 300]);
        await rejectsWith(slow.result({ timeout: 20 }), TimeoutError, 'ERR_WEFT_TIMEOUT');
        await rejectsWith(slow.exception({ timeout: 20 }), TimeoutError, 'ERR_WEFT_TIMEOUT');
        const controller = new AbortController();
        const aborted = slow.result({ signal: controller.signal });
        controller.abort(new Error('stop waiting'));
        await assert.rejects(aborted, /stop waiting/);
        assert.equal(slow.cancelled(), false);
        assert.equal(await slow.result(), 5);
        assert.equal(await slow.exception(), undefined);
        const failing = pool.submit('throwsCustom', []);
        assert.equal(((await failing.exception()) as Error).message, 'custom failure');
        await assert.rejects(failing.result(), /custom failure/);
        const cancelled = pool.submit('delayed', [1, 100]);
        cancelled.cancel();
        await rejectsWith(cancelled.exception(), TaskAbortedError, 'ERR_WEFT_ABORTED');
        await rejectsWith(slow.result({ timeout: -1 }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
      } finally {
        await pool.close();
      }
    });

    test('addDoneCallback calls each callback exactly once, in order, also when added after completion', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const calls: string[] = [];
        const f = pool.submit('add', [1, 2]);
        f.addDoneCallback((future) => calls.push(`a:${future.state}`));
        f.addDoneCallback(() => calls.push('b'));
        await f;
        assert.deepEqual(calls, ['a:fulfilled', 'b']);
        f.addDoneCallback(() => calls.push('late'));
        assert.deepEqual(calls, ['a:fulfilled', 'b', 'late']);
        const c = pool.submit('delayed', [1, 100]);
        c.addDoneCallback((future) => calls.push(`c:${future.state}`));
        c.cancel();
        await c.catch(() => {});
        assert.deepEqual(calls.at(-1), 'c:cancelled');
        assert.equal(calls.filter((x) => x.startsWith('c:')).length, 1);
      } finally {
        await pool.close();
      }
    });

    test('starmap spreads each argument tuple into the call, in input order, lazily and in chunks', async () => {
      const pool = make(tasksUrl, { size: 2 });
      try {
        const got: number[] = [];
        for await (const n of pool.starmap('add', [[1, 2], [3, 4], [5, 6]])) got.push(n);
        assert.deepEqual(got, [3, 7, 11]);
        async function* pairs(): AsyncGenerator<[number, number]> {
          for (let i = 0; i < 10_000; i++) yield [i, i];
        }
        let sum = 0;
        let count = 0;
        for await (const n of pool.starmap('add', pairs())) {
          assert.equal(n, 2 * count);
          sum += n;
          count++;
        }
        assert.equal(count, 10_000);
        assert.equal(sum, 10_000 * 9_999);
        let pulled = 0;
        function* endless(): Generator<[number, number]> {
          for (;;) yield [pulled++, 1];
        }
        for await (const n of pool.starmap('add', endless())) if (n >= 100) break;
        assert.ok(pulled < 100_000, `pulled ${pulled} tuples from an endless input`);
        const unordered: number[] = [];
        for await (const n of pool.starmap('add', [[1, 1], [2, 2], [3, 3]], { ordered: false })) unordered.push(n);
        assert.deepEqual(unordered.sort(), [2, 4, 6]);
      } finally {
        await pool.close();
      }
    });

    test('close({ cancelPending: true }) cancels the calls that have not begun; the running one finishes', async () => {
      const pool = make(tasksUrl, { size: 1 });
      const running = pool.submit('delayed', [7, 200]);
      await eventually(() => running.state === 'running', 'the first call runs');
      const waiting = [pool.submit('add', [1, 2]), pool.submit('add', [3, 4])];
      await pool.close({ cancelPending: true });
      assert.equal(await running, 7);
      for (const f of waiting) {
        await rejectsWith(f, TaskAbortedError, 'ERR_WEFT_ABORTED');
        assert.equal(f.cancelled(), true);
      }
      await rejectsWith(pool.run('add', 1, 1), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
    });

    test('close({ timeout }) terminates what still runs after the timeout; a bad timeout is a named error', async () => {
      const pool = make(tasksUrl, { size: 1 });
      await rejectsWith(pool.close({ timeout: -1 }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
      const stuck = pool.submit('delayed', [1, 60_000]);
      await eventually(() => stuck.state === 'running', 'the call runs');
      await pool.close({ timeout: 100 });
      await rejectsWith(stuck, PoolTerminatedError, 'ERR_WEFT_POOL_TERMINATED');
    });

    test('a map stopped by its signal cancels the chunks it submitted that have not started', async () => {
      const pool = make(tasksUrl, { size: 1 });
      try {
        const controller = new AbortController();
        const items = Array.from({ length: 12 }, () => 100);
        const consume = async (): Promise<void> => {
          for await (const _ of pool.map('span', items, { chunkSize: 1, window: 12, signal: controller.signal })) void _;
        };
        const running = consume();
        await eventually(() => pool.stats().queued > 0, 'chunks wait in the pool queue');
        controller.abort();
        await rejectsWith(running, TaskAbortedError, 'ERR_WEFT_ABORTED');
        assert.equal(pool.stats().queued, 0);
        assert.ok(pool.stats().cancelled > 0);
      } finally {
        await pool.close();
      }
    });

    test('FIRST_COMPLETED returns the quick call while another blocks, a second worker being free', { skip: !caps.isolated && 'a blocking call blocks the caller\'s own loop' }, async () => {
      const pool = make(tasksUrl, { size: 2 });
      try {
        const slow = pool.submit('sleepSync', [800]);
        const quick = pool.submit('add', [1, 2]);
        const { done, notDone } = await wait([slow, quick], { returnWhen: 'FIRST_COMPLETED' });
        assert.ok(done.has(quick) && notDone.has(slow));
        await slow;
      } finally {
        await pool.close();
      }
    });

    test('a call sent ahead to a busy worker is pending, not running, and cancel() keeps it from ever running', { skip: !caps.isolated && 'a blocking call blocks the caller\'s own loop' }, async () => {
      const pool = make(tasksUrl, { size: 1 });
      const dir = mkdtempSync(join(tmpdir(), 'weft-cancel-'));
      try {
        assert.equal(await pool.run('add', 0, 0), 0); // the worker is up
        const busy = pool.submit('sleepSync', [1500]); // long enough that a loaded machine still sees both calls out
        const mark = join(dir, 'mark');
        const behind = pool.submit('writeMark', [mark]);
        await eventually(() => pool.stats().running === 2, 'the second call was sent to the busy worker');
        assert.equal(behind.state, 'pending');
        assert.equal(behind.running(), false);
        assert.equal(behind.cancel(), true);
        await rejectsWith(behind, TaskAbortedError, 'ERR_WEFT_ABORTED');
        assert.equal(await busy, 1500);
        assert.equal(await pool.run('add', 1, 2), 3); // the worker went on past the skipped call
        assert.equal(existsSync(mark), false, 'the cancelled call never ran');
        assert.equal(pool.stats().running, 0);
      } finally {
        await pool.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('with default options a worker overlaps the waits of async calls: 12 waits on 2 workers all run at once', { skip: !caps.isolated && 'AsyncPool runs size calls at once by definition' }, async () => {
      const pool = make(tasksUrl, { size: 2 });
      try {
        await Promise.all([pool.run('span', 1), pool.run('span', 1)]); // the pool learns that span awaits
        const spans = await Promise.all(Array.from({ length: 12 }, () => pool.run('span', 300)));
        const lastStart = Math.max(...spans.map(([start]) => start));
        const firstEnd = Math.min(...spans.map(([, end]) => end));
        assert.ok(lastStart < firstEnd, `every call started before the first one ended: ${JSON.stringify(spans)}`);
      } finally {
        await pool.close();
      }
    });
  });
}
