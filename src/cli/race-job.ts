/**
 * The work of one party in the race demonstrations (`race-demo.ts`): increment a shared
 * counter, deposit into it or withdraw from it, with or without weft's Lock or Condition. Run
 * on a worker thread (through `race-worker.ts`) or, with `--processes`, as the task of a child
 * `Process`, over the same shared memory. Internal.
 */
import type { Barrier, Condition, Lock, SharedArray } from '../shared/index.js';

/** What a party reports: its loop's time, and the withdrawals that overdrew the balance. */
export interface RaceJobReport {
  ms: number;
  overdrafts: number;
}

/** Which part a party plays. */
export type RaceRole = 'increment' | 'deposit' | 'withdraw';

/** Meets the other parties at `start`, then plays `role` `count` times on `counter`. */
export function raceJob(
  role: RaceRole, counter: Int32Array | SharedArray<'int32'>, count: number, start: Barrier, lock: Lock | null, cond: Condition | null,
): RaceJobReport {
  const c = counter instanceof Int32Array ? counter : counter.view;
  start.waitSync({ timeout: 30_000 });
  const t0 = performance.now();
  let overdrafts = 0;
  // Stands for the work a real program does between deciding and acting (validating, logging...).
  const think = (): void => {
    for (let k = 0; k < 200; k++) Atomics.load(c, 0);
  };
  if (role === 'increment') {
    for (let i = 0; i < count; i++) {
      if (lock) lock.acquireSync();
      // Read, add, write: three steps another party can interleave with (Python's `counter += 1`).
      // Each step is an atomic load or store so the JIT cannot fuse the loop into one addition;
      // only their combination is unprotected.
      Atomics.store(c, 0, Atomics.load(c, 0) + 1);
      if (lock) lock.release();
    }
  } else if (role === 'deposit') {
    for (let i = 0; i < count; i++) {
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
    for (let taken = 0; taken < count; ) {
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
  return { ms: performance.now() - t0, overdrafts };
}
