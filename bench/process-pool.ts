// ProcessPool benchmark: weft's ProcessPool next to a raw `fork` + `process.send` baseline
// (one message per task each way), tinypool's child_process runtime and workerpool's
// process mode, all in one run. Run on demand: `npm run build && node --import tsx bench/process-pool.ts`
// (weft is measured as shipped, from dist/). `--quick` cuts rounds. Never part of `npm test`.
//
// Benches: tiny-100k (100,000 echo tasks, all submitted at once), map-1m (1,000,000 small
// numbers: weft's map; anchors get a chunked map over run), fib (16 x fib(32) on 2
// processes: speedup over the same work on the main thread), startup (new pool to first
// result, ProcessPool next to ThreadPool and a bare fork).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { chunkedMap } from './lib/chunked.js';
import { median, perSecond, rounds, timeMs } from './lib/measure.js';
import { emit, printSummary, printTargets, valueOf, type Measurement, type Target } from './lib/report.js';

const SIZE = 2;
const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url);
const WORKERPOOL_WORKER = new URL('./fixtures/workerpool-worker.mjs', import.meta.url);
const RAW_CHILD = `
  const tasks = await import(${JSON.stringify(TASKS.href)});
  process.on('message', ([id, name, arg]) => {
    try { process.send([id, true, tasks[name](arg)]); } catch (err) { process.send([id, false, String(err)]); }
  });
  process.on('disconnect', () => process.exit(0));
`;
/** Children of every pool start without the bench's own `--import tsx`: all run plain JS. */
const EXEC_ARGV: string[] = [];

interface Adapter {
  run(name: string, arg: unknown): Promise<unknown>;
  map(source: Iterable<number>): AsyncIterable<unknown>;
  /** weft only: the same map consumed a chunk at a time (`map(...).chunks()`). */
  mapChunks?(source: Iterable<number>): AsyncIterable<ArrayLike<unknown>>;
  close(): Promise<void>;
}
interface Impl {
  name: string;
  create(size: number): Adapter;
}

/** Raw baseline: N forked children, one `process.send` per task and per result, least-busy dispatch. */
const raw: Impl = {
  name: 'raw-fork',
  create(size) {
    const children: ChildProcess[] = [];
    const busy: number[] = [];
    const pending = new Map<number, [(v: unknown) => void, (e: Error) => void, number]>();
    let next = 0;
    for (let i = 0; i < size; i++) {
      // Plain JS child (no tsx): `node -e` with an IPC channel.
      const child = spawn(process.execPath, ['--input-type=module', '-e', RAW_CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      child.on('message', ([id, ok, value]: [number, boolean, unknown]) => {
        const p = pending.get(id)!;
        pending.delete(id);
        busy[p[2]]!--;
        if (ok) p[0](value);
        else p[1](new Error(String(value)));
      });
      children.push(child);
      busy.push(0);
    }
    const run = (name: string, arg: unknown): Promise<unknown> =>
      new Promise((resolve, reject) => {
        let best = 0;
        for (let i = 1; i < size; i++) if (busy[i]! < busy[best]!) best = i;
        const id = next++;
        busy[best]!++;
        pending.set(id, [resolve, reject, best]);
        children[best]!.send([id, name, arg]);
      });
    return {
      run,
      map: (source) => chunkedMap(source, (chunk) => run('echoChunk', chunk) as Promise<unknown[]>),
      close: async () => {
        await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.disconnect()))));
      },
    };
  },
};

const tinypool: Impl = {
  name: 'tinypool',
  create(size) {
    const pool = new Tinypool({ filename: TASKS.href, runtime: 'child_process', minThreads: size, maxThreads: size, execArgv: EXEC_ARGV });
    const run = (name: string, arg: unknown): Promise<unknown> => pool.run(arg, { name }) as Promise<unknown>;
    return { run, map: (source) => chunkedMap(source, (chunk) => run('echoChunk', chunk) as Promise<unknown[]>), close: () => pool.destroy() };
  },
};

const workerpoolImpl: Impl = {
  name: 'workerpool',
  create(size) {
    const pool = workerpool.pool(fileURLToPath(WORKERPOOL_WORKER), { minWorkers: size, maxWorkers: size, workerType: 'process', forkOpts: { execArgv: EXEC_ARGV } });
    const run = async (name: string, arg: unknown): Promise<unknown> => (await pool.exec(name, [arg])) as unknown;
    return {
      run,
      map: (source) => chunkedMap(source, (chunk) => run('echoChunk', chunk) as Promise<unknown[]>),
      close: async () => void (await pool.terminate()),
    };
  },
};

interface WeftPool {
  run(name: string, arg: unknown): Promise<unknown>;
  map(name: string, source: Iterable<unknown>): AsyncIterable<unknown> & { chunks(): AsyncIterable<ArrayLike<unknown>> };
  close(): Promise<void>;
}
type WeftCtor = new (module: URL, options: { size: number; execArgv?: string[] }) => WeftPool;

async function loadWeft(): Promise<{ ProcessPool: WeftCtor; ThreadPool: WeftCtor }> {
  const mod = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, unknown>;
  if (typeof mod.ProcessPool !== 'function') throw new Error('dist/index.js has no ProcessPool: run `npm run build` first');
  return { ProcessPool: mod.ProcessPool as WeftCtor, ThreadPool: mod.ThreadPool as WeftCtor };
}

function weftImpl(name: string, Ctor: WeftCtor): Impl {
  return {
    name,
    create(size) {
      const pool = new Ctor(TASKS, { size, execArgv: EXEC_ARGV });
      return {
        run: (n, a) => pool.run(n, a),
        map: (source) => pool.map('echo', source),
        mapChunks: (source) => pool.map('echo', source).chunks(),
        close: () => pool.close(),
      };
    },
  };
}

async function withPool<T>(impl: Impl, fn: (pool: Adapter) => Promise<T>): Promise<T> {
  const pool = impl.create(SIZE);
  try {
    await Promise.all(Array.from({ length: 4 * SIZE }, (_, i) => pool.run('echo', i)));
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

async function benchTiny(impl: Impl, n: number, count: number): Promise<Measurement> {
  const rates = await withPool(impl, async (pool) => {
    await Promise.all(Array.from({ length: 5000 }, (_, i) => pool.run('echo', i)));
    return rounds(count, async () => {
      const tasks = new Array<Promise<unknown>>(n);
      const ms = await timeMs(async () => {
        for (let i = 0; i < n; i++) tasks[i] = pool.run('echo', i);
        const results = await Promise.all(tasks);
        if (results[n - 1] !== n - 1) throw new Error(`${impl.name}: wrong result`);
      });
      return perSecond(n, ms);
    });
  });
  return { bench: 'tiny-100k', impl: impl.name, value: median(rates), unit: 'tasks/s', better: 'higher', rounds: rates, extra: { n } };
}

/** map over n small numbers, consumed item by item (or, with `chunked`, a chunk at a time through weft's `chunks()`). */
async function benchMap(impl: Impl, n: number, count: number, chunked = false): Promise<Measurement> {
  const rates = await withPool(impl, (pool) =>
    rounds(count, async () => {
      let seen = 0;
      const check = (r: unknown): void => {
        if (r !== (seen++ & 0xff)) throw new Error(`${impl.name}: map out of order`);
      };
      const ms = await timeMs(async () => {
        const source = (function* () {
          for (let i = 0; i < n; i++) yield i & 0xff;
        })();
        if (chunked) {
          for await (const chunk of pool.mapChunks!(source)) for (let i = 0; i < chunk.length; i++) check(chunk[i]);
        } else for await (const r of pool.map(source)) check(r);
      });
      if (seen !== n) throw new Error(`${impl.name}: map yielded ${seen} of ${n}`);
      return perSecond(n, ms);
    }),
  );
  const name = chunked ? `${impl.name}-chunks` : impl.name;
  return { bench: 'map-1m', impl: name, value: median(rates), unit: 'items/s', better: 'higher', rounds: rates, extra: { n } };
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

async function benchFib(impl: Impl, tasks: number, n: number, count: number): Promise<Measurement> {
  const expected = tasks * fib(n);
  const speedups = await withPool(impl, async (pool) => {
    await Promise.all(Array.from({ length: 2 * SIZE }, () => pool.run('fib', 25)));
    return rounds(count, async () => {
      const seq = await timeMs(() => {
        let s = 0;
        for (let i = 0; i < tasks; i++) s += fib(n);
        return s;
      });
      let sum = 0;
      const par = await timeMs(async () => {
        for (const r of await Promise.all(Array.from({ length: tasks }, () => pool.run('fib', n)))) sum += r as number;
      });
      if (sum !== expected) throw new Error(`${impl.name}: wrong fib`);
      return seq / par;
    });
  });
  return { bench: 'fib', metric: 'speedup', impl: impl.name, value: median(speedups), unit: 'x', better: 'higher', rounds: speedups, extra: { tasks, n } };
}

async function benchStartup(impl: Impl, count: number): Promise<Measurement> {
  const ms = await rounds(count, async () => {
    let pool: Adapter | undefined;
    const t = await timeMs(async () => {
      pool = impl.create(SIZE);
      await pool.run('echo', 1);
    });
    await pool!.close();
    return t;
  });
  return { bench: 'startup', metric: 'first-result', impl: impl.name, value: median(ms), unit: 'ms', better: 'lower', rounds: ms, extra: { size: SIZE } };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const r = quick ? 3 : 5;
  const { ProcessPool, ThreadPool } = await loadWeft();
  const weft = weftImpl('weft', ProcessPool);
  const impls = [weft, raw, tinypool, workerpoolImpl];
  const all: Measurement[] = [];
  const record = (m: Measurement): void => {
    emit(m);
    all.push(m);
  };
  for (const impl of impls) record(await benchTiny(impl, 100_000, r));
  for (const impl of impls) record(await benchMap(impl, 1_000_000, r));
  record(await benchMap(weft, 1_000_000, r, true));
  for (const impl of impls) record(await benchFib(impl, 16, 32, quick ? 2 : 3));
  for (const impl of [...impls, weftImpl('weft-thread', ThreadPool)]) record(await benchStartup(impl, r));
  printSummary(all, ['weft', 'raw-fork'], ['weft', 'weft-chunks', 'raw-fork', 'tinypool', 'workerpool', 'weft-thread']);
  const targets: Target[] = [
    {
      label: 'tiny-100k: weft >= 0.8x raw fork',
      check: (ms) => {
        const w = valueOf(ms, 'tiny-100k', 'weft');
        const b = valueOf(ms, 'tiny-100k', 'raw-fork');
        return w && b ? { met: w / b >= 0.8, shown: `${(w / b).toFixed(2)}x` } : undefined;
      },
    },
    ...['weft', 'weft-chunks'].map((impl) => ({
      label: `map-1m: ${impl} >= 5M items/s`,
      check: (ms: Measurement[]) => {
        const w = valueOf(ms, 'map-1m', impl);
        return w ? { met: w >= 5e6, shown: `${(w / 1e6).toFixed(2)}M/s` } : undefined;
      },
    })),
    {
      label: 'fib 16 x fib(32) on 2 processes: >= 1.8x main thread',
      check: (ms) => {
        const w = valueOf(ms, 'fib', 'weft', 'speedup');
        return w ? { met: w >= 1.8, shown: `${w.toFixed(2)}x` } : undefined;
      },
    },
  ];
  printTargets(all, targets);
}

await main();
