/**
 * The executor contract, as a suite every backend runs (thread, process, inline): switching
 * model is a one-word change, so the same behaviour must hold for each.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DataCloneError, Future, InvalidOptionError, ModuleLoadError, NotAFunctionError, PoolClosedError, Pool,
  PoolTerminatedError, QueueFullError, TaskAbortedError, TaskTimeoutError, ThrownValueError, UnknownTaskError, WorkerExitedError,
  asCompleted, wait, type PoolOptions,
} from '../../src/index.js';
import { eventually, rejectsWith } from '../helpers.js';

export type Tasks = typeof import('../fixtures/tasks.js');
export const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);

/** What a backend can be asked to survive: the inline backend shares the caller's thread. */
export interface Capabilities {
  /** Tasks run outside the caller's thread: a spinning task can be stopped, a crash contained. */
  isolated: boolean;
  /**
   * Tasks run on workers elsewhere, through a queue server (RedisPool): the task module is the
   * workers' (this side does not load or check it), and the pool neither starts nor counts workers.
   */
  remote?: boolean;
}

/** Why a test of the contract does not apply to a remote pool. */
const WORKERS_ARE_REMOTE = 'a remote pool does not load the task module nor start workers: its workers refuse to start on a broken module (tested in test/redis/)';

export type MakePool = <M = Tasks>(module: URL | string, options?: PoolOptions) => Pool<M>;

export function backendSuite(label: string, make: MakePool, caps: Capabilities): void {
  describe(`${label}: the executor contract`, () => {
    const pool = make(tasksUrl, { size: 2 });
    after(() => pool.terminate());

    test('run returns the result of sync and async tasks', async () => {
      assert.equal(await pool.run('add', 2, 3), 5);
      assert.equal(await pool.run('delayed', 7, 5), 7);
      assert.deepEqual(await pool.run('echo', { a: [1, 2], m: new Map([[1, 'x']]) }), { a: [1, 2], m: new Map([[1, 'x']]) });
    });

    test('values JSON would change cross unchanged, alone and among plain data', async () => {
      const named = Object.assign([1, 2], { label: 'x' });
      const tricky: unknown[] = [-0, Number.NaN, Infinity, undefined, [1, , 3], named, { a: undefined }, 2n ** 70n, new Date(0), /re/g];
      for (const value of tricky) {
        assert.deepStrictEqual(await pool.run('echo', value), value);
        assert.deepStrictEqual(await pool.run('echo', ['plain', 1, { nested: [value] }]), ['plain', 1, { nested: [value] }]);
      }
      assert.ok(Object.is(await pool.run('echo', -0), -0));
      const plain = { s: 'é\u2028\ud800', n: [0, 1.5, -2e300, Number.MAX_SAFE_INTEGER], t: true, z: null, o: { deep: [[[]]] } };
      assert.deepStrictEqual(await pool.run('echo', plain), plain);
    });

    test('a primitive sent alone, as the argument of a call of its own, comes back exactly', async () => {
      // A lone call of one primitive skips the batch array on the way (backends/lone.ts): every kind of primitive must survive that road.
      const values: unknown[] = [
        0, -0, 1.5, -2e300, 5e-324, Number.MAX_VALUE, Number.NaN, Infinity, -Infinity, 2n ** 70n, -5n, true, false, null, undefined,
        '', 'L1,2,n3', '[1,2]', '{"a":1}', 'a,b,c', 'é\u2028\ud800', 'n', 's', 'x'.repeat(10_000),
      ];
      for (const value of values) {
        assert.ok(Object.is(await pool.run('echo', value), value), `echo(${String(value).slice(0, 20)})`);
        assert.ok(Object.is(await pool.run('giveBack', value), value), `giveBack(${String(value).slice(0, 20)})`);
      }
    });

    test('a result returned through move() arrives whole', async () => {
      const buf = await pool.run('makeBuffer', 1024);
      assert.equal(buf.byteLength, 1024);
      assert.equal(new Uint8Array(buf)[1023], 7);
    });

    test('many concurrent tasks all settle with their own results', async () => {
      const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => pool.run('echo', i)));
      assert.deepEqual(results, Array.from({ length: 5000 }, (_, i) => i));
    });

    test('an Error thrown in a task keeps its class name, message, code, cause, props and remote stack', async () => {
      const error = (await pool.run('throwsCustom').catch((e: unknown) => e)) as Error & { code: string; extra: number };
      assert.equal(error.name, 'CustomError');
      assert.equal(error.message, 'custom failure');
      assert.equal(error.code, 'E_CUSTOM');
      assert.equal(error.extra, 42);
      assert.ok(error.cause instanceof RangeError);
      assert.equal((error.cause as Error).message, 'root cause');
      assert.match(error.stack ?? '', /throwsCustom/);
    });

    test('an async rejection keeps its built-in class', async () => {
      await assert.rejects(pool.run('rejectsTypeError'), (e: unknown) => e instanceof TypeError && e.message === 'async type error');
    });

    test('a thrown string or object arrives as ThrownValueError with the value intact', async () => {
      const s = await rejectsWith(pool.run('throwsString'), ThrownValueError, 'ERR_WEFT_NON_ERROR_THROWN', /throwsString/);
      assert.equal(s.value, 'plain string');
      const o = await rejectsWith(pool.run('throwsObject'), ThrownValueError, 'ERR_WEFT_NON_ERROR_THROWN');
      assert.deepEqual(o.value, { reason: 'object', n: 1 });
    });

    test('an unknown task name is a named error, and the pool stays healthy', async () => {
      const untyped = pool as unknown as Pool;
      await rejectsWith(untyped.run('nope'), UnknownTaskError, 'ERR_WEFT_UNKNOWN_TASK', /no export named 'nope'.*echo/);
      await rejectsWith(untyped.run(42 as unknown as string), UnknownTaskError, 'ERR_WEFT_UNKNOWN_TASK');
      assert.equal(await pool.run('add', 1, 1), 2);
    });

    test('an export that is not a function is a named error', async () => {
      await rejectsWith((pool as unknown as Pool).run('notAFunction'), NotAFunctionError, 'ERR_WEFT_NOT_A_FUNCTION', /notAFunction/);
      assert.equal(await pool.run('add', 1, 2), 3);
    });

    test('a missing task module fails at construction, naming the path', { skip: caps.remote && WORKERS_ARE_REMOTE }, () => {
      assert.throws(() => make('/no/such/dir/tasks.js', { size: 1 }), (e: unknown) => e instanceof ModuleLoadError && e.code === 'ERR_WEFT_MODULE_LOAD' && e.message.includes('/no/such/dir/tasks.js'));
    });

    test('a module that fails to load rejects its tasks with ModuleLoadError naming it', { skip: caps.remote && WORKERS_ARE_REMOTE }, async () => {
      const broken = make<Record<string, () => void>>(new URL('../fixtures/broken.ts', import.meta.url), { size: 1 });
      try {
        await rejectsWith(broken.run('never'), ModuleLoadError, 'ERR_WEFT_MODULE_LOAD', /broken\.ts.*failed at load time/);
        await rejectsWith(broken.run('never'), ModuleLoadError, 'ERR_WEFT_MODULE_LOAD');
      } finally {
        await broken.terminate();
      }
    });

    if (caps.isolated) {
      test('arguments that cannot be cloned are a named error naming the task; the rest of the batch runs', async () => {
        const bad = pool.run('echo', (() => 1) as unknown as number);
        const good = pool.run('echo', 5);
        await rejectsWith(bad, DataCloneError, 'ERR_WEFT_DATA_CLONE', /task 'echo'/);
        await rejectsWith(pool.run('echo', Symbol('s') as unknown as number), DataCloneError, 'ERR_WEFT_DATA_CLONE', /task 'echo'/);
        assert.equal(await good, 5);
      });

      test('process.exit in a task fails only that task, with the exit code; the others complete and the worker is replaced', async () => {
        const p = make(tasksUrl, { size: 2 });
        try {
          const others = Array.from({ length: 200 }, (_, i) => p.run('echo', i));
          const exiting = p.run('exits', 3);
          const more = Array.from({ length: 200 }, (_, i) => p.run('echo', i));
          const error = await rejectsWith(exiting, WorkerExitedError, 'ERR_WEFT_WORKER_EXITED', /exits.*code 3/);
          assert.equal(error.exitCode, 3);
          assert.deepEqual(await Promise.all([...others, ...more]), [...Array(200).keys(), ...Array(200).keys()]);
          if (!caps.remote) await eventually(() => p.size === 2, 'the pool replaced the worker'); // a remote worker replaces its own
        } finally {
          await p.close();
        }
      });

      test('tasks sent behind a crashing task in the same batch are re-dispatched, never failed', async () => {
        const p = make(tasksUrl, { size: 1 });
        try {
          const exiting = p.run('exits', 1);
          const behind = Array.from({ length: 50 }, (_, i) => p.run('echo', i));
          await rejectsWith(exiting, WorkerExitedError, 'ERR_WEFT_WORKER_EXITED');
          assert.deepEqual(await Promise.all(behind), [...Array(50).keys()]);
        } finally {
          await p.close();
        }
      });

      test('an uncaught error thrown later in a worker fails its task with the error as cause', async () => {
        const p = make(tasksUrl, { size: 1 });
        try {
          const error = await rejectsWith(p.run('crashesLater'), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED', /uncaught in worker/);
          assert.equal((error.cause as Error).message, 'uncaught in worker');
          assert.equal(await p.run('add', 1, 1), 2);
        } finally {
          await p.close();
        }
      });

      test('a result that cannot be cloned is a named error naming the task', async () => {
        await rejectsWith(pool.run('returnsFunction'), DataCloneError, 'ERR_WEFT_DATA_CLONE', /task 'returnsFunction'/);
        assert.equal(await pool.run('add', 2, 2), 4);
      });

      test('a task that never returns is stopped by its timeout and the pool stays healthy', async () => {
        await rejectsWith(pool.submit('spin', [], { timeout: 100 }), TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT', /spin/);
        await rejectsWith(pool.submit('never', [], { timeout: 50 }), TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT');
        assert.deepEqual(await Promise.all([pool.run('add', 1, 1), pool.run('add', 2, 2), pool.run('add', 3, 3)]), [2, 4, 6]);
      });

      test('aborting a running task that ignores its signal stops it; other tasks go on', async () => {
        const controller = new AbortController();
        const spinning = pool.submit('spin', [], { signal: controller.signal });
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(spinning.state, 'running');
        controller.abort(new Error('enough'));
        const error = await rejectsWith(spinning, TaskAbortedError, 'ERR_WEFT_ABORTED');
        assert.equal((error.cause as Error).message, 'enough');
        assert.equal(spinning.state, 'cancelled');
        assert.equal(await pool.run('add', 4, 4), 8);
      });
    }

    test('a cooperative task sees its AbortSignal fire', async () => {
      const controller = new AbortController();
      const f = pool.submit('cooperative', [], { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 30));
      controller.abort();
      await rejectsWith(f, TaskAbortedError, 'ERR_WEFT_ABORTED');
      assert.equal(await pool.run('add', 1, 2), 3);
    });

    test('a timeout counts from when the task starts, not while it waits in the queue', async () => {
      const one = make(tasksUrl, { size: 1 });
      try {
        const busy = one.submit('delayed', [1, 300], { timeout: 5000 });
        const queued = one.submit('delayed', [2, 20], { timeout: 200 });
        assert.deepEqual(await Promise.all([busy, queued]), [1, 2]);
      } finally {
        await one.close();
      }
    });

    test('an already-aborted signal rejects at once; a queued task is dropped at once when aborted', async () => {
      await rejectsWith(pool.submit('add', [1, 1], { signal: AbortSignal.abort() }), TaskAbortedError, 'ERR_WEFT_ABORTED');
      const one = make(tasksUrl, { size: 1 });
      try {
        const busy = one.submit('delayed', [1, 300], { timeout: 5000 });
        const controller = new AbortController();
        const queued = one.submit('add', [1, 1], { signal: controller.signal });
        controller.abort();
        await rejectsWith(queued, TaskAbortedError, 'ERR_WEFT_ABORTED');
        // running once its worker has started (booted, module loaded) and begun it
        await eventually(() => busy.state === 'running', 'the busy task is running');
        assert.equal(await busy, 1);
      } finally {
        await one.close();
      }
    });

    test('higher priority runs first among queued tasks', async () => {
      const one = make(tasksUrl, { size: 1 });
      try {
        const order: string[] = [];
        const busy = one.submit('delayed', [0, 100], { timeout: 5000 });
        const low = one.submit('echo', ['low'], { priority: 0 }).then((v) => order.push(String(v)));
        const high = one.submit('echo', ['high'], { priority: 5 }).then((v) => order.push(String(v)));
        await Promise.all([busy, low, high]);
        assert.deepEqual(order, ['high', 'low']);
      } finally {
        await one.close();
      }
    });

    test('a Future reports its state; cancel drops a queued task and refuses a finished one', async () => {
      const one = make(tasksUrl, { size: 1 });
      try {
        const busy = one.submit('delayed', [1, 100], { timeout: 5000 });
        const queued = one.submit('add', [1, 2]);
        assert.ok(queued instanceof Future);
        assert.equal(queued.state, 'pending');
        assert.equal(queued.cancel('no longer needed'), true);
        assert.equal(queued.cancelled(), true);
        await rejectsWith(queued, TaskAbortedError, 'ERR_WEFT_ABORTED');
        assert.equal(await busy, 1);
        assert.equal(busy.state, 'fulfilled');
        assert.equal(busy.cancel(), false);
        assert.equal(busy.value(), 1);
      } finally {
        await one.close();
      }
    });

    test('wait(FIRST_COMPLETED) returns as soon as one is done; ALL_COMPLETED waits for all', async () => {
      const fast = pool.submit('delayed', [1, 5]);
      const slow = pool.submit('delayed', [2, 300]);
      const first = await wait([fast, slow], { returnWhen: 'FIRST_COMPLETED' });
      assert.ok(first.done.has(fast));
      assert.ok(first.notDone.has(slow));
      const all = await wait([fast, slow]);
      assert.equal(all.done.size, 2);
      assert.equal(all.notDone.size, 0);
      await assert.rejects(wait([fast], { returnWhen: 'SOMETIMES' as 'ALL_COMPLETED' }), InvalidOptionError);
    });

    test('asCompleted yields futures in completion order', async () => {
      const slow = pool.submit('delayed', [2, 200]);
      const fast = pool.submit('delayed', [1, 5]);
      const seen: number[] = [];
      for await (const c of asCompleted([slow, fast])) {
        assert.equal(c.status, 'fulfilled');
        if (c.status === 'fulfilled') seen.push(c.value);
        assert.ok(c.future === slow || c.future === fast);
      }
      assert.deepEqual(seen, [1, 2]);
    });

    test('map yields results in input order, from sync and async iterables', async () => {
      const input = Array.from({ length: 2000 }, (_, i) => i);
      const out: number[] = [];
      for await (const r of pool.map('double', input)) out.push(r);
      assert.deepEqual(out, input.map((x) => x * 2));
      async function* gen(): AsyncGenerator<number> {
        for (let i = 0; i < 100; i++) yield i;
      }
      const out2: number[] = [];
      for await (const r of pool.map('double', gen(), { chunkSize: 7 })) out2.push(r);
      assert.deepEqual(out2, Array.from({ length: 100 }, (_, i) => i * 2));
    });

    test('map(...).chunks() yields the same results a chunk at a time, and a failure after the results before it', async () => {
      const input = Array.from({ length: 5000 }, (_, i) => i);
      const out: number[] = [];
      let chunks = 0;
      for await (const chunk of pool.map('double', input).chunks()) {
        chunks++;
        for (let i = 0; i < chunk.length; i++) out.push(chunk[i]!);
      }
      assert.deepEqual(out, input.map((x) => x * 2));
      assert.ok(chunks < 5000, 'results came in chunks');
      const before: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const chunk of pool.map('fails', input.slice(0, 50), { chunkSize: 8 }).chunks()) before.push(...Array.from(chunk));
        })(),
        /thirteen/,
      );
      assert.deepEqual(before, Array.from({ length: 13 }, (_, i) => i));
    });

    test('map with ordered: false yields every result once', async () => {
      const out: number[] = [];
      for await (const r of pool.map('double', [3, 1, 2], { ordered: false, chunkSize: 1 })) out.push(r);
      assert.deepEqual(out.sort(), [2, 4, 6]);
    });

    test('map pulls input lazily: an endless generator stays bounded and stops on break', async () => {
      let pulled = 0;
      let closed = false;
      function* endless(): Generator<number> {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        } finally {
          closed = true;
        }
      }
      let seen = 0;
      for await (const r of pool.map('double', endless(), { chunkSize: 10, window: 4 })) {
        assert.equal(r, seen * 2);
        if (++seen === 100) break;
      }
      assert.ok(pulled <= 100 + 10 * 4 + 10, `pulled ${pulled} items for 100 results`);
      assert.ok(closed, 'the input generator was closed');
    });

    test('a failing item throws from map at its position, after the results before it', async () => {
      const out: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const r of pool.map('fails', Array.from({ length: 50 }, (_, i) => i), { chunkSize: 8 })) out.push(r);
        })(),
        /thirteen/,
      );
      assert.deepEqual(out, Array.from({ length: 13 }, (_, i) => i));
    });

    test('map stops with TaskAbortedError when its signal aborts', async () => {
      const controller = new AbortController();
      let n = 0;
      await rejectsWith(
        (async () => {
          for await (const _ of pool.map('double', Array.from({ length: 100_000 }, (_, i) => i), { signal: controller.signal })) {
            if (++n === 10) controller.abort();
          }
        })(),
        TaskAbortedError,
        'ERR_WEFT_ABORTED',
      );
      assert.equal(n, 10);
    });

    test('bad map options are named errors', () => {
      assert.throws(() => pool.map('double', [1], { chunkSize: 0 }), InvalidOptionError);
      assert.throws(() => pool.map('double', 5 as unknown as number[]), InvalidOptionError);
    });

    test('a full queue rejects with QueueFullError; the pool stays healthy', async () => {
      // A remote pool cannot tell a running call from a queued one: its maxQueue counts the running one too.
      const small = make(tasksUrl, { size: 1, maxQueue: caps.remote ? 3 : 2 });
      try {
        const busy = small.submit('delayed', [1, 100], { timeout: 5000 });
        await new Promise((r) => setTimeout(r, 20));
        const a = small.run('add', 1, 1);
        const b = small.run('add', 2, 2);
        await rejectsWith(small.run('add', 3, 3), QueueFullError, 'ERR_WEFT_QUEUE_FULL', /maxQueue: [23]/);
        assert.deepEqual(await Promise.all([busy, a, b]), [1, 2, 4]);
        assert.equal(await small.run('add', 5, 5), 10);
      } finally {
        await small.close();
      }
    });

    test('invalid pool and call options are named errors', async () => {
      for (const options of [{ size: 0 }, { size: -1 }, { size: Number.NaN }, { size: 1.5 }, { minSize: 3, maxSize: 2 }, { maxQueue: -1 }, { idleTimeout: -5 }, { size: 2, maxSize: 3 }, { startTimeout: -1 }, { startTimeout: Number.NaN }, { concurrentTasksPerWorker: 0 }]) {
        assert.throws(() => make(tasksUrl, options), (e: unknown) => e instanceof InvalidOptionError && e.code === 'ERR_WEFT_INVALID_OPTION', JSON.stringify(options));
      }
      await rejectsWith(pool.submit('add', [1, 1], { timeout: -1 }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION', /timeout/);
      await rejectsWith(pool.submit('add', [1, 1], { timeout: Number.NaN }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
      await rejectsWith(pool.submit('add', [1, 1], { priority: Number.NaN }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
      assert.equal(await pool.run('add', 1, 1), 2);
    });

    test('close drains accepted work, then refuses new tasks', async () => {
      const p = make(tasksUrl, { size: 2 });
      const pending = [p.run('delayed', 1, 50), p.run('delayed', 2, 10), p.run('add', 1, 2)];
      const closed = p.close();
      await rejectsWith(p.run('add', 1, 1), PoolClosedError, 'ERR_WEFT_POOL_CLOSED', /closed/);
      assert.deepEqual(await Promise.all(pending), [1, 2, 3]);
      await closed;
      assert.equal(p.size, 0);
    });

    test('terminate rejects queued and running tasks with PoolTerminatedError', async () => {
      const p = make(tasksUrl, { size: 1 });
      const running = p.submit('delayed', [1, 1000], { timeout: 5000 });
      const queued = p.run('add', 1, 1);
      const outcomes = Promise.all([
        rejectsWith(running, PoolTerminatedError, 'ERR_WEFT_POOL_TERMINATED'),
        rejectsWith(queued, PoolTerminatedError, 'ERR_WEFT_POOL_TERMINATED'),
      ]);
      await new Promise((r) => setTimeout(r, 20));
      await p.terminate();
      await outcomes;
      await rejectsWith(p.run('add', 1, 1), PoolClosedError, 'ERR_WEFT_POOL_CLOSED', /terminated/);
    });

    test('await using closes the pool at scope exit', async () => {
      let ref: Pool<Tasks> | undefined;
      {
        await using p = make(tasksUrl, { size: 1 });
        ref = p;
        assert.equal(await p.run('add', 2, 2), 4);
      }
      await rejectsWith(ref.run('add', 1, 1), PoolClosedError, 'ERR_WEFT_POOL_CLOSED');
    });

    test('stats reports counters, percentiles and utilization', async () => {
      const p = make(tasksUrl, { size: 2 });
      try {
        await Promise.all(Array.from({ length: 50 }, (_, i) => p.run('echo', i)));
        await p.run('throwsString').catch(() => {});
        // a remote pool reads its workers from Redis in the background: the first reading may predate the worker's connection
        if (caps.remote) await eventually(() => p.stats().workers >= 1, 'the pool read its workers from Redis');
        const s = p.stats();
        assert.equal(s.completed, 50);
        assert.equal(s.failed, 1);
        assert.equal(s.queued, 0);
        assert.equal(s.running, 0);
        assert.ok(s.workers >= 1 && s.workers <= 2);
        assert.ok(s.runTime.count > 0 && s.runTime.p50 >= 1 && s.runTime.p99 >= s.runTime.p50);
        assert.ok(s.waitTime.count > 0);
        assert.ok(s.utilization >= 0 && s.utilization <= 1);
      } finally {
        await p.close();
      }
    });

    test('an initializer runs once in each worker before its tasks; a failing one is a named error', async () => {
      const p = make(tasksUrl, { size: 2, initializer: 'init', initArgs: ['ready'] });
      try {
        assert.deepEqual(await Promise.all([p.run('initValue'), p.run('initValue')]), ['ready', 'ready']);
      } finally {
        await p.close();
      }
      if (caps.remote) return; // a remote worker whose initializer fails refuses to start (tested in test/redis/)
      const q = make(tasksUrl, { size: 1, initializer: 'initFails' });
      try {
        await assert.rejects(q.run('add', 1, 1), (e: unknown) => (e as { code?: string }).code === 'ERR_WEFT_INITIALIZER' && /init broke/.test((e as Error).message));
      } finally {
        await q.close();
      }
    });
  });
}
