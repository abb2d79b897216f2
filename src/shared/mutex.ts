/**
 * A futex mutex on one Int32 word, after Drepper's "Futexes are tricky" (mutex 2/3).
 * Internal: `Lock`, `RLock`, `Barrier`, `SharedValue` and `Channel` build on it.
 *
 * States: 0 free, 1 held with no waiters, 2 held and maybe waiters. The uncontended path is a
 * compare-exchange to take and one exchange to free; it never sleeps or notifies. A contended acquirer spins
 * briefly, then marks the word 2 and sleeps on it; a release that finds 2 stores 0 and wakes
 * one sleeper, which marks 2 again when it takes the lock (it cannot know whether others wait).
 */
import { NotHeldError } from '../errors.js';
import { SPIN, type Op } from './futex.js';

/** Spins, then takes `i32[i]`, sleeping in `Atomics.wait`; false if `deadline` passes first. */
export function lockSync(i32: Int32Array, i: number, deadline: number): boolean {
  let c = Atomics.compareExchange(i32, i, 0, 1);
  if (c === 0) return true;
  for (let n = 0; n < SPIN; n++) {
    if (Atomics.load(i32, i) === 0 && (c = Atomics.compareExchange(i32, i, 0, 1)) === 0) return true;
  }
  if (c !== 2) c = Atomics.exchange(i32, i, 2);
  while (c !== 0) {
    const ms = deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
    const r = Atomics.wait(i32, i, 2, ms);
    c = Atomics.exchange(i32, i, 2);
    if (c !== 0 && r === 'timed-out') return false;
  }
  return true;
}

/** The same algorithm as `lockSync`, as an `Op` for `runAsync` (or for composing in other ops). */
export function* lockOp(i32: Int32Array, i: number, deadline: number): Op<boolean> {
  let c = Atomics.compareExchange(i32, i, 0, 1);
  if (c === 0) return true;
  for (let n = 0; n < SPIN; n++) {
    if (Atomics.load(i32, i) === 0 && (c = Atomics.compareExchange(i32, i, 0, 1)) === 0) return true;
  }
  if (c !== 2) c = Atomics.exchange(i32, i, 2);
  while (c !== 0) {
    const r = yield { i32, index: i, value: 2, deadline };
    c = Atomics.exchange(i32, i, 2);
    if (c !== 0 && r === 'timed-out') return false;
  }
  return true;
}

/** Frees `i32[i]`, waking one sleeper if any may wait. Throws `NotHeldError` if it was free. */
export function unlock(i32: Int32Array, i: number): void {
  // One exchange (the cost of a plain seq-cst store) both frees the word and says what it was.
  const c = Atomics.exchange(i32, i, 0);
  if (c === 1) return;
  if (c === 0) throw new NotHeldError('release() of a lock that is not held; every release must follow an acquire');
  Atomics.notify(i32, i, 1);
}
