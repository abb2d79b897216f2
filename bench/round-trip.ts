// One-task round trip (issue 11): how long `await pool.run('echo', i)` takes, one call at a
// time, on a ThreadPool and a ProcessPool of one worker, next to the bare baselines: a worker
// thread answering `postMessage` and a forked child answering `process.send` (advanced
// serialization, as weft's children use). Run on demand:
//
//   npm run build && node --import tsx bench/round-trip.ts [--rounds=7] [--no-pin]
//
// Each measurement runs in a fresh process pinned with `taskset -c 0` (when taskset exists
// and --no-pin is not given), so every thread shares one CPU: this VM's cross-CPU wake-ups
// otherwise swamp a figure of a few microseconds. Implementations alternate round by round;
// the value is the median over rounds of each round's median µs per call.

import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { median, now } from './lib/measure.js';
import { emit, printSummary, printTargets, valueOf, type Measurement, type Target } from './lib/report.js';

const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url);
const ECHO_CHILD = new URL('./fixtures/echo-child.mjs', import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const CALLS = 5000;
const WARMUP = 2000;
const INNER_ROUNDS = 5;

type Call = (i: number) => Promise<unknown>;
interface Subject {
  call: Call;
  close(): Promise<unknown> | void;
}

const IMPLS: Record<string, () => Promise<Subject>> = {
  'weft-thread': () => weft('ThreadPool'),
  'raw-thread': async () => {
    const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", { eval: true });
    return oneAtATime((m) => worker.postMessage(m), (on) => worker.on('message', on), () => worker.terminate());
  },
  'weft-process': () => weft('ProcessPool'),
  'raw-process': async () => {
    const child = fork(fileURLToPath(ECHO_CHILD), [], { execArgv: [], serialization: 'advanced' });
    return oneAtATime((m) => child.send(m), (on) => child.on('message', on), () => child.disconnect());
  },
};

async function weft(kind: 'ThreadPool' | 'ProcessPool'): Promise<Subject> {
  const mod = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, new (m: URL, o: object) => { run(n: string, x: unknown): Promise<unknown>; close(): Promise<void> }>;
  const pool = new mod[kind]!(TASKS, { size: 1, execArgv: [] });
  return { call: (i) => pool.run('echo', i), close: () => pool.close() };
}

/** A bare request/response over a message channel: one message out, one back. */
function oneAtATime(send: (m: number) => void, listen: (on: (m: unknown) => void) => void, close: () => unknown): Subject {
  let resolve: (v: unknown) => void = () => {};
  listen((m) => resolve(m));
  return { call: (i) => new Promise((r) => ((resolve = r), send(i))), close: () => void close() };
}

/** In a child: µs per call, the median of a few loops after a warm-up. */
async function measure(name: string): Promise<number> {
  const subject = await IMPLS[name]!();
  for (let i = 0; i < WARMUP; i++) await subject.call(i);
  const loops: number[] = [];
  for (let r = 0; r < INNER_ROUNDS; r++) {
    const t0 = now();
    for (let i = 0; i < CALLS; i++) await subject.call(i);
    loops.push(((now() - t0) * 1000) / CALLS);
  }
  await subject.close();
  return median(loops);
}

const { values } = parseArgs({ options: { child: { type: 'string' }, rounds: { type: 'string' }, 'no-pin': { type: 'boolean' } } });

if (values.child) {
  process.stdout.write(`${await measure(values.child)}\n`);
  process.exit(0);
}

const pin = !values['no-pin'] && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const rounds = Number(values.rounds ?? 7);
const perImpl = new Map<string, number[]>(Object.keys(IMPLS).map((name) => [name, []]));
console.log(`one-task round trip: ${rounds} rounds, ${pin ? 'pinned to CPU 0 (taskset -c 0)' : 'not pinned'}`);
for (let r = 0; r < rounds; r++) {
  for (const name of Object.keys(IMPLS)) {
    const argv = [...process.execArgv, SELF, `--child=${name}`];
    const run = pin ? spawnSync('taskset', ['-c', '0', process.execPath, ...argv], { encoding: 'utf8' }) : spawnSync(process.execPath, argv, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
    perImpl.get(name)!.push(Number(run.stdout.trim().split('\n').at(-1)));
  }
}

const all: Measurement[] = [];
for (const [name, values] of perImpl) {
  const [impl, backend] = name.split('-') as [string, string];
  const m: Measurement = { bench: `round-trip-${backend}`, impl, value: median(values), unit: 'µs', better: 'lower', rounds: values, extra: { pinned: pin } };
  all.push(m);
  emit(m);
}
printSummary(all, ['weft', 'raw'], ['weft', 'raw']);
const within = (backend: string): Target => ({
  label: `round-trip-${backend}: weft within 1.2x raw`,
  check: (ms) => {
    const w = valueOf(ms, `round-trip-${backend}`, 'weft');
    const raw = valueOf(ms, `round-trip-${backend}`, 'raw');
    return w === undefined || raw === undefined ? undefined : { met: w <= 1.2 * raw, shown: `${(w / raw).toFixed(2)}x raw` };
  },
});
printTargets(all, [within('thread'), within('process')]);
