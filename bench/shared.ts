// Shared-memory primitives against their anchors, in one run. Never part of `npm test`.
// Run: node --import tsx bench/shared.ts [--rounds 5] [--only <group text>]
// Prints a table with ratios, then one JSON line per measurement (median of the rounds).
// Anchors (first row of each group): a raw compare-exchange lock, a hand-written futex lock, a raw
// SPSC float64 ring (ringbuf.js's design, spinning), and postMessage on a MessagePort. Channel rows
// cover one value per call and the batched API (sendManySync / receiveNumbersSync / receiveBatchSync).
import { Worker, isMainThread, parentPort, workerData, MessageChannel, type MessagePort } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { Lock, Barrier, Channel } from '../src/shared/index.js';

const INCREMENTS = 1_000_000;
const UNCONTENDED = 10_000_000;
const NUMBERS = 2_000_000;
const OBJECTS = 200_000;

// ---- worker side -------------------------------------------------------------------------
type Job = { kind: string; start: unknown; counter: Int32Array; lock?: unknown; ch?: unknown; port?: MessagePort; ring?: SharedArrayBuffer; n: number };

const BATCH = 1024; // numbers per sendMany block
const OBJ_BATCH = 256; // objects per sendMany call
const smallObject = (i: number): { id: number; name: string; ok: boolean } => ({ id: i, name: 'item', ok: true });

// A raw single-producer single-consumer ring of float64s (ringbuf.js's design): two indices,
// no locks, no sleeping (it spins when full or empty). The anchor for numbers between threads.
const RAW_SLOTS = 8192;
function rawPush(ctl: Int32Array, data: Float64Array, v: number): void {
  const w = ctl[0]!;
  const next = w + 1 === RAW_SLOTS ? 0 : w + 1;
  while (next === Atomics.load(ctl, 1));
  data[w] = v;
  Atomics.store(ctl, 0, next);
}
function rawPop(ctl: Int32Array, data: Float64Array): number {
  const r = ctl[1]!;
  while (r === Atomics.load(ctl, 0));
  const v = data[r]!;
  Atomics.store(ctl, 1, r + 1 === RAW_SLOTS ? 0 : r + 1);
  return v;
}

function futexLock(s: Int32Array): void {
  // Drepper's mutex without spinning: the hand-written anchor.
  let c = Atomics.compareExchange(s, 0, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(s, 0, 2);
  while (c !== 0) {
    Atomics.wait(s, 0, 2);
    c = Atomics.exchange(s, 0, 2);
  }
}
function futexUnlock(s: Int32Array): void {
  if (Atomics.sub(s, 0, 1) !== 1) {
    Atomics.store(s, 0, 0);
    Atomics.notify(s, 0, 1);
  }
}

function runJob(j: Job): number {
  const c = j.counter;
  const lock = j.lock === undefined ? undefined : Lock.from(j.lock);
  const futex = new Int32Array(c.buffer, 4, 1);
  const ch = j.ch === undefined ? undefined : Channel.from<unknown>(j.ch);
  const ctl = j.ring === undefined ? undefined : new Int32Array(j.ring, 0, 16);
  const slots = j.ring === undefined ? undefined : new Float64Array(j.ring, 64, RAW_SLOTS);
  Barrier.from(j.start).waitSync({ timeout: 30_000 });
  const t0 = performance.now();
  switch (j.kind) {
    case 'weft-lock':
      for (let i = 0; i < j.n; i++) { lock!.acquireSync(); c[0]!++; lock!.release(); }
      break;
    case 'futex-lock':
      for (let i = 0; i < j.n; i++) { futexLock(futex); c[0]!++; futexUnlock(futex); }
      break;
    case 'atomics-add':
      for (let i = 0; i < j.n; i++) Atomics.add(c, 0, 1);
      break;
    case 'send-numbers':
      for (let i = 0; i < j.n; i++) ch!.sendSync(i);
      break;
    case 'recv-numbers': {
      let sum = 0;
      for (let got = 0; got < j.n; got++) sum += ch!.receiveSync() as number;
      c[0] = sum === ((j.n - 1) * j.n) / 2 ? 1 : -1;
      break;
    }
    case 'recv-numbers-batched': {
      let got = 0;
      while (got < j.n) {
        const batch = ch!.receiveMany(4096);
        if (batch.length === 0) {
          ch!.receiveSync({ timeout: 30_000 }); // nothing ready: sleep until something is
          got++;
        }
        got += batch.length;
      }
      break;
    }
    case 'raw-push':
      for (let i = 0; i < j.n; i++) rawPush(ctl!, slots!, i);
      break;
    case 'raw-pop': {
      let sum = 0;
      for (let got = 0; got < j.n; got++) sum += rawPop(ctl!, slots!);
      c[0] = sum === ((j.n - 1) * j.n) / 2 ? 1 : -1;
      break;
    }
    case 'send-numbers-many': {
      const block = new Float64Array(BATCH);
      for (let i = 0; i < j.n; i += BATCH) {
        const k = Math.min(BATCH, j.n - i);
        for (let x = 0; x < k; x++) block[x] = i + x;
        ch!.sendManySync(k === BATCH ? block : block.subarray(0, k));
      }
      break;
    }
    case 'recv-numbers-floats': {
      const out = new Float64Array(4096);
      let sum = 0;
      for (let got = 0; got < j.n; ) {
        const k = ch!.receiveNumbersSync(out, { timeout: 30_000 });
        for (let x = 0; x < k; x++) sum += out[x]!;
        got += k;
      }
      c[0] = sum === ((j.n - 1) * j.n) / 2 ? 1 : -1;
      break;
    }
    case 'send-objects-many': {
      const batch: unknown[] = [];
      for (let i = 0; i < j.n; i += OBJ_BATCH) {
        batch.length = 0;
        for (let x = i; x < Math.min(j.n, i + OBJ_BATCH); x++) batch.push(smallObject(x));
        ch!.sendManySync(batch);
      }
      break;
    }
    case 'recv-objects-batched':
      for (let got = 0; got < j.n; ) got += ch!.receiveBatchSync({ timeout: 30_000 }).length;
      break;
    case 'send-objects':
      for (let i = 0; i < j.n; i++) ch!.sendSync(smallObject(i));
      break;
    case 'recv-objects':
      for (let got = 0; got < j.n; got++) ch!.receiveSync();
      break;
    case 'post-objects':
      for (let i = 0; i < j.n; i++) j.port!.postMessage(smallObject(i));
      break;
  }
  return performance.now() - t0;
}

if (!isMainThread) {
  const j = workerData as Job;
  if (j.kind === 'recv-posted') {
    Barrier.from(j.start).waitSync({ timeout: 30_000 });
    const t0 = performance.now();
    let got = 0;
    j.port!.on('message', () => {
      if (++got === j.n) {
        parentPort!.postMessage(performance.now() - t0);
        j.port!.close();
      }
    });
  } else {
    parentPort!.postMessage(runJob(j));
  }
}

// ---- main side ---------------------------------------------------------------------------
function spawn(data: Omit<Job, 'start'> & { start: Barrier }, transfer: MessagePort[] = []): Promise<number> {
  const here = import.meta.url;
  const boot = `const { workerData } = require('node:worker_threads');
import(workerData.__tsx).then((m) => { m.register(); return import(workerData.__entry); });`;
  const w = new Worker(boot, {
    eval: true,
    workerData: { ...data, __tsx: import.meta.resolve('tsx/esm/api'), __entry: here },
    transferList: transfer,
  });
  return new Promise<number>((resolve, reject) => {
    w.once('message', (ms: number) => void w.terminate().then(() => resolve(ms)));
    w.once('error', reject);
  });
}

async function pair(a: string, b: string | undefined, n: number, extra: Partial<Job> = {}): Promise<number> {
  const start = new Barrier(b ? 2 : 2);
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const jobs = [spawn({ kind: a, start, counter, n, ...extra } as Job & { start: Barrier })];
  jobs.push(spawn({ kind: b ?? a, start, counter, n, ...extra } as Job & { start: Barrier }));
  const times = await Promise.all(jobs);
  if (a === 'weft-lock' || a === 'futex-lock' || a === 'atomics-add') {
    if (counter[0] !== 2 * n) throw new Error(`${a}: counter ${counter[0]} != ${2 * n}`);
  }
  if ((b === 'recv-numbers' || b === 'raw-pop' || b === 'recv-numbers-floats') && counter[0] !== 1) throw new Error(`${b}: numbers arrived wrong`);
  return Math.max(...times);
}

async function postPair(n: number): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  const start = new Barrier(2);
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const [, recv] = await Promise.all([
    spawn({ kind: 'post-objects', start, counter, n, port: port1 } as Job & { start: Barrier }, [port1]),
    spawn({ kind: 'recv-posted', start, counter, n, port: port2 } as Job & { start: Barrier }, [port2]),
  ]);
  return recv;
}

function uncontendedWeft(n: number): number {
  const lock = new Lock();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { lock.acquireSync(); lock.release(); }
  return performance.now() - t0;
}

function uncontendedRaw(n: number): number {
  const s = new Int32Array(new SharedArrayBuffer(4));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    while (Atomics.compareExchange(s, 0, 0, 1) !== 0);
    Atomics.store(s, 0, 0);
  }
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;

interface Row { group: string; name: string; ops: number; ms: number; opsPerSec: number; ratio: number; anchor: string }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, only: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const measure = async (fn: () => number | Promise<number>): Promise<number> => {
    const xs: number[] = [];
    for (let r = 0; r < rounds; r++) xs.push(await fn());
    return median(xs);
  };
  uncontendedWeft(1_000_000); // warm-up
  uncontendedRaw(1_000_000);
  // [group, name, ops, run]; the first row of a group is its anchor. --only <text> keeps the groups that contain it.
  const plan: [string, string, number, () => number | Promise<number>][] = [
    ['uncontended lock', 'raw Atomics.compareExchange lock', UNCONTENDED, () => uncontendedRaw(UNCONTENDED)],
    ['uncontended lock', 'weft Lock acquireSync/release', UNCONTENDED, () => uncontendedWeft(UNCONTENDED)],
    ['2 workers x 1M increments', 'hand-written futex lock', 2 * INCREMENTS, () => pair('futex-lock', undefined, INCREMENTS, { lock: new Lock() })],
    ['2 workers x 1M increments', 'weft Lock', 2 * INCREMENTS, () => pair('weft-lock', undefined, INCREMENTS, { lock: new Lock() })],
    ['2 workers x 1M increments', 'Atomics.add (no lock)', 2 * INCREMENTS, () => pair('atomics-add', undefined, INCREMENTS)],
    ['numbers between 2 threads', 'raw SPSC ring (ringbuf.js-style, spins)', NUMBERS, () => pair('raw-push', 'raw-pop', NUMBERS, { ring: new SharedArrayBuffer(64 + 8 * RAW_SLOTS) })],
    ['numbers between 2 threads', 'Channel sendSync/receiveSync', NUMBERS, () => pair('send-numbers', 'recv-numbers', NUMBERS, { ch: new Channel({ capacity: 1 << 16 }) })],
    ['numbers between 2 threads', 'Channel sendSync/receiveMany', NUMBERS, () => pair('send-numbers', 'recv-numbers-batched', NUMBERS, { ch: new Channel({ capacity: 1 << 16 }) })],
    ['numbers between 2 threads', `Channel sendManySync(${BATCH})/receiveNumbersSync`, NUMBERS, () => pair('send-numbers-many', 'recv-numbers-floats', NUMBERS, { ch: new Channel({ capacity: 1 << 16 }) })],
    ['small objects between 2 threads', 'postMessage (MessagePort)', OBJECTS, () => postPair(OBJECTS)],
    ['small objects between 2 threads', 'Channel sendSync/receiveSync', OBJECTS, () => pair('send-objects', 'recv-objects', OBJECTS, { ch: new Channel({ capacity: 1 << 16 }) })],
    ['small objects between 2 threads', `Channel sendManySync(${OBJ_BATCH})/receiveBatchSync`, OBJECTS, () => pair('send-objects-many', 'recv-objects-batched', OBJECTS, { ch: new Channel({ capacity: 1 << 16 }) })],
  ];
  const results: [string, string, number, number][] = [];
  for (const [group, name, ops, run] of plan) {
    if (values.only === undefined || group.includes(values.only)) results.push([group, name, ops, await measure(run)]);
  }
  const anchors = new Map<string, number>();
  const rows: Row[] = results.map(([group, name, ops, ms]) => {
    if (!anchors.has(group)) anchors.set(group, ms);
    const anchorMs = anchors.get(group)!;
    const anchor = results.find((r) => r[0] === group)![1];
    return { group, name, ops, ms: +ms.toFixed(2), opsPerSec: Math.round((ops / ms) * 1000), ratio: +(anchorMs / ms).toFixed(2), anchor };
  });
  console.log(`weft/shared bench: median of ${rounds} rounds, node ${process.version}; ratio = anchor time / this time (>1 is faster than the anchor)`);
  console.table(rows.map((r) => ({ group: r.group, name: r.name, 'Mops/s': +(r.opsPerSec / 1e6).toFixed(2), ms: r.ms, 'vs anchor': r.ratio })));
  for (const r of rows) console.log(JSON.stringify({ bench: 'shared', ...r }));
}

if (isMainThread) await main();
