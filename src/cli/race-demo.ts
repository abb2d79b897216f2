/**
 * Race-condition demonstrations, reusable by the `weft race` command and `examples/race`.
 * The parties are worker threads, or child processes (`processes: true`) sharing the same
 * memory through weft/shared.
 *
 * `runRaceDemo` has workers increment one shared Int32 counter with a plain `c[0]++`, with or
 * without a weft `Lock`: without it, increments are lost (how many depends on timing).
 * `runCheckThenActDemo` has withdrawers take units from a shared balance after checking that
 * one is there: without a `Condition` two can see the same last unit and overdraw.
 */
import { Worker } from 'node:worker_threads';
import { Process } from '../index.js';
import { Barrier, Condition, InvalidArgumentError, Lock, SharedArray } from '../shared/index.js';
import type { RaceJobReport, RaceRole } from './race-job.js';

/** Options of `runRaceDemo`. */
export interface RaceDemoOptions {
  /** Increments per worker (default 1,000,000). */
  increments?: number;
  /** Number of workers (default 2). */
  workers?: number;
  /** Whether each increment holds a weft `Lock` (default false). */
  lock?: boolean;
  /** Child processes instead of worker threads (default false; needs weft's native addon). */
  processes?: boolean;
  /** Milliseconds before the run is abandoned and its workers terminated (default 120,000). */
  timeout?: number;
}

/** Outcome of `runRaceDemo`. */
export interface RaceDemoResult {
  /** `increments * workers`. */
  expected: number;
  /** The counter after every worker finished. */
  actual: number;
  /** `expected - actual`: updates overwritten by another thread. */
  lost: number;
  /** Milliseconds of the slowest worker's loop. */
  ms: number;
}

/** Runs the lost-update race (or its locked fix) and counts what was lost. */
export async function runRaceDemo(options: RaceDemoOptions = {}): Promise<RaceDemoResult> {
  const increments = count('increments', options.increments ?? 1_000_000, 0);
  const workers = count('workers', options.workers ?? 2, 1);
  const counter = options.processes ? new SharedArray('int32', 1) : new Int32Array(new SharedArrayBuffer(4));
  const lock = options.lock ? new Lock() : undefined;
  const start = new Barrier(workers);
  const results = await runAll(
    Array.from({ length: workers }, (): Job => ({ role: 'increment', counter, count: increments, start, lock })),
    options.timeout,
    options.processes,
  );
  const expected = increments * workers;
  const actual = Atomics.load(counter instanceof Int32Array ? counter : counter.view, 0);
  return { expected, actual, lost: expected - actual, ms: Math.max(...results.map((r) => r.ms)) };
}

/** Options of `runCheckThenActDemo`. */
export interface CheckThenActOptions {
  /** Units each withdrawer takes (default 20,000); one depositor supplies them all. */
  withdrawals?: number;
  /** Number of withdrawing workers (default 2). */
  withdrawers?: number;
  /** Whether withdrawers wait on a weft `Condition` instead of checking then acting (default false). */
  condition?: boolean;
  /** Milliseconds before the run is abandoned (default 120,000). */
  timeout?: number;
}

/** Outcome of `runCheckThenActDemo`. */
export interface CheckThenActResult {
  /** Withdrawals that took the balance below zero. */
  overdrafts: number;
  /** The balance at the end (0 when every deposit was withdrawn). */
  balance: number;
  /** Milliseconds of the slowest worker. */
  ms: number;
}

/** Runs the check-then-act race (or its `Condition` fix) and counts overdrafts. */
export async function runCheckThenActDemo(options: CheckThenActOptions = {}): Promise<CheckThenActResult> {
  const withdrawals = count('withdrawals', options.withdrawals ?? 20_000, 0);
  const withdrawers = count('withdrawers', options.withdrawers ?? 2, 1);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const cond = options.condition ? new Condition(new Lock()) : undefined;
  const start = new Barrier(withdrawers + 1);
  const jobs: Job[] = [
    { role: 'deposit', counter, count: withdrawals * withdrawers, start, cond },
    ...Array.from({ length: withdrawers }, (): Job => ({ role: 'withdraw', counter, count: withdrawals, start, cond })),
  ];
  const results = await runAll(jobs, options.timeout);
  return {
    overdrafts: results.reduce((n, r) => n + r.overdrafts, 0),
    balance: Atomics.load(counter, 0),
    ms: Math.max(...results.map((r) => r.ms)),
  };
}

interface Job {
  role: RaceRole;
  counter: Int32Array | SharedArray<'int32'>;
  count: number;
  start: Barrier;
  lock?: Lock | undefined;
  cond?: Condition | undefined;
}

/** Runs every job at once, on worker threads or in child processes, and collects their reports. */
async function runAll(jobs: Job[], timeout = 120_000, processes = false): Promise<RaceJobReport[]> {
  const parties = jobs.map(processes ? startProcess : startThread);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.all(parties.map((p) => p.report)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`race demo did not finish within ${timeout} ms`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await Promise.all(parties.map((p) => p.stop()));
  }
}

interface Party {
  report: Promise<RaceJobReport>;
  stop(): Promise<unknown>;
}

function startThread(job: Job): Party {
  const worker = startWorker(job);
  return { report: report(worker), stop: () => worker.terminate() };
}

function startProcess(job: Job): Party {
  const module = new URL(`./race-job${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const child = new Process(module, 'raceJob', [job.role, job.counter, job.count, job.start, job.lock ?? null, job.cond ?? null]).start();
  return { report: child.join() as Promise<RaceJobReport>, stop: async () => child.kill('SIGKILL') };
}

function report(w: Worker): Promise<RaceJobReport> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`race worker exited with code ${code} before reporting`)));
  });
}

// Compiled, the worker is race-worker.js beside this file. Under tsx (this file is .ts), a
// worker does not inherit the loader, so an eval bootstrap registers tsx first.
function startWorker(workerData: object): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./race-worker.js', here), { workerData });
  const boot = `const { workerData } = require('node:worker_threads');
import(workerData.__tsx).then((m) => { m.register(); return import(workerData.__entry); });`;
  return new Worker(boot, {
    eval: true,
    workerData: { ...workerData, __tsx: import.meta.resolve('tsx/esm/api'), __entry: new URL('./race-worker.ts', here).href },
  });
}

function count(what: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${String(n)}`);
  return n;
}
