// ThreadPool benchmark (issue 2): weft's ThreadPool side by side with a hand-written
// worker_threads pool and the usual anchors (piscina, tinypool, poolifier, workerpool),
// all with 2 workers, in one run.
//
//   node --import tsx bench/thread-pool.ts [--only=name,...] [--quick]
//
// --only takes bench names (tiny-100k, map-1m, latency, fib, startup, rss-1m) and/or
// implementation names (weft, raw, piscina, tinypool, poolifier, workerpool); --quick cuts
// sizes ~10x for a smoke run. Prints a table per bench, one JSON line per measurement
// (`{"bench":"tiny-100k","impl":"piscina","value":...,"unit":"tasks/s",...}`), then a summary
// with ratios vs weft and vs raw and weft's targets. Values are medians of several rounds.
// map-1m, startup and rss-1m run in fresh child processes (the script re-invokes itself
// with --child=bench:impl) so RSS and caches of earlier runs do not pollute them.

import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';

import { fib } from './fixtures/tasks.mjs';
import { asyncIterate, chunkedMap } from './lib/chunked.js';
import { reportToParent, runChild } from './lib/child.js';
import {
  median,
  now,
  nowNs,
  perSecond,
  percentile,
  rounds,
  RssSampler,
  rssMB,
  sorted,
  tick,
  timeMs,
  tryGc,
} from './lib/measure.js';
import { RawPool } from './lib/raw-pool.js';
import {
  emit,
  formatRatio,
  formatValue,
  printSummary,
  printTable,
  printTargets,
  valueOf,
  type Measurement,
  type Target,
} from './lib/report.js';

const SIZE = 2;
const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url);
const RAW_WORKER = new URL('./fixtures/raw-worker.mjs', import.meta.url);
const POOLIFIER_WORKER = new URL('./fixtures/poolifier-worker.mjs', import.meta.url);
const WORKERPOOL_WORKER = new URL('./fixtures/workerpool-worker.mjs', import.meta.url);
const BARE_WORKER = new URL('./fixtures/bare-worker.mjs', import.meta.url);
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------
// Implementations behind one small adapter

type TaskName = 'echo' | 'fib' | 'echoChunk';

interface PoolAdapter {
  run(name: TaskName, arg: unknown): Promise<unknown>;
  /** `echo` over every item of `source`, pulled lazily, results in input order. */
  map(source: Iterable<number>): AsyncIterable<unknown>;
  /** weft only: the same map consumed a chunk at a time. */
  mapChunks?(source: Iterable<number>): AsyncIterable<ArrayLike<unknown>>;
  close(): Promise<void>;
}

interface Impl {
  name: string;
  create(size: number): PoolAdapter;
  /** How `map` is done, when it is not the library's own lazy map. */
  mapNote?: string;
}

const CHUNK = 1000;
const CHUNK_NOTE = `no lazy map: chunks of ${CHUNK} via echoChunk, ${2 * SIZE} chunks in flight`;

function asArray(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`expected an array from echoChunk, got ${typeof value}`);
  return value;
}

/** `map` for pools that only run one task at a time: ordered chunked submission by hand. */
function chunkedEcho(run: (name: TaskName, arg: unknown) => Promise<unknown>, source: Iterable<number>): AsyncIterable<unknown> {
  return chunkedMap(source, async (chunk: number[]) => asArray(await run('echoChunk', chunk)), CHUNK, 2 * SIZE);
}

const raw: Impl = {
  name: 'raw',
  mapNote: `chunked postMessage of ${CHUNK} numbers, ${2 * SIZE} in flight`,
  create(size) {
    const pool = new RawPool(RAW_WORKER, size);
    const run = (name: TaskName, arg: unknown): Promise<unknown> => pool.run(name, arg);
    return { run, map: (source) => chunkedEcho(run, source), close: () => pool.close() };
  },
};

const piscina: Impl = {
  name: 'piscina',
  mapNote: CHUNK_NOTE,
  create(size) {
    const pool = new Piscina<unknown, unknown>({ filename: TASKS.href, minThreads: size, maxThreads: size });
    const run = (name: TaskName, arg: unknown): Promise<unknown> => pool.run(arg, { name });
    return { run, map: (source) => chunkedEcho(run, source), close: () => pool.destroy() };
  },
};

const tinypool: Impl = {
  name: 'tinypool',
  mapNote: CHUNK_NOTE,
  create(size) {
    const pool = new Tinypool({ filename: TASKS.href, minThreads: size, maxThreads: size });
    const run = async (name: TaskName, arg: unknown): Promise<unknown> => {
      const result: unknown = await pool.run(arg, { name });
      return result;
    };
    return { run, map: (source) => chunkedEcho(run, source), close: () => pool.destroy() };
  },
};

const poolifier: Impl = {
  name: 'poolifier',
  mapNote: `${CHUNK_NOTE} (its mapExecute is one task per item and returns one array)`,
  create(size) {
    const pool = new FixedThreadPool<unknown, unknown>(size, fileURLToPath(POOLIFIER_WORKER));
    const run = (name: TaskName, arg: unknown): Promise<unknown> => pool.execute(arg, name);
    return { run, map: (source) => chunkedEcho(run, source), close: () => pool.destroy() };
  },
};

const workerpoolImpl: Impl = {
  name: 'workerpool',
  mapNote: CHUNK_NOTE,
  create(size) {
    const pool = workerpool.pool(fileURLToPath(WORKERPOOL_WORKER), {
      minWorkers: size,
      maxWorkers: size,
      workerType: 'thread',
    });
    const run = async (name: TaskName, arg: unknown): Promise<unknown> => {
      const result: unknown = await pool.exec(name, [arg]);
      return result;
    };
    return {
      run,
      map: (source) => chunkedEcho(run, source),
      close: async () => {
        await pool.terminate();
      },
    };
  },
};

// weft is measured as shipped: the compiled dist/ (run `npm run build` after changing src/),
// so its workers start without the TypeScript loader, like every anchor's.
interface WeftThreadPool {
  run(name: string, arg: unknown): Promise<unknown>;
  map(name: string, source: Iterable<unknown> | AsyncIterable<unknown>): AsyncIterable<unknown> & { chunks(): AsyncIterable<ArrayLike<unknown>> };
  close(): Promise<void>;
}
type WeftThreadPoolCtor = new (module: URL, options: { size: number }) => WeftThreadPool;

async function loadWeft(): Promise<Impl | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, unknown>;
  } catch (err) {
    return `weft skipped: import of dist/index.js failed — run \`npm run build\` (${err instanceof Error ? err.message : String(err)})`;
  }
  const ThreadPool = mod.ThreadPool as WeftThreadPoolCtor;
  return {
    name: 'weft',
    create(size) {
      const pool = new ThreadPool(TASKS, { size });
      return {
        run: (name, arg) => pool.run(name, arg),
        map: (source) => pool.map('echo', source),
        mapChunks: (source) => pool.map('echo', source).chunks(),
        close: () => pool.close(),
      };
    },
  };
}

const ORDER = ['weft', 'weft-chunks', 'raw', 'piscina', 'tinypool', 'poolifier', 'workerpool', 'main-thread', 'bare-worker', 'for-await-only'];

async function allImpls(): Promise<{ impls: Impl[]; notes: string[] }> {
  const weft = await loadWeft();
  const impls = [raw, piscina, tinypool, poolifier, workerpoolImpl];
  if (typeof weft === 'string') return { impls, notes: [weft] };
  return { impls: [weft, ...impls], notes: [] };
}

// ---------------------------------------------------------------------------------------
// Configuration

interface Config {
  quick: boolean;
  tinyN: number;
  tinyRounds: number;
  mapN: number;
  mapRounds: number;
  latencyN: number;
  latencyWarmup: number;
  latencyRounds: number;
  fibTasks: number;
  fibN: number;
  fibRounds: number;
  startupSamples: number;
  rssN: number;
  rssBatch: number;
}

function config(quick: boolean): Config {
  return {
    quick,
    tinyN: quick ? 10_000 : 100_000,
    tinyRounds: quick ? 3 : 5,
    mapN: quick ? 100_000 : 1_000_000,
    mapRounds: 3,
    latencyN: quick ? 200 : 2000,
    latencyWarmup: quick ? 50 : 200,
    latencyRounds: 3,
    fibTasks: 16,
    fibN: quick ? 27 : 32, // fib(27) is ~11x less work than fib(32)
    fibRounds: 3,
    startupSamples: quick ? 3 : 5,
    rssN: quick ? 100_000 : 1_000_000,
    rssBatch: 10_000,
  };
}

const BENCHES = ['tiny-100k', 'map-1m', 'latency', 'fib', 'startup', 'rss-1m'] as const;
type BenchName = (typeof BENCHES)[number];
const isBench = (s: string): s is BenchName => (BENCHES as readonly string[]).includes(s);

// ---------------------------------------------------------------------------------------
// Benchmarks (in-process)

async function withPool<T>(impl: Impl, fn: (pool: PoolAdapter) => Promise<T>): Promise<T> {
  const pool = impl.create(SIZE);
  try {
    await Promise.all(Array.from({ length: 4 * SIZE }, (_, i) => pool.run('echo', i))); // workers up
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

async function benchTiny(impl: Impl, cfg: Config): Promise<Measurement[]> {
  const n = cfg.tinyN;
  const rates = await withPool(impl, async (pool) => {
    await Promise.all(Array.from({ length: Math.min(n, 5000) }, (_, i) => pool.run('echo', i))); // warm-up
    return rounds(cfg.tinyRounds, async () => {
      const tasks: Promise<unknown>[] = new Array<Promise<unknown>>(n);
      const ms = await timeMs(async () => {
        for (let i = 0; i < n; i++) tasks[i] = pool.run('echo', i);
        const results = await Promise.all(tasks);
        if (results[n - 1] !== n - 1) throw new Error(`${impl.name}: wrong echo result`);
      });
      await tick();
      return perSecond(n, ms);
    });
  });
  return [{ bench: 'tiny-100k', impl: impl.name, value: median(rates), unit: 'tasks/s', better: 'higher', rounds: rates, extra: { n } }];
}

async function benchLatency(impl: Impl, cfg: Config): Promise<Measurement[]> {
  const perRound = await withPool(impl, async (pool) => {
    for (let i = 0; i < cfg.latencyWarmup; i++) await pool.run('echo', i);
    return rounds(cfg.latencyRounds, async () => {
      const samples: number[] = new Array<number>(cfg.latencyN);
      for (let i = 0; i < cfg.latencyN; i++) {
        const t0 = nowNs();
        await pool.run('echo', i);
        samples[i] = Number(nowNs() - t0) / 1000;
      }
      const s = sorted(samples);
      return { p50: percentile(s, 50, true), p99: percentile(s, 99, true) };
    });
  });
  const p50s = perRound.map((r) => r.p50);
  const p99s = perRound.map((r) => r.p99);
  const extra = { n: cfg.latencyN };
  return [
    { bench: 'latency', metric: 'p50', impl: impl.name, value: median(p50s), unit: 'µs', better: 'lower', rounds: p50s, extra },
    { bench: 'latency', metric: 'p99', impl: impl.name, value: median(p99s), unit: 'µs', better: 'lower', rounds: p99s, extra },
  ];
}

function sequentialFib(tasks: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < tasks; i++) sum += fib(n);
  return sum;
}

/** Per round: the 16 fibs sequentially on the main thread, then on the pool; speedup = seq / pool. */
async function benchFib(impl: Impl, cfg: Config): Promise<{ measurements: Measurement[]; seqMs: number[] }> {
  const expected = sequentialFib(cfg.fibTasks, cfg.fibN); // also warms the main thread's JIT
  const perRound = await withPool(impl, async (pool) => {
    await Promise.all(Array.from({ length: 2 * SIZE }, () => pool.run('fib', 25))); // warm the workers' JIT
    return rounds(cfg.fibRounds, async () => {
      const seq = await timeMs(() => sequentialFib(cfg.fibTasks, cfg.fibN));
      let sum = 0;
      const par = await timeMs(async () => {
        const results = await Promise.all(Array.from({ length: cfg.fibTasks }, () => pool.run('fib', cfg.fibN)));
        for (const r of results) sum += typeof r === 'number' ? r : Number.NaN;
      });
      if (sum !== expected) throw new Error(`${impl.name}: wrong fib results`);
      return { seq, par };
    });
  });
  const speedups = perRound.map((r) => r.seq / r.par);
  const pars = perRound.map((r) => r.par);
  const extra = { tasks: cfg.fibTasks, n: cfg.fibN, sequentialMs: perRound.map((r) => Math.round(r.seq * 100) / 100) };
  return {
    measurements: [
      { bench: 'fib', metric: 'speedup', impl: impl.name, value: median(speedups), unit: 'x', better: 'higher', rounds: speedups, extra },
      { bench: 'fib', metric: 'wall-ms', impl: impl.name, value: median(pars), unit: 'ms', better: 'lower', rounds: pars, extra },
    ],
    seqMs: perRound.map((r) => r.seq),
  };
}

// ---------------------------------------------------------------------------------------
// Benchmarks in child processes

function* smallNumbers(n: number): Generator<number, void, undefined> {
  for (let i = 0; i < n; i++) yield i & 0xff;
}

interface MapChildResult {
  rates: number[];
  peakMB: number;
  sampledPeakMB: number;
  baselineMB: number;
}

/** Consumes `map` over n small numbers once (item by item, or chunk by chunk), checking count and sum. */
async function consumeMap(name: string, map: MapFn, n: number): Promise<void> {
  let count = 0;
  let sum = 0;
  const add = (r: unknown): void => {
    sum += typeof r === 'number' ? r : Number.NaN;
    count++;
  };
  if (name === WEFT_CHUNKS) {
    for await (const chunk of map(smallNumbers(n)) as AsyncIterable<ArrayLike<unknown>>) for (let i = 0; i < chunk.length; i++) add(chunk[i]);
  } else for await (const r of map(smallNumbers(n))) add(r);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += i & 0xff;
  if (count !== n || sum !== expected) throw new Error(`${name}: map gave ${count} items, sum ${sum}`);
}

type MapFn = (source: Iterable<number>) => AsyncIterable<unknown>;

async function measureMap(name: string, map: MapFn, cfg: Config): Promise<MapChildResult> {
  await consumeMap(name, map, Math.min(cfg.mapN, 20_000)); // warm-up
  tryGc();
  const baselineMB = rssMB();
  const sampler = new RssSampler(5).start();
  const rates = await rounds(cfg.mapRounds, async () => perSecond(cfg.mapN, await timeMs(() => consumeMap(name, map, cfg.mapN))));
  sampler.stop();
  return { rates, peakMB: sampler.peakMB(), sampledPeakMB: sampler.sampledPeakMB(), baselineMB };
}

/** Pseudo-implementation of map-1m: no pool, the cheapest async iterator (the for-await ceiling). */
const FOR_AWAIT = 'for-await-only';
/** weft's map consumed a chunk at a time (`map(...).chunks()`): one await per chunk, not per item. */
const WEFT_CHUNKS = 'weft-chunks';

async function childMap(implName: string, impls: readonly Impl[], cfg: Config): Promise<MapChildResult> {
  if (implName === FOR_AWAIT) return measureMap(implName, asyncIterate, cfg);
  if (implName === WEFT_CHUNKS) {
    const weft = findImpl(impls, 'weft');
    return withPool(weft, (pool) => measureMap(WEFT_CHUNKS, (source) => pool.mapChunks!(source), cfg));
  }
  const impl = findImpl(impls, implName);
  return withPool(impl, (pool) => measureMap(impl.name, (source) => pool.map(source), cfg));
}

interface RssChildResult {
  beforeMB: number;
  afterMB: number;
  checkpointsMB: number[];
  ms: number;
}

async function childRss(impl: Impl, cfg: Config): Promise<RssChildResult> {
  return withPool(impl, async (pool) => {
    const batch = async (base: number): Promise<void> => {
      const tasks: Promise<unknown>[] = new Array<Promise<unknown>>(cfg.rssBatch);
      for (let i = 0; i < cfg.rssBatch; i++) tasks[i] = pool.run('echo', base + i);
      await Promise.all(tasks);
    };
    for (let b = 0; b < 5; b++) await batch(b * cfg.rssBatch); // warm-up: 50k tasks
    tryGc();
    const beforeMB = rssMB();
    const checkpointsMB: number[] = [];
    const every = Math.max(1, Math.floor(cfg.rssN / cfg.rssBatch / 10));
    const t0 = now();
    for (let b = 0; b * cfg.rssBatch < cfg.rssN; b++) {
      await batch(b * cfg.rssBatch);
      if ((b + 1) % every === 0) checkpointsMB.push(Math.round(rssMB() * 10) / 10);
    }
    const ms = now() - t0;
    await tick();
    tryGc();
    return { beforeMB, afterMB: rssMB(), checkpointsMB, ms };
  });
}

async function childStartup(implName: string, impls: readonly Impl[]): Promise<number> {
  if (implName === 'bare-worker') {
    const t0 = now();
    const worker = new Worker(BARE_WORKER);
    await once(worker, 'message');
    const ms = now() - t0;
    await worker.terminate();
    return ms;
  }
  const impl = findImpl(impls, implName);
  const t0 = now();
  const pool = impl.create(SIZE);
  await pool.run('echo', 1);
  const ms = now() - t0;
  await pool.close();
  return ms;
}

function findImpl(impls: readonly Impl[], name: string): Impl {
  const impl = impls.find((i) => i.name === name);
  if (!impl) throw new Error(`unknown or unavailable implementation ${name}`);
  return impl;
}

async function runChildMode(spec: string, cfg: Config): Promise<void> {
  const [bench, implName] = spec.split(':');
  if (!bench || !implName) throw new Error(`bad --child=${spec}`);
  const { impls } = await allImpls();
  switch (bench) {
    case 'map-1m':
      reportToParent(await childMap(implName, impls, cfg));
      break;
    case 'rss-1m':
      reportToParent(await childRss(findImpl(impls, implName), cfg));
      break;
    case 'startup':
      reportToParent(await childStartup(implName, impls));
      break;
    default:
      throw new Error(`no child mode for ${bench}`);
  }
}

function childArgs(bench: string, impl: string, cfg: Config): string[] {
  return [`--child=${bench}:${impl}`, ...(cfg.quick ? ['--quick'] : [])];
}

async function oneChildResult(bench: string, impl: string, cfg: Config, execArgv?: string[]): Promise<unknown> {
  const results = await runChild(SELF, childArgs(bench, impl, cfg), execArgv ? { execArgv } : {});
  if (results.length !== 1) throw new Error(`child ${bench}:${impl} reported ${results.length} results`);
  return results[0];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
function numberField(v: unknown, key: string): number {
  if (!isRecord(v) || typeof v[key] !== 'number') throw new Error(`child result lacks number ${key}`);
  return v[key];
}
function numberArrayField(v: unknown, key: string): number[] {
  const a = isRecord(v) ? v[key] : undefined;
  if (!Array.isArray(a) || !a.every((x): x is number => typeof x === 'number')) throw new Error(`child result lacks ${key}[]`);
  return a;
}

async function benchMap(impl: Impl | typeof FOR_AWAIT | typeof WEFT_CHUNKS, cfg: Config): Promise<Measurement[]> {
  const name = typeof impl === 'string' ? impl : impl.name;
  const r = await oneChildResult('map-1m', name, cfg);
  const rates = numberArrayField(r, 'rates');
  const note =
    impl === FOR_AWAIT
      ? 'no pool: for await over the cheapest async iterator (ceiling for any lazy map consumed item by item)'
      : impl === WEFT_CHUNKS
        ? 'own lazy map, consumed a chunk at a time with map(...).chunks()'
        : (impl.mapNote ?? 'own lazy map');
  const extra = { n: cfg.mapN, baselineMB: numberField(r, 'baselineMB'), sampledPeakMB: numberField(r, 'sampledPeakMB') };
  return [
    { bench: 'map-1m', metric: 'rate', impl: name, value: median(rates), unit: 'items/s', better: 'higher', rounds: rates, note, extra },
    { bench: 'map-1m', metric: 'peak-rss', impl: name, value: numberField(r, 'peakMB'), unit: 'MB', better: 'lower', note: 'whole child process, maxRSS', extra },
  ];
}

async function benchRss(impl: Impl, cfg: Config): Promise<Measurement[]> {
  const execArgv = [...process.execArgv, '--expose-gc'];
  const r = await oneChildResult('rss-1m', impl.name, cfg, execArgv);
  const before = numberField(r, 'beforeMB');
  const after = numberField(r, 'afterMB');
  const extra = { n: cfg.rssN, batch: cfg.rssBatch, beforeMB: before, afterMB: after, checkpointsMB: numberArrayField(r, 'checkpointsMB'), ms: numberField(r, 'ms') };
  return [
    { bench: 'rss-1m', metric: 'growth', impl: impl.name, value: after - before, unit: 'MB', better: 'lower', note: `before ${before.toFixed(0)} MB, after ${after.toFixed(0)} MB (after gc)`, extra },
  ];
}

async function benchStartup(implName: string, cfg: Config): Promise<Measurement[]> {
  const samples: number[] = [];
  for (let i = 0; i < cfg.startupSamples; i++) {
    const r = await oneChildResult('startup', implName, cfg);
    if (typeof r !== 'number') throw new Error('startup child did not report a number');
    samples.push(r);
  }
  const note = implName === 'bare-worker' ? 'new Worker(file) posting one message back' : 'construction to first echo result';
  return [{ bench: 'startup', impl: implName, value: median(samples), unit: 'ms', better: 'lower', rounds: samples, note }];
}

// ---------------------------------------------------------------------------------------
// Main

function targets(): Target[] {
  const vs = (bench: string, metric: string | undefined, other: string, factor: number, label: string): Target => ({
    label,
    check(all) {
      const w = valueOf(all, bench, 'weft', metric);
      const o = valueOf(all, bench, other, metric);
      if (w === undefined || o === undefined) return undefined;
      return { met: w >= factor * o, shown: `${formatRatio(w / o)} ${other}` };
    },
  });
  const abs = (bench: string, metric: string | undefined, op: '>=' | '<', limit: number, unit: string, label: string, impl = 'weft'): Target => ({
    label,
    check(all) {
      const w = valueOf(all, bench, impl, metric);
      if (w === undefined) return undefined;
      return { met: op === '>=' ? w >= limit : w < limit, shown: `${formatValue(w, unit)} ${unit}` };
    },
  });
  return [
    vs('tiny-100k', undefined, 'poolifier', 4, 'tiny-100k: weft >= 4x poolifier'),
    vs('tiny-100k', undefined, 'piscina', 10, 'tiny-100k: weft >= 10x piscina'),
    vs('tiny-100k', undefined, 'raw', 1, 'tiny-100k (goal): weft beats raw'),
    abs('map-1m', 'rate', '>=', 10e6, 'items/s', 'map-1m: weft >= 10M items/s (item by item)'),
    abs('map-1m', 'rate', '>=', 10e6, 'items/s', 'map-1m: weft >= 10M items/s (.chunks())', WEFT_CHUNKS),
    abs('map-1m', 'peak-rss', '<', 300, 'MB', 'map-1m: weft peak RSS < 300 MB'),
    abs('fib', 'speedup', '>=', 1.85, 'x', 'fib: weft speedup >= 1.85x'),
  ];
}

function printBench(name: string, ms: readonly Measurement[]): void {
  const rows = ms.map((m) => [m.metric ?? '', m.impl, formatValue(m.value, m.unit), m.unit, (m.rounds ?? []).map((r) => formatValue(r, m.unit)).join(' '), m.note ?? '']);
  printTable(['metric', 'impl', 'median', 'unit', 'rounds', 'note'], rows, `== ${name}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      child: { type: 'string' },
    },
  });
  const cfg = config(values.quick ?? false);
  if (values.child) {
    await runChildMode(values.child, cfg);
    return;
  }

  const only = (values.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const { impls: available, notes } = await allImpls();
  const knownImpls = new Set([...ORDER, ...available.map((i) => i.name)]);
  for (const o of only) if (!isBench(o) && !knownImpls.has(o)) throw new Error(`--only: unknown name ${o} (benches: ${BENCHES.join(', ')})`);
  const onlyBenches = only.filter(isBench);
  const onlyImpls = only.filter((o) => !isBench(o));
  const benches = onlyBenches.length > 0 ? onlyBenches : [...BENCHES];
  const impls = onlyImpls.length > 0 ? available.filter((i) => onlyImpls.includes(i.name)) : available;

  process.stdout.write(
    `weft ThreadPool benchmark: ${SIZE} workers, node ${process.version}, ${cfg.quick ? 'QUICK (sizes /10)' : 'full'} run\n` +
      `benches: ${benches.join(', ')}; impls: ${impls.map((i) => i.name).join(', ')}\n`,
  );
  for (const n of notes) process.stdout.write(`note: ${n}\n`);

  const all: Measurement[] = [];
  const record = (ms: Measurement[]): Measurement[] => {
    for (const m of ms) {
      emit(m);
      all.push(m);
    }
    return ms;
  };
  const safely = async (label: string, fn: () => Promise<Measurement[]>): Promise<Measurement[]> => {
    try {
      return record(await fn());
    } catch (err) {
      process.stdout.write(`error: ${label}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return [];
    }
  };

  for (const bench of benches) {
    const got: Measurement[] = [];
    switch (bench) {
      case 'tiny-100k':
        for (const impl of impls) got.push(...(await safely(`${bench} ${impl.name}`, () => benchTiny(impl, cfg))));
        break;
      case 'map-1m':
        for (const impl of impls) got.push(...(await safely(`${bench} ${impl.name}`, () => benchMap(impl, cfg))));
        if (impls.some((i) => i.name === 'weft')) got.push(...(await safely(`${bench} ${WEFT_CHUNKS}`, () => benchMap(WEFT_CHUNKS, cfg))));
        got.push(...(await safely(`${bench} ${FOR_AWAIT}`, () => benchMap(FOR_AWAIT, cfg))));
        break;
      case 'latency':
        for (const impl of impls) got.push(...(await safely(`${bench} ${impl.name}`, () => benchLatency(impl, cfg))));
        break;
      case 'fib': {
        const seq: number[] = [];
        for (const impl of impls) {
          got.push(
            ...(await safely(`${bench} ${impl.name}`, async () => {
              const r = await benchFib(impl, cfg);
              seq.push(...r.seqMs);
              return r.measurements;
            })),
          );
        }
        if (seq.length > 0) {
          const note = `${cfg.fibTasks} x fib(${cfg.fibN}) sequentially, measured next to each pool run`;
          got.push(...record([{ bench: 'fib', metric: 'wall-ms', impl: 'main-thread', value: median(seq), unit: 'ms', better: 'lower', rounds: seq, note }]));
        }
        break;
      }
      case 'startup':
        for (const name of ['bare-worker', ...impls.map((i) => i.name)]) {
          got.push(...(await safely(`${bench} ${name}`, () => benchStartup(name, cfg))));
        }
        break;
      case 'rss-1m':
        for (const impl of impls) got.push(...(await safely(`${bench} ${impl.name}`, () => benchRss(impl, cfg))));
        break;
    }
    printBench(bench, got);
  }

  printSummary(all, ['weft', 'raw'], ORDER);
  printTargets(all, targets(), 'weft targets');
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}

await main();
