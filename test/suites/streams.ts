/**
 * Streams (`pool.stream`) and progress (`progress()` from weft/worker), as a suite every
 * backend runs (thread, process, inline): the same behaviour must hold for each.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DataCloneError, GeneratorTaskError, InvalidOptionError, NotAGeneratorError, TaskAbortedError, TaskTimeoutError, type Pool,
} from '../../src/index.js';
import { eventually, rejectsWith } from '../helpers.js';
import type { Capabilities, MakePool } from './backend.js';

type Streams = typeof import('../fixtures/streams.js');
const streamsUrl = new URL('../fixtures/streams.ts', import.meta.url);

/** Drains an async iterable into an array. */
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** The number in the file at `path`, 0 while it does not exist yet. */
function readCount(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8'));
  } catch {
    return 0;
  }
}

/**
 * Streams `yieldsFunction` (1, then a function): the stream yields 1, then fails with
 * DataCloneError saying a yielded value could not be sent. Returns the error.
 */
export async function uncloneableYieldFails(pool: { stream(name: 'yieldsFunction'): AsyncIterable<unknown> }): Promise<Error> {
  const seen: unknown[] = [];
  const error = await rejectsWith(
    (async () => {
      for await (const v of pool.stream('yieldsFunction')) seen.push(v);
    })(),
    DataCloneError,
    'ERR_WEFT_DATA_CLONE',
  );
  assert.deepEqual(seen, [1]);
  assert.match(error.message, /yielded/);
  return error;
}

export function streamSuite(label: string, make: MakePool, caps: Capabilities): void {
  describe(`${label}: streams and progress`, () => {
    const pool = make<Streams>(streamsUrl, { size: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'weft-streams-'));
    after(async () => {
      await pool.terminate();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a stream of 100,000 small values arrives whole and in order', async () => {
      let expected = 0;
      for await (const v of pool.stream('count', 100_000)) {
        if (v !== expected) assert.fail(`value ${expected} arrived as ${v}`);
        expected++;
      }
      assert.equal(expected, 100_000);
    });

    test('sync generators and iterables stream too; done carries the generator return value', async () => {
      const it = pool.stream('countSync', 2);
      assert.deepEqual(await it.next(), { value: 0, done: false });
      assert.deepEqual(await it.next(), { value: 1, done: false });
      assert.deepEqual(await it.next(), { value: 'counted', done: true });
      assert.deepEqual(await it.next(), { value: undefined, done: true });
      assert.deepEqual(await collect(pool.stream('listOf', 5)), [0, 1, 2, 3, 4]);
      assert.deepEqual(await collect(pool.streamWith('countSync', [1000], { window: 1 })), Array.from({ length: 1000 }, (_, i) => i));
    });

    test('break stops the generator: its finally has run in the worker when the loop exits', async () => {
      const mark = join(dir, 'finally.txt');
      let n = 0;
      for await (const v of pool.stream('endless', mark)) {
        assert.equal(v, n);
        if (++n === 10) break;
      }
      assert.equal(readFileSync(mark, 'utf8'), 'finally');
      assert.equal(await pool.run('plain', 1), 2);
    });

    test('a finally that throws on break rejects the break with its error', async () => {
      const loop = (async () => {
        for await (const _ of pool.stream('finallyThrows')) break;
      })();
      await assert.rejects(loop, (e: unknown) => e instanceof TypeError && e.message === 'finally broke');
    });

    test('an error thrown mid-stream arrives at its position, with its class, message, code, fields and remote stack', async () => {
      const seen: number[] = [];
      let error: (Error & { code?: string; at?: number }) | undefined;
      try {
        for await (const v of pool.stream('failsAt', 100)) seen.push(v);
      } catch (e) {
        error = e as Error;
      }
      assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
      assert.ok(error instanceof RangeError, String(error));
      assert.equal(error.message, 'failed after 100 values');
      assert.equal((error as { code?: string }).code, 'E_MID');
      assert.equal((error as { at?: number }).at, 100);
      assert.match(error.stack ?? '', /failsAt/);
    });

    test('back-pressure: the generator runs exactly a window ahead of what the caller took, no further', async () => {
      const path = join(dir, 'made.txt');
      const window = 8;
      const it = pool.streamWith('counted', [path, 10_000], { window });
      let taken = 0;
      for (let round = 0; round < 5; round++) {
        await eventually(() => readCount(path) >= taken + window, `the worker made ${taken + window} values`);
        await sleep(50); // room to run further, if it would
        assert.equal(readCount(path), taken + window, `after ${taken} taken`);
        for (let i = 0; i < window / 2; i++) assert.deepEqual(await it.next(), { value: taken++, done: false });
      }
      await it.return();
    });

    test('progress arrives in order, coalesced, ending with the last value, before the result settles', async () => {
      const seen: number[] = [];
      const future = pool.submit('reports', [5000], { onProgress: (v) => seen.push(v as number) });
      const atSettle = await future.then((result) => [result, seen.slice()] as const);
      assert.equal(atSettle[0], 5000);
      const values = atSettle[1];
      assert.ok(values.length >= 1 && values.length <= 5000);
      assert.equal(values.at(-1), 5000);
      for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `in order at ${i}`);
      await sleep(20);
      assert.equal(seen.length, values.length, 'nothing after the result');
    });

    test('progress from a synchronous task is coalesced to its first and last value; with nobody listening it is a no-op', async () => {
      const seen: unknown[] = [];
      assert.equal(await pool.submit('reportsSync', [1000], { onProgress: (v) => seen.push(v) }), 1000);
      assert.deepEqual(seen, [{ done: 1, total: 1000 }, { done: 1000, total: 1000 }]);
      assert.equal(await pool.run('reportsSync', 1000), 1000);
    });

    test('a stream reports progress too, the last before it ends', async () => {
      const seen: number[] = [];
      const values = await collect(pool.streamWith('countWithProgress', [500], { onProgress: (v) => seen.push(v as number) }));
      assert.equal(values.length, 500);
      assert.equal(seen.at(-1), 500);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!);
    });

    test('a stream cancelled by its signal throws TaskAbortedError; a timeout throws TaskTimeoutError; the pool goes on', async () => {
      const controller = new AbortController();
      const it = pool.streamWith('slow', [5], { signal: controller.signal });
      assert.deepEqual(await it.next(), { value: 0, done: false });
      controller.abort(new Error('enough'));
      const aborted = await rejectsWith(it.next(), TaskAbortedError, 'ERR_WEFT_ABORTED');
      assert.equal((aborted.cause as Error).message, 'enough');
      assert.deepEqual(await it.next(), { value: undefined, done: true });
      const timed = pool.streamWith('slow', [5], { timeout: 100 });
      const error = await rejectsWith(collect(timed), TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT');
      assert.equal(error.timeout, 100);
      const already = AbortSignal.abort('before');
      await rejectsWith(pool.streamWith('count', [3], { signal: already }).next(), TaskAbortedError, 'ERR_WEFT_ABORTED');
      assert.deepEqual(await collect(pool.stream('count', 3)), [0, 1, 2]);
    });

    test('streaming a function that returns no iterator is NotAGeneratorError; running a generator is GeneratorTaskError', async () => {
      await rejectsWith((pool as unknown as Pool).stream('plain', 1).next(), NotAGeneratorError, 'ERR_WEFT_NOT_A_GENERATOR', /plain.*run\(\)/);
      await rejectsWith(pool.run('count', 3), GeneratorTaskError, 'ERR_WEFT_GENERATOR_TASK', /pool\.stream\('count'/);
      await rejectsWith(pool.streamWith('count', [3], { window: 0 }).next(), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION', /window/);
      await rejectsWith(pool.submit('plain', [1], { onProgress: 5 as never }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION', /onProgress/);
    });

    test('return() before the first value stops a stream that has not begun: it never runs', async () => {
      const mark = join(dir, 'never.txt');
      const busy = [pool.streamWith('slow', [5], { timeout: 300 }), pool.streamWith('slow', [5], { timeout: 300 })];
      for (const b of busy) await b.next();
      const queued = pool.stream('endless', mark);
      await queued.return();
      await Promise.all(busy.map((b) => collect(b).catch(() => undefined)));
      assert.equal(await pool.run('plain', 2), 3);
      assert.throws(() => readFileSync(mark), /ENOENT/);
    });

    if (caps.isolated) {
      test('a yielded value that cannot be cloned fails the stream with DataCloneError at its position', async () => {
        await uncloneableYieldFails(pool);
      });
    }
  });
}
