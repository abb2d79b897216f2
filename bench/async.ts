// weft/async against the anchors, side by side in one run:
//   node --import tsx bench/async.ts [--rounds 7] [--scale 1]
// Prints one JSON line per measurement (median of the rounds), then tables with ratios.
// Anchors: async-mutex, async-sema, p-limit, p-queue (9.x), @henrygd/semaphore.
import { parseArgs } from 'node:util';
import { getSemaphore } from '@henrygd/semaphore';
import { Mutex, Semaphore as AmSemaphore } from 'async-mutex';
import { Sema } from 'async-sema';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { gather, Lock, Queue, Semaphore, TaskGroup } from '../src/async/index.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, scale: { type: 'string', default: '1' } } });
const ROUNDS = Number(args.rounds);
const SCALE = Number(args.scale);

interface Row { bench: string; impl: string; value: number; rounds: number[]; ops: number }
const rows: Row[] = [];

/** Runs `body` (which performs `ops` operations) ROUNDS times after a warm-up; records the median ops/s. */
async function measure(bench: string, impl: string, ops: number, body: () => Promise<void>): Promise<void> {
  await body(); // warm-up, lets the JIT settle
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await body();
    rates.push(ops / ((performance.now() - t0) / 1000));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const value = sorted[sorted.length >> 1]!;
  rows.push({ bench, impl, value, rounds: rates, ops });
  process.stdout.write(`${JSON.stringify({ bench, impl, value: Math.round(value), unit: 'ops/s', better: 'higher', rounds: rates.map(Math.round) })}\n`);
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
{
  const b = 'lock-uncontended';
  const lock = new Lock();
  await measure(b, 'weft Lock (await acquire)', N1, async () => { for (let i = 0; i < N1; i++) { await lock.acquire(); lock.release(); } });
  await measure(b, 'weft Lock (tryAcquire || await acquire)', N1, async () => { for (let i = 0; i < N1; i++) { if (!lock.tryAcquire()) await lock.acquire(); lock.release(); } });
  await measure(b, 'weft Lock (withLock)', N1, async () => { for (let i = 0; i < N1; i++) await lock.withLock(noop); });
  const m = new Mutex();
  const n = N1 / 10; // the slow ones run fewer ops; the rate is per op
  await measure(b, 'async-mutex Mutex (acquire)', n, async () => { for (let i = 0; i < n; i++) { const r = await m.acquire(); r(); } });
  await measure(b, 'async-mutex Mutex (runExclusive)', n, async () => { for (let i = 0; i < n; i++) await m.runExclusive(noop); });
  const s = new Sema(1);
  await measure(b, 'async-sema Sema(1)', N1, async () => { for (let i = 0; i < N1; i++) { await s.acquire(); s.release(); } });
  const h = getSemaphore(Symbol('lock'), 1);
  await measure(b, '@henrygd/semaphore (1)', N1, async () => { for (let i = 0; i < N1; i++) { await h.acquire(); h.release(); } });
  const limit = pLimit(1);
  await measure(b, 'p-limit(1)', n, async () => { for (let i = 0; i < n; i++) await limit(noop); });
  const q = new PQueue({ concurrency: 1 });
  await measure(b, 'p-queue(1)', n, async () => { for (let i = 0; i < n; i++) await q.add(noop); });
  const naive = new NaiveMutex();
  await measure(b, 'naive Promise-queue mutex', N1, async () => { for (let i = 0; i < N1; i++) (await naive.lock())(); });
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
{
  const b = 'semaphore4-100-tasks';
  const sem = new Semaphore(4);
  await measure(b, 'weft Semaphore (acquire/release)', N2, () => contend(() => sem.acquire(), () => sem.release()));
  await measure(b, 'weft Semaphore (run)', N2, () => contendRun((fn) => sem.run(fn)));
  const h = getSemaphore(Symbol('sem'), 4);
  await measure(b, '@henrygd/semaphore (4)', N2, () => contend(() => h.acquire(), () => h.release()));
  const s = new Sema(4);
  await measure(b, 'async-sema Sema(4)', N2, () => contend(() => s.acquire(), () => s.release()));
  const am = new AmSemaphore(4);
  const n = N2 / 10;
  await measure(b, 'async-mutex Semaphore(4)', n, () => contendRun((fn) => am.runExclusive(fn), n));
  const limit = pLimit(4);
  await measure(b, 'p-limit(4)', n, () => contendRun((fn) => limit(fn), n));
  const q = new PQueue({ concurrency: 4 });
  await measure(b, 'p-queue(4)', n, () => contendRun((fn) => q.add(fn), n));
}

// --- 3. Queue put/get pairs ---------------------------------------------------------------
const N3 = Math.round(2_000_000 * SCALE);
{
  const b = 'queue-put-get';
  const q = new Queue<number>();
  await measure(b, 'weft Queue (await put; await get)', N3, async () => { for (let i = 0; i < N3; i++) { await q.put(i); await q.get(); } });
  await measure(b, 'weft Queue (putNowait; getNowait)', N3, async () => { for (let i = 0; i < N3; i++) { q.putNowait(i); q.getNowait(); } });
  const bounded = new Queue<number>({ maxsize: 64 });
  await measure(b, 'weft Queue(64) producer/consumer tasks', N3, async () => {
    const producer = (async () => { for (let i = 0; i < N3; i++) await bounded.put(i); })();
    const consumer = (async () => { for (let i = 0; i < N3; i++) await bounded.get(); })();
    await Promise.all([producer, consumer]);
  });
  const arr: number[] = [];
  await measure(b, 'Array push/shift (sync reference)', N3, async () => { for (let i = 0; i < N3; i++) { arr.push(i); arr.shift(); } });
}

// --- 4. 100,000 trivial tasks ---------------------------------------------------------------
const N4 = Math.round(100_000 * SCALE);
{
  const b = 'tasks-100k';
  const trivial = async (): Promise<number> => 1;
  await measure(b, 'Promise.all', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(trivial()); await Promise.all(ps); });
  await measure(b, 'weft TaskGroup', N4, async () => { const g = new TaskGroup(); for (let i = 0; i < N4; i++) g.spawn(trivial); await g.wait(); });
  const thunks = Array.from({ length: N4 }, () => trivial);
  await measure(b, 'weft gather', N4, async () => { await gather(thunks); });
  await measure(b, 'weft gather (concurrency 100)', N4, async () => { await gather(thunks, { concurrency: 100 }); });
  const limit = pLimit(100);
  await measure(b, 'p-limit(100)', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(limit(trivial)); await Promise.all(ps); });
  const q = new PQueue({ concurrency: 100 });
  await measure(b, 'p-queue(100)', N4, async () => { const ps: Promise<number>[] = []; for (let i = 0; i < N4; i++) ps.push(q.add(trivial)); await Promise.all(ps); });
}

// --- tables: ratios against the anchor of each benchmark -----------------------------------
const refs: Record<string, string> = {
  'lock-uncontended': 'async-mutex Mutex (acquire)',
  'semaphore4-100-tasks': '@henrygd/semaphore (4)',
  'queue-put-get': 'Array push/shift (sync reference)',
  'tasks-100k': 'Promise.all',
};
for (const bench of Object.keys(refs)) {
  const mine = rows.filter((r) => r.bench === bench);
  const ref = mine.find((r) => r.impl === refs[bench])!;
  const lines = mine.map((r) => [r.impl, fmt(r.value), `${(r.value / ref.value).toFixed(2)}x`]);
  const w = [Math.max(...lines.map((l) => l[0]!.length), 14), 10, 8];
  process.stdout.write(`\n${bench} (median of ${ROUNDS}; ratio vs ${ref.impl})\n`);
  process.stdout.write(`${'implementation'.padEnd(w[0]!)}  ${'ops/s'.padStart(w[1]!)}  ${'ratio'.padStart(w[2]!)}\n`);
  for (const l of lines) process.stdout.write(`${l[0]!.padEnd(w[0]!)}  ${l[1]!.padStart(w[1]!)}  ${l[2]!.padStart(w[2]!)}\n`);
}

function fmt(v: number): string {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
}
