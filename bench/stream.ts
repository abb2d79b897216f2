// Streams (issue 16): items per second a caller receives from `pool.stream` (an async
// generator task yielding small ints, each consumed with `for await`; also with a window of
// 1024, and from a sync `function*`), next to the same count of items through `pool.map` (an
// identity task over a range) and through a hand-built weft/shared `Channel` (the task
// `sendSync`s into it, the caller `for await`s it), all on one worker, in one run, rounds
// interleaved. `redis`: the same through a RedisPool and an in-process RedisWorker (model
// thread, size 1) on a redis-server started here (the Channel cannot cross Redis: skipped):
//
//   npm run build && node --import tsx bench/stream.ts [--rounds=5] [--items=200000] [--only=thread,process,redis,stream,map,channel]
//
// weft is measured as shipped: dist/. Prints one JSON line per measurement (the median over
// rounds), then a summary of ratios of medians against `stream` and against `map`.

import { parseArgs } from 'node:util';
import { median, now, perSecond } from './lib/measure.js';
import { emit, printSummary, type Measurement } from './lib/report.js';

const TASKS = new URL('./fixtures/stream-tasks.mjs', import.meta.url);
const { values } = parseArgs({ options: { rounds: { type: 'string' }, items: { type: 'string' }, only: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 5);
const ITEMS = Number(values.items ?? 200_000);
const only = values.only?.split(',');
const wanted = (name: string): boolean => !only || only.includes(name);

interface Weft {
  stream(name: string, ...args: unknown[]): AsyncIterable<number>;
  streamWith(name: string, args: unknown[], options: { window: number }): AsyncIterable<number>;
  map(name: string, input: Iterable<number>): AsyncIterable<number>;
  run(name: string, ...args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}
type PoolClass = new (module: URL, options: object) => Weft;

const weft = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, PoolClass>;
const { Channel } = (await import(new URL('../dist/shared/index.js', import.meta.url).href)) as { Channel: new (o: object) => AsyncIterable<number> };

/** A RedisPool over an in-process RedisWorker on a redis-server of its own; closing it stops all three. */
async function redisPool(): Promise<Weft> {
  const { RedisServer } = await import('../test/redis/server.js');
  const redis = (await import(new URL('../dist/redis/index.js', import.meta.url).href)) as {
    RedisPool: PoolClass;
    RedisWorker: new (module: URL, options: object) => { ready: Promise<void>; close(): Promise<void> };
  };
  const server = await RedisServer.start();
  const options = { connection: server.url, queue: 'stream-bench' };
  const worker = new redis.RedisWorker(TASKS, { ...options, size: 1 });
  await worker.ready;
  const pool = new redis.RedisPool(TASKS, options);
  const close = pool.close.bind(pool);
  pool.close = () => close().then(() => worker.close()).then(() => server.stop());
  return pool;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Sums what `it` yields, checking it got every item. */
async function drain(it: AsyncIterable<number>): Promise<void> {
  let sum = 0;
  for await (const v of it) sum += v;
  if (sum !== (ITEMS * (ITEMS - 1)) / 2) throw new Error(`lost items: sum ${sum}`);
}

type Impl = [name: string, note: string, body: (pool: Weft) => Promise<void>];
const IMPLS: Impl[] = [
  ['stream', 'async function* task, for await, default window (64)', (pool) => drain(pool.stream('count', ITEMS))],
  ['stream-w1024', 'the same, window 1024', (pool) => drain(pool.streamWith('count', [ITEMS], { window: 1024 }))],
  ['stream-sync', 'function* task, default window', (pool) => drain(pool.stream('countSync', ITEMS))],
  ['map', 'map(echo, range): items go both ways', (pool) => drain(pool.map('echo', range(ITEMS)))],
  [
    'channel',
    'task sendSync()s into a Channel(64 KiB), caller for-awaits it',
    async (pool) => {
      const channel = new Channel({ capacity: 1 << 16 });
      const done = pool.run('fillChannel', channel, ITEMS);
      await drain(channel);
      await done;
    },
  ],
];

const all: Measurement[] = [];
for (const kind of ['thread', 'process', 'redis']) {
  if (!wanted(kind)) continue;
  const pool = kind === 'redis' ? await redisPool() : new weft[kind === 'thread' ? 'ThreadPool' : 'ProcessPool']!(TASKS, { size: 1 });
  const impls = IMPLS.filter(([name]) => wanted(name.split('-')[0]!) && !(kind === 'redis' && name === 'channel'));
  const rates = new Map<string, number[]>(impls.map(([name]) => [name, []]));
  const skipped = new Map<string, string>();
  for (const [name, , body] of impls) {
    try {
      await body(pool); // warm-up
    } catch (error) {
      skipped.set(name, error instanceof Error ? error.message : String(error));
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, , body] of impls) {
      if (skipped.has(name)) continue;
      const t0 = now();
      await body(pool);
      rates.get(name)!.push(perSecond(ITEMS, now() - t0));
    }
  }
  await pool.close();
  for (const [name, note] of impls) {
    if (skipped.has(name)) {
      console.log(`${kind}/${name} skipped: ${skipped.get(name)}`);
      continue;
    }
    const m: Measurement = { bench: `stream-${kind}`, impl: name, value: median(rates.get(name)!), unit: 'items/s', better: 'higher', rounds: rates.get(name), note, extra: { items: ITEMS } };
    all.push(m);
    emit(m);
  }
}
printSummary(all, ['stream', 'map', 'channel'], IMPLS.map(([name]) => name));
