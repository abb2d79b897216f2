// Shared memory and channels between processes (issue 13), with Python's multiprocessing as
// the anchor in the same run (python3 must be on PATH). Run on demand:
//
//   npm run build && node --import tsx bench/processes-shared.ts [--rounds=3] [--only=queue,pipe]
//
// - locked increments: 2 processes x N increments of one shared value, each under a lock
//   (weft: Lock + SharedValue passed to ProcessPool tasks; Python: Value + get_lock());
// - uncontended lock: acquire+release of a process-shared lock in one process (no Python anchor);
// - Queue: 100,000 small ints from a child to the parent (weft Queue; Python mp.Queue);
// - Pipe: one-message echo round trip with a child (weft Pipe; Python mp.Pipe);
// - Channel: numbers from a child to the parent through a weft Channel (no Python anchor).
// Values are medians over rounds; the summary gives weft's ratio to Python where it has one.

import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { median, now } from './lib/measure.js';
import { emit, printSummary, printTargets, valueOf, type Measurement, type Target } from './lib/report.js';

const TASKS = new URL('./fixtures/shared-tasks.mjs', import.meta.url);
const INCREMENTS = 1_000_000;
const QUEUE_ITEMS = 100_000;
const PIPE_TRIPS = 5_000;
const CHANNEL_NUMBERS = 20_000_000;
const LOCK_OPS = 20_000_000;

const { values } = parseArgs({ options: { rounds: { type: 'string' }, only: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 3);
/** Benchmarks to run (by the start of their name: locked, uncontended, queue, pipe, channel); all by default. */
const ONLY = values.only?.split(',').filter(Boolean) ?? [];
const wanted = (bench: string): boolean => ONLY.length === 0 || ONLY.some((o) => bench.startsWith(o));

type Weft = typeof import('../src/index.js') & typeof import('../src/shared/index.js');
type AnyPool = { run(name: string, ...args: unknown[]): Promise<unknown>; close(): Promise<void> };
const weft = {
  ...(await import(new URL('../dist/index.js', import.meta.url).href)),
  ...(await import(new URL('../dist/shared/index.js', import.meta.url).href)),
} as Weft;

/** One Python measurement: the script prints a single number. */
function python(script: string): number {
  const run = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

const PY_INCREMENTS = `
import multiprocessing as mp, time
def work(v, n, start):
    start.wait()
    for _ in range(n):
        with v.get_lock():
            v.value += 1
if __name__ == '__main__':
    v = mp.Value('i', 0); start = mp.Barrier(3)
    ps = [mp.Process(target=work, args=(v, ${INCREMENTS}, start)) for _ in range(2)]
    for p in ps: p.start()
    start.wait(); t = time.perf_counter()
    for p in ps: p.join()
    assert v.value == ${2 * INCREMENTS}
    print(${2 * INCREMENTS} / (time.perf_counter() - t))
`;

const PY_QUEUE = `
import multiprocessing as mp, time
def fill(q, n):
    for i in range(n): q.put(i)
if __name__ == '__main__':
    q = mp.Queue(); p = mp.Process(target=fill, args=(q, ${QUEUE_ITEMS})); t = time.perf_counter(); p.start()
    for _ in range(${QUEUE_ITEMS}): q.get()
    print(${QUEUE_ITEMS} / (time.perf_counter() - t)); p.join()
`;

const PY_PIPE = `
import multiprocessing as mp, time
def echo(c):
    while True:
        m = c.recv()
        if m is None: return
        c.send(m)
if __name__ == '__main__':
    a, b = mp.Pipe(); p = mp.Process(target=echo, args=(b,)); p.start()
    for i in range(500): a.send(i); a.recv()
    t = time.perf_counter()
    for i in range(${PIPE_TRIPS}): a.send(i); a.recv()
    print((time.perf_counter() - t) * 1e6 / ${PIPE_TRIPS}); a.send(None); p.join()
`;

async function weftIncrements(pool: AnyPool): Promise<number> {
  const lock = new weft.Lock();
  const value = new weft.SharedValue('int32');
  const start = new weft.Barrier(3);
  const runs = [pool.run('lockedIncrements', lock, value, INCREMENTS, start), pool.run('lockedIncrements', lock, value, INCREMENTS, start)];
  await start.wait();
  const t = now();
  await Promise.all(runs);
  const ms = now() - t;
  if (value.get() !== 2 * INCREMENTS) throw new Error(`lost updates: ${value.get()}`);
  return (2 * INCREMENTS) / (ms / 1000);
}

function weftUncontended(): number {
  const lock = new weft.Lock();
  const t = now();
  for (let i = 0; i < LOCK_OPS; i++) {
    lock.acquireSync();
    lock.release();
  }
  return LOCK_OPS / ((now() - t) / 1000);
}

async function weftQueue(pool: AnyPool): Promise<number> {
  const queue = new weft.Queue<number>();
  const t = now();
  const filled = pool.run('fillQueue', queue, QUEUE_ITEMS);
  for (let i = 0; i < QUEUE_ITEMS; i++) await queue.get();
  const ms = now() - t;
  await filled;
  return QUEUE_ITEMS / (ms / 1000);
}

async function weftPipe(pool: AnyPool): Promise<number> {
  const [mine, theirs] = weft.Pipe<number>();
  const done = pool.run('echo', theirs);
  await theirs.close();
  for (let i = 0; i < 500; i++) {
    mine.send(i);
    await mine.recv();
  }
  const t = now();
  for (let i = 0; i < PIPE_TRIPS; i++) {
    mine.send(i);
    await mine.recv();
  }
  const us = ((now() - t) * 1000) / PIPE_TRIPS;
  await mine.close();
  await done;
  return us;
}

async function weftChannel(pool: AnyPool): Promise<number> {
  const channel = new weft.Channel<number>({ capacity: 1 << 20 });
  const out = new Float64Array(4096);
  const t = now();
  const sent = pool.run('sendNumbers', channel, CHANNEL_NUMBERS);
  let got = 0;
  for (;;) {
    const n = channel.receiveNumbers(out); // what is ready now, without waiting
    if (n > 0) {
      got += n;
      continue;
    }
    try {
      await channel.receive(); // wait without blocking the loop (which must still send the task)
      got++;
    } catch {
      break; // closed and drained
    }
  }
  const ms = now() - t;
  await sent;
  if (got < CHANNEL_NUMBERS) throw new Error(`channel lost numbers: ${got}`);
  return got / (ms / 1000);
}

const series: Record<string, Record<string, number[]>> = {};
const add = (bench: string, impl: string, v: number): void => void ((series[bench] ??= {})[impl] ??= []).push(v);
const pool = new weft.ProcessPool(TASKS, { size: 2, execArgv: [] }) as unknown as AnyPool;
await pool.run('fillQueue', new weft.Queue<number>(), 1); // both children up
for (let r = 0; r < ROUNDS; r++) {
  console.error(`round ${r + 1}/${ROUNDS}`);
  if (wanted('locked-increments')) {
    add('locked-increments', 'weft', await weftIncrements(pool));
    add('locked-increments', 'python', python(PY_INCREMENTS));
  }
  if (wanted('uncontended-lock')) add('uncontended-lock', 'weft', weftUncontended());
  if (wanted('queue')) {
    add('queue', 'weft', await weftQueue(pool));
    add('queue', 'python', python(PY_QUEUE));
  }
  if (wanted('pipe-round-trip')) {
    add('pipe-round-trip', 'weft', await weftPipe(pool));
    add('pipe-round-trip', 'python', python(PY_PIPE));
  }
  if (wanted('channel')) add('channel', 'weft', await weftChannel(pool));
}
await pool.close();

const units: Record<string, [string, 'higher' | 'lower']> = {
  'locked-increments': ['ops/s', 'higher'], 'uncontended-lock': ['ops/s', 'higher'], queue: ['items/s', 'higher'], 'pipe-round-trip': ['µs', 'lower'], channel: ['numbers/s', 'higher'],
};
const all: Measurement[] = [];
for (const [bench, impls] of Object.entries(series)) {
  for (const [impl, rounds] of Object.entries(impls)) {
    const [unit, better] = units[bench]!;
    const m: Measurement = { bench, impl, value: median(rounds), unit, better, rounds };
    all.push(m);
    emit(m);
  }
}
printSummary(all, ['weft', 'python'], ['weft', 'python']);
const vsPython = (bench: string, factor: number, label: string): Target => ({
  label,
  check: (ms) => {
    const w = valueOf(ms, bench, 'weft');
    const p = valueOf(ms, bench, 'python');
    if (w === undefined || p === undefined) return undefined;
    const ratio = units[bench]![1] === 'higher' ? w / p : p / w;
    return { met: ratio >= factor, shown: `${ratio.toFixed(2)}x python` };
  },
});
const atLeast = (bench: string, floor: number, label: string): Target => ({
  label,
  check: (ms) => {
    const w = valueOf(ms, bench, 'weft');
    return w === undefined ? undefined : { met: w >= floor, shown: `${(w / 1e6).toFixed(1)}M/s` };
  },
});
printTargets(all, [
  vsPython('locked-increments', 10, 'locked increments: weft >= 10x python'),
  atLeast('uncontended-lock', 40e6, 'uncontended cross-process lock >= 40M ops/s'),
  vsPython('queue', 3, 'Queue: weft >= 3x python'),
  vsPython('pipe-round-trip', 2, 'Pipe round trip: weft <= half of python'),
  atLeast('channel', 5e6, 'Channel between processes >= 5M numbers/s'),
]);
