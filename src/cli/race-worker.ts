/**
 * Worker side of the race demonstrations (`race-demo.ts`). Internal: started by `runRaceDemo`
 * and `runCheckThenActDemo`, as compiled .js or, under tsx, as .ts through an eval bootstrap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Barrier, Condition, Lock } from '../shared/index.js';

interface Job {
  role: 'increment' | 'deposit' | 'withdraw';
  counter: Int32Array;
  count: number;
  start: unknown;
  lock?: unknown;
  cond?: unknown;
}

const job = workerData as Job;
const c = job.counter;
const lock = job.lock === undefined ? undefined : Lock.from(job.lock);
const cond = job.cond === undefined ? undefined : Condition.from(job.cond);
Barrier.from(job.start).waitSync({ timeout: 30_000 });
const t0 = performance.now();
let overdrafts = 0;
// Stands for the work a real program does between deciding and acting (validating, logging...).
const think = (): void => {
  for (let k = 0; k < 200; k++) Atomics.load(c, 0);
};

if (job.role === 'increment') {
  for (let i = 0; i < job.count; i++) {
    if (lock) lock.acquireSync();
    // Read, add, write: three steps another thread can interleave with (Python's `counter += 1`).
    // Each step is an atomic load or store so the JIT cannot fuse the loop into one addition;
    // only their combination is unprotected.
    Atomics.store(c, 0, Atomics.load(c, 0) + 1);
    if (lock) lock.release();
  }
} else if (job.role === 'deposit') {
  for (let i = 0; i < job.count; i++) {
    think(); // paced like the withdrawers, so the balance hovers near zero
    if (cond) {
      cond.acquireSync();
      Atomics.add(c, 0, 1);
      cond.notify();
      cond.release();
    } else {
      Atomics.add(c, 0, 1);
    }
  }
} else {
  for (let taken = 0; taken < job.count; ) {
    if (cond) {
      cond.acquireSync();
      cond.waitForSync(() => Atomics.load(c, 0) > 0, { timeout: 30_000 });
      think();
      if (Atomics.sub(c, 0, 1) <= 0) overdrafts++;
      cond.release();
      taken++;
    } else if (Atomics.load(c, 0) > 0) {
      // Check, then act: another withdrawer may take the last unit in between.
      think();
      if (Atomics.sub(c, 0, 1) <= 0) overdrafts++;
      taken++;
    }
  }
}

parentPort!.postMessage({ ms: performance.now() - t0, overdrafts });
