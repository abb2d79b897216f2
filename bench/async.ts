// weft/async against the anchors, side by side in one run:
//   node --import tsx bench/async.ts [--rounds 7] [--scale 1] [--only NAME] [--shared]
// Prints one JSON line per measurement (median of the rounds), then tables with ratios.
// Anchors: async-mutex, async-sema, p-limit, p-queue (9.x), @henrygd/semaphore.
//
// Each measurement runs in its own child process (rounds interleaved across cases), because
// these operations cost well under a microsecond and V8's inline caches are shared: in one
// process, whichever implementation ran first shapes the code that all later ones run
// through, which moved ratios by +-15% from run to run. `--shared` runs everything in this
// process instead (quicker, noisier).
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { getSemaphore } from '@henrygd/semaphore';
import { Mutex, Semaphore as AmSemaphore } from 'async-mutex';
import { Sema } from 'async-sema';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { gather, Lock, Queue, Semaphore, TaskGroup } from '../src/async/index.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    scale: { type: 'string', default: '1' },
    only: { type: 'string' },
    shared: { type: 'boolean', default: false },
    // internal: run one case of one benchmark, print its rate, exit
    case: { type: 'string' },
    bench: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const SCALE = Number(args.scale);
const CHILD = args.case !== undefined;
/** `--only lock` runs just the benchmarks whose name contains `lock`. */
const want = (bench: string): boolean => (CHILD ? bench === args.bench : args.only === undefined || bench.includes(args.only));

interface Row { bench: string; impl: string; value: number; rounds: number[]; ops: number }
const rows: Row[] = [];

type Case = [impl: string, ops: number, body: () => Promise<void>];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** One timed run of `body`, in ops/s. */
async function rate(ops: number, body: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await body();
  return ops / ((performance.now() - t0) / 1000);
}

/** Measures one case in a fresh child process: a warm-up run, then timed runs for at least 200 ms; their median. */
function rateInChild(bench: string, c: number): number {
  const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--bench', bench, '--case', String(c), '--scale', String(SCALE)], { encoding: 'utf8' });
  return Number(out.trim());
}

/**
 * Runs every case of a benchmark ROUNDS times, interleaved (round 1 of each, then round 2...)
 * so that drift in machine load hits all alike, after one warm-up each; records median ops/s.
 */
async function run(bench: string, cases: Case[]): Promise<void> {
  if (CHILD) {
    const [, ops, body] = cases[Number(args.case)]!;
    await body();
    const rates: number[] = [];
    for (const t0 = performance.now(); rates.length < 1 || performance.now() - t0 < 200;) rates.push(await rate(ops, body));
    process.stdout.write(`${median(rates)}\n`);
    return;
  }
  if (args.shared) for (const [, , body] of cases) await body();
  const rates = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < cases.length; c++) {
      const [, ops, body] = cases[c]!;
      rates[c]!.push(args.shared ? await rate(ops, body) : rateInChild(bench, c));
    }
  }
  cases.forEach(([impl, ops], c) => {
    const value = median(rates[c]!);
    rows.push({ bench, impl, value, rounds: rates[c]!, ops });
    process.stdout.write(`${JSON.stringify({ bench, impl, value: Math.round(value), unit: 'ops/s', better: 'higher', rounds: rates[c]!.map(Math.round) })}\n`);
  });
}

/** The 20-line Promise-queue mutex the brief names as the yardstick (not an anchor). */
class NaiveMutex {
  #last: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.#last.then(() => release);
    this.#last = next;
    return ready;
  }
}

// --- 1. uncontended lock: one task, acquire then release --------------------------------
const N1 = Math.round(2_000_000 * SCALE);
const noop = (): void => {};
if (want('lock-uncontended')) {
  const cases: Case[] = [];
  const b = 'lock-uncontended';
  const lock = new Lock();
  cases.push(['weft Lock (await acquire)', N1, async () => { for (let i = 0; i < N1; i++) { await lock.acquire(); lock.release(); } }]);
  cases.push(['weft Lock (tryAcquire || await acquire)', N1, async () => { for (let i = 0; i < N1; i++) { if (!lock.tryAcquire()) await lock.acquire(); lock.release(); } }]);
  cases.push(['weft Lock (withLock)', N1, async () => { for (let i = 0; i < N1; i++) await lock.withLock(noop); }]);
  const m = new Mutex();
  const n = N1 / 10; // the slow ones run fewer ops; the rate is per op
  cases.push(['async-mutex Mutex (acquire)', n, async () => { for (let i = 0; i < n; i++) { const r = await m.acquire(); r(); } }]);
  cases.push(['async-mutex Mutex (runExclusive)', n, async () => { for (let i = 0; i < n; i++) await m.runExclusive(noop); }]);
  const s = new Sema(1);
  cases.push(['async-sema Sema(1)', N1, async () => { for (let i = 0; i < N1; i++) { await s.acquire(); s.release(); } }]);
  const h = getSemaphore(Symbol('lock'), 1);
  cases.push(['@henrygd/semaphore (1)', N1, async () => { for (let i = 0; i < N1; i++) { await h.acquire(); h.release(); } }]);
  const limit = pLimit(1);
  cases.push(['p-limit(1)', n, async () => { for (let i = 0; i < n; i++) await limit(noop); }]);
  const q = new PQueue({ concurrency: 1 });
  cases.push(['p-queue(1)', n, async () => { for (let i = 0; i < n; i++) await q.add(noop); }]);
  const naive = new NaiveMutex();
  const settled = Promise.resolve();
  cases.push(['one bare await per op (floor, not a lock)', N1, async () => { for (let i = 0; i < N1; i++) await settled; }]);
  cases.push(['naive Promise-queue mutex', N1, async () => { for (let i = 0; i < N1; i++) (await naive.lock())(); }]);
  await run(b, cases);
}

// --- 2. Semaphore(4), 100 tasks contending ----------------------------------------------
const TASKS = 100;
const N2 = Math.round(1_000_000 * SCALE);
async function contend(acquire: () => PromiseLike<unknown>, release: () => void, ops = N2): Promise<void> {
  const per = ops / TASKS;
  const worker = async (): Promise<void> => {
    for (let i = 0; i < per; i++) {
      await acquire();
      await null; // hold the permit across a turn, so the others really queue
      release();
    }
  };
  const all: Promise<void>[] = [];
  for (let t = 0; t < TASKS; t++) all.push(worker());
  await Promise.all(all);
}
async function contendRun(run: (fn: () => Promise<void>) => PromiseLike<unknown>, ops = N2): Promise<void> {
  const per = ops / TASKS;
  const work = async (): Promise<void> => { await null; };
  const worker = async (): Promise<void> => { for (let i = 0; i < per; i++) await run(work); };
  const all: Promise<void>[] = [];
  for (let t = 0; t < TASKS; t++) all.push(worker());
  await Promise.all(all);
}
if (want('semaphore4-100-tasks')) {
  const cases: Case[] = [];
  const b = 'semaphore4-100-tasks';
  const sem = new Semaphore(4);
  cases.push(['weft Semaphore (acquire/release)', N2, () => contend(() => sem.acquire(), () => sem.release())]);
  cases.push(['weft Semaphore (run)', N2, () => contendRun((fn) => sem.run(fn))]);
  cases.push(['weft Semaphore (using guard)', N2, () => contendRun(async (fn) => { using _ = await sem.guard(); await fn(); })]);
  const h = getSemaphore(Symbol('sem'), 4);
  cases.push(['@henrygd/semaphore (4)', N2, () => contend(() => h.acquire(), () => h.release())]);
  const s = new Sema(4);
  cases.push(['async-sema Sema(4)', N2, () => contend(() => s.acquire(), () => s.release())]);
  const am = new AmSemaphore(4);
  const n = N2 / 10;
  cases.push(['async-mutex Semaphore(4)', n, () => contendRun((fn) => am.runExclusive(fn), n)]);
  const limit = pLimit(4);
  cases.push(['p-limit(4)', n, () => contendRun((fn) => limit(fn), n)]);
  const q = new PQueue({ concurrency: 4 });
  cases.push(['p-queue(4)', n, () => contendRun((fn) => q.add(fn), n)]);
  await run(b, cases);
}

// --- 3. Queue put/get pairs ---------------------------------------------------------------
const N3 = Math.round(2_000_000 * SCALE);
if (want('queue-put-get')) {
  const cases: Case[] = [];
  const b = 'queue-put-get';
  const q = new Queue<number>();
  cases.push(['weft Queue (await put; await get)', N3, async () => { for (let i = 0; i < N3; i++) { await q.put(i); await q.get(); } }]);
  cases.push(['weft Queue (putNowait; getNowait)', N3, async () => { for (let i = 0; i < N3; i++) { q.putNowait(i); q.getNowait(); } }]);
  const bounded = new Queue<number>({ maxsize: 64 });
  cases.push(['weft Queue(64) producer/consumer tasks', N3, async () => {
    const producer = (async () => { for (let i = 0; i < N3; i++) await bounded.put(i); })();
    const consumer = (async () => { for (let i = 0; i < N3; i++) await bounded.get(); })();
    await Promise.all([producer, consumer]);
  }]);
  const settled = Promise.resolve();
  cases.push(['two bare awaits per op (floor, not a queue)', N3, async () => { for (let i = 0; i < N3; i++) { await settled; await settled; } }]);
  const arr: number[] = [];
  cases.push(['Array push/shift (sync reference)', N3, async () => { for (let i = 0; i < N3; i++) { arr.push(i); arr.shift(); } }]);
  await run(b, cases);
}

// --- 4. 100,000 trivial tasks ---------------------------------------------------------------
const N4 = Math.round(100_000 * SCALE);
if (want('tasks-100k')) {
  const cases: Case[] = [];
  const b = 'tasks-100k';
  const trivial = async (): Promise<number> => 1;
  cases.push(['Promise.all', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(trivial()); await Promise.all(ps); }]);
  cases.push(['weft TaskGroup', N4, async () => { const g = new TaskGroup(); for (let i = 0; i < N4; i++) g.spawn(trivial); await g.wait(); }]);
  const thunks = Array.from({ length: N4 }, () => trivial);
  cases.push(['weft gather', N4, async () => { await gather(thunks); }]);
  cases.push(['weft gather (concurrency 100)', N4, async () => { await gather(thunks, { concurrency: 100 }); }]);
  const limit = pLimit(100);
  cases.push(['p-limit(100)', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(limit(trivial)); await Promise.all(ps); }]);
  const q = new PQueue({ concurrency: 100 });
  cases.push(['p-queue(100)', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(q.add(trivial)); await Promise.all(ps); }]);
  await run(b, cases);
}

// --- tables: ratios against the anchor of each benchmark -----------------------------------
if (!CHILD) printTables();

function printTables(): void {
  const refs: Record<string, string> = {
    'lock-uncontended': 'async-mutex Mutex (acquire)',
    'semaphore4-100-tasks': '@henrygd/semaphore (4)',
    'queue-put-get': 'Array push/shift (sync reference)',
    'tasks-100k': 'Promise.all',
  };
  for (const bench of Object.keys(refs)) {
    const mine = rows.filter((r) => r.bench === bench);
    if (mine.length === 0) continue;
    const ref = mine.find((r) => r.impl === refs[bench])!;
    const lines = mine.map((r) => [r.impl, fmt(r.value), `${(r.value / ref.value).toFixed(2)}x`]);
    const w = [Math.max(...lines.map((l) => l[0]!.length), 14), 10, 8];
    process.stdout.write(`\n${bench} (median of ${ROUNDS}; ratio vs ${ref.impl})\n`);
    process.stdout.write(`${'implementation'.padEnd(w[0]!)}  ${'ops/s'.padStart(w[1]!)}  ${'ratio'.padStart(w[2]!)}\n`);
    for (const l of lines) process.stdout.write(`${l[0]!.padEnd(w[0]!)}  ${l[1]!.padStart(w[1]!)}  ${l[2]!.padStart(w[2]!)}\n`);
  }
}

function fmt(v: number): string {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
}
