// RedisPool benchmark: weft's RedisPool with `weft worker` processes next to raw BullMQ used
// the way its docs show (Queue.add + Worker + QueueEvents/waitUntilFinished), on one
// redis-server started here on a free loopback port; ThreadPool and ProcessPool beside them
// show the price of distribution. Run on demand: `npm run build && node --import tsx bench/redis.ts`
// (weft is measured as shipped, from dist/). `--quick` cuts rounds; `--only rtt,tiny` runs only the
// named benches (rtt, tiny, map, local, scaling), `--impls weft,raw-bullmq` only the named
// implementations, for quick comparisons. Never part of `npm test`.
//
// Benches: rtt (one call at a time to one worker process, p50/p90; rtt-2w: the same with the
// two worker processes of the next benches, where an idle second worker costs every
// implementation a few tenths of a ms), tiny-5k (5,000 tiny calls at once, 2 worker
// processes), map-100k (weft's map of 100,000 items; raw BullMQ one job per item, over 10,000),
// fib-scaling (16 x fib(32): 2 worker processes against 1). Impls: weft (workers as shipped, tasks in
// a local ThreadPool), weft-async (`--model async`: tasks on the worker's main thread, as raw
// BullMQ runs them, so the gap between the two is the price of the thread hop), raw-bullmq.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { RedisServer } from '../test/redis/server.js';
import { median, percentile, perSecond, rounds, timeMs } from './lib/measure.js';
import { emit, printSummary, printTargets, valueOf, type Measurement, type Target } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./fixtures/tasks.mjs', import.meta.url));
const RAW_WORKER = fileURLToPath(new URL('./fixtures/bullmq-worker.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 3;
const CONCURRENCY = 8;
/** Longest a raw BullMQ call waits for its completion event before the bench fails loudly. */
const RAW_WAIT_MS = 60_000;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(process.argv[onlyAt + 1]?.split(',')) : undefined;
/** Whether bench `name` runs this time. */
const runs = (name: string): boolean => !only || only.has(name);
const implsAt = process.argv.indexOf('--impls');
const impls = implsAt >= 0 ? new Set(process.argv[implsAt + 1]?.split(',')) : undefined;
/** Whether implementation `name` runs this time (`--impls weft,raw-bullmq`). */
const measures = (name: string): boolean => !impls || impls.has(name);

interface Adapter {
  run(name: string, arg: unknown): Promise<unknown>;
  /** Applies `echo` to `count` items; resolves to how many results came back. */
  map(count: number): Promise<number>;
  close(): Promise<void>;
}
interface Impl {
  name: string;
  /** Starts `workers` worker processes of `size`, each taking `concurrency` jobs at once, and a producer. */
  create(url: string, queue: string, workers: number, size: number, concurrency: number): Promise<Adapter>;
}

/** Every worker process started, killed if the bench itself ends early. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/** Starts a child and waits for its line containing 'ready'. */
async function startChild(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
  return child;
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));
}

/** weft's RedisPool with `weft worker` processes of `model` (default: thread, weft's default; an async worker runs `concurrency` tasks at once). */
function weftImpl(name: string, model?: 'async'): Impl {
  return {
    name,
    async create(url, queue, workers, size, concurrency) {
      const { RedisPool } = (await import(new URL('../dist/redis/index.js', import.meta.url).href)) as typeof import('../src/redis/index.js');
      const children = await Promise.all(
        Array.from({ length: workers }, () => startChild([CLI, 'worker', TASKS, '--redis', url, '--queue', queue, '--concurrency', String(concurrency), ...(model ? ['--model', model] : ['--size', String(size)])])),
      );
      const pool = new RedisPool<typeof import('./fixtures/tasks.mjs')>(TASKS, { connection: url, queue });
      return {
        run: (name, arg) => pool.run(name as 'echo', arg),
        async map(count) {
          let n = 0;
          for await (const chunk of pool.map('echo', Array.from({ length: count }, (_, i) => i)).chunks()) n += chunk.length;
          return n;
        },
        async close() {
          await pool.close();
          await stopChildren(children);
        },
      };
    },
  };
}
/** weft as shipped: each worker runs its tasks in a local ThreadPool. */
const weft = weftImpl('weft');
/** Workers with `--model async`: tasks on the worker's main thread, as the raw anchor runs them (the price of the thread hop). */
const weftAsync = weftImpl('weft-async', 'async');

const raw: Impl = {
  name: 'raw-bullmq',
  async create(url, queue, workers, _size, concurrency) {
    const { hostname, port } = new URL(url);
    const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
    const children = await Promise.all(Array.from({ length: workers }, () => startChild([RAW_WORKER, url, queue, String(concurrency)])));
    // Finished jobs are kept a while: waitUntilFinished reads the finished job.
    const q = new Queue(queue, { connection, defaultJobOptions: { removeOnComplete: { count: 20_000 }, removeOnFail: { count: 1000 } } });
    const events = new QueueEvents(queue, { connection });
    await events.waitUntilReady();
    // A completion event QueueEvents misses (its stream is trimmed, its reading best-effort) would hang the bench: bound the wait.
    const finished = (job: Job): Promise<unknown> => job.waitUntilFinished(events, RAW_WAIT_MS);
    const run = async (name: string, arg: unknown): Promise<unknown> => finished(await q.add(name, arg));
    return {
      run,
      async map(count) {
        // One job per item, added in bulk chunks as a careful BullMQ user would, each awaited.
        let n = 0;
        for (let i = 0; i < count; i += 1000) {
          const jobs = await q.addBulk(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ name: 'echo', data: i + k })));
          n += (await Promise.all(jobs.map(finished))).length;
        }
        return n;
      },
      async close() {
        await events.close();
        await q.close();
        await stopChildren(children);
      },
    };
  },
};

/** ThreadPool and ProcessPool on the same tiny task: the price of distribution. */
async function local(kind: 'ThreadPool' | 'ProcessPool'): Promise<Adapter> {
  const mod = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, new (m: string, o: object) => { run(n: string, a: unknown): Promise<unknown>; close(): Promise<void> }>;
  const pool = new mod[kind]!(TASKS, { size: 2 });
  return { run: (n, a) => pool.run(n, a), map: async () => 0, close: () => pool.close() };
}

let queues = 0;

async function benchRtt(impl: string, adapter: Adapter, record: (m: Measurement) => void, bench = 'rtt'): Promise<void> {
  for (let i = 0; i < 200; i++) await adapter.run('echo', i); // warm up
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 100 : 300); i++) samples.push(await timeMs(() => adapter.run('echo', i)));
  record({ bench, metric: 'p50', impl, value: median(samples), unit: 'ms', better: 'lower' });
  if (bench === 'rtt') record({ bench, metric: 'p90', impl, value: percentile(samples, 90), unit: 'ms', better: 'lower' });
}

async function benchTiny(impl: string, adapter: Adapter, record: (m: Measurement) => void): Promise<void> {
  const n = 5000;
  await Promise.all(Array.from({ length: 1000 }, (_, i) => adapter.run('echo', i))); // warm up: the first burst compiles every path
  const per = await rounds(ROUNDS, async () => perSecond(n, await timeMs(() => Promise.all(Array.from({ length: n }, (_, i) => adapter.run('echo', i))))));
  record({ bench: 'tiny-5k', impl, value: median(per), unit: 'tasks/s', better: 'higher', rounds: per });
}

async function benchMap(impl: string, adapter: Adapter, count: number, record: (m: Measurement) => void): Promise<void> {
  const per = await rounds(ROUNDS, async () => {
    let got = 0;
    const ms = await timeMs(async () => (got = await adapter.map(count)));
    if (got !== count) throw new Error(`${impl} map returned ${got} of ${count}`);
    return perSecond(count, ms);
  });
  record({ bench: 'map-100k', impl, value: median(per), unit: 'items/s', better: 'higher', rounds: per, note: `${count} items` });
}

async function benchScaling(impl: Impl, url: string, record: (m: Measurement) => void): Promise<void> {
  const times: number[] = [];
  for (const workers of [1, 2]) {
    const adapter = await impl.create(url, `fib-${impl.name}-${++queues}`, workers, 1, 1); // CPU-bound: one job at a time per worker
    await adapter.run('fib', 20);
    const ms = await rounds(ROUNDS, () => timeMs(() => Promise.all(Array.from({ length: 16 }, () => adapter.run('fib', 32)))));
    times.push(median(ms));
    await adapter.close();
  }
  record({ bench: 'fib-scaling', metric: 'speedup', impl: impl.name, value: times[0]! / times[1]!, unit: 'x', better: 'higher', note: `1 worker ${times[0]!.toFixed(0)} ms, 2 workers ${times[1]!.toFixed(0)} ms` });
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const all: Measurement[] = [];
  const record = (m: Measurement): void => {
    emit(m);
    all.push(m);
  };
  try {
    for (const impl of [weft, weftAsync, raw].filter((i) => measures(i.name))) {
      if (runs('rtt')) {
        const one = await impl.create(server.url, `bench-${impl.name}-${++queues}`, 1, 2, CONCURRENCY);
        await benchRtt(impl.name, one, record);
        await one.close();
      }
      const adapter = await impl.create(server.url, `bench-${impl.name}-${++queues}`, 2, 2, CONCURRENCY);
      if (runs('rtt')) await benchRtt(impl.name, adapter, record, 'rtt-2w');
      if (runs('tiny')) await benchTiny(impl.name, adapter, record);
      if (runs('map')) await benchMap(impl.name, adapter, impl === raw ? 10_000 : 100_000, record);
      await adapter.close();
    }
    for (const kind of runs('local') ? (['ThreadPool', 'ProcessPool'] as const) : []) {
      const adapter = await local(kind);
      await benchRtt(`weft-${kind}`, adapter, record);
      await benchTiny(`weft-${kind}`, adapter, record);
      await adapter.close();
    }
    if (runs('scaling')) for (const impl of [weft, raw].filter((i) => measures(i.name))) await benchScaling(impl, server.url, record);
  } finally {
    await server.stop();
  }
  printSummary(all, ['weft', 'raw-bullmq'], ['weft', 'weft-async', 'raw-bullmq', 'weft-ThreadPool', 'weft-ProcessPool']);
  const ratio = (bench: string, metric?: string) => {
    const w = valueOf(all, bench, 'weft', metric);
    const r = valueOf(all, bench, 'raw-bullmq', metric);
    return w && r ? w / r : undefined;
  };
  const targets: Target[] = [
    { label: 'rtt: weft p50 <= 2 ms', check: (ms) => { const v = valueOf(ms, 'rtt', 'weft', 'p50'); return v ? { met: v <= 2, shown: `${v.toFixed(2)} ms` } : undefined; } },
    { label: 'tiny-5k: weft >= raw BullMQ and >= 3,000/s', check: (ms) => { const v = valueOf(ms, 'tiny-5k', 'weft'); const q = ratio('tiny-5k'); return v && q ? { met: v >= 3000 && q >= 1, shown: `${v.toFixed(0)}/s, ${q.toFixed(2)}x raw` } : undefined; } },
    { label: 'map-100k: weft >= 10x raw BullMQ one job per item', check: () => { const q = ratio('map-100k'); return q ? { met: q >= 10, shown: `${q.toFixed(1)}x` } : undefined; } },
    { label: 'fib-scaling: 2 worker processes >= 1.7x one', check: (ms) => { const v = valueOf(ms, 'fib-scaling', 'weft', 'speedup'); return v ? { met: v >= 1.7, shown: `${v.toFixed(2)}x` } : undefined; } },
  ];
  printTargets(all, targets);
}

await main();
