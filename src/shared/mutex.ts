/**
 * A futex mutex on one Int32 word, after Drepper's "Futexes are tricky" (mutex 2/3), with the
 * owner's process id in the word. Internal: `Lock`, `RLock`, `Barrier`, `SharedValue` and
 * `Channel` build on it.
 *
 * States: 0 free; `pid` held by a thread of that process, no waiters; `pid | CONTENDED` held,
 * maybe waiters. The uncontended path is a compare-exchange to take and one exchange to free;
 * it never sleeps or notifies. A contended acquirer spins briefly, then sets the contended bit
 * and sleeps on the word; a release that finds it stores 0 and wakes one sleeper, which takes
 * the lock contended again (it cannot know whether others wait).
 *
 * A process that dies holding the lock (SIGKILL) cannot release it. Sleepers on memory shared
 * between processes wake every `OWNER_CHECK_MS` to check that the owner still exists; the one
 * that finds it gone frees the lock and gets `LockOwnerDiedError`, as a robust pthread mutex
 * reports EOWNERDEAD: the state the lock protected may be half-updated. An owner's process id
 * that the system has given to another program since counts as gone too: that program does not
 * map the lock's memory (arena.ts `mayHold`).
 */
import { NotHeldError, WeftError } from '../errors.js';
import { SPIN, crossesProcesses, notify, remaining, waitSync, type Op } from './futex.js';
import { mayHold } from './arena.js';

/** Set in the lock word while someone may sleep on it. Process ids stay below it (Linux: at most 2^22). */
const CONTENDED = 0x40000000;
/** What this process writes into the words of the locks it holds. */
const ME = process.pid & (CONTENDED - 1);
/** How often a sleeper on process-shared memory checks that the owner still exists. */
const OWNER_CHECK_MS = 50;

/**
 * The process holding a lock died (killed before it could release it). The lock is free now,
 * and this acquire did not take it: the data it protected may be inconsistent, so repair or
 * discard it, then acquire again. (Python's `multiprocessing` deadlocks here instead.)
 */
export class LockOwnerDiedError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_OWNER_DIED', message);
  }
}

/** Takes a free `i32[i]`, without waiting: true if it was free. */
export function tryLock(i32: Int32Array, i: number): boolean {
  return Atomics.compareExchange(i32, i, 0, ME) === 0;
}

/** Spins, then takes `i32[i]`, sleeping in the futex; false if `deadline` passes first. */
export function lockSync(i32: Int32Array, i: number, deadline: number): boolean {
  let c = spin(i32, i);
  if (c === 0) return true;
  const cross = crossesProcesses(i32);
  for (;;) {
    c = markContended(i32, i, c);
    if (c === 0) return true;
    const left = remaining(deadline);
    if (left === 0) return false;
    const r = waitSync(i32, i, c, cross ? Math.min(left, OWNER_CHECK_MS) : left);
    if (r === 'timed-out' && cross) reclaimFromDead(i32, i, c);
    c = Atomics.load(i32, i);
  }
}

/** The same algorithm as `lockSync`, as an `Op` for `runAsync` (or for composing in other ops). */
export function* lockOp(i32: Int32Array, i: number, deadline: number): Op<boolean> {
  let c = spin(i32, i);
  if (c === 0) return true;
  const cross = crossesProcesses(i32);
  for (;;) {
    c = markContended(i32, i, c);
    if (c === 0) return true;
    if (remaining(deadline) === 0) return false;
    const r = yield { i32, index: i, value: c, deadline: cross ? Math.min(deadline, performance.now() + OWNER_CHECK_MS) : deadline };
    if (r === 'timed-out' && cross) reclaimFromDead(i32, i, c);
    c = Atomics.load(i32, i);
  }
}

/** Frees `i32[i]`, waking one sleeper if any may wait. Throws `NotHeldError` if it was free. */
export function unlock(i32: Int32Array, i: number): void {
  // One exchange (the cost of a plain seq-cst store) both frees the word and says what it was.
  const c = Atomics.exchange(i32, i, 0);
  if ((c & CONTENDED) === 0) {
    if (c === 0) throw new NotHeldError('release() of a lock that is not held; every release must follow an acquire');
    return;
  }
  notify(i32, i, 1);
}

/** Whether `i32[i]` is held. */
export function isLocked(i32: Int32Array, i: number): boolean {
  return Atomics.load(i32, i) !== 0;
}

/** Tries to take the word, briefly spinning: 0 when taken, else the word as last seen. */
function spin(i32: Int32Array, i: number): number {
  let c = Atomics.compareExchange(i32, i, 0, ME);
  for (let n = 0; c !== 0 && n < SPIN; n++) {
    if (Atomics.load(i32, i) === 0) c = Atomics.compareExchange(i32, i, 0, ME);
  }
  return c;
}

/** Sets the contended bit on a held word (keeping its owner), or takes a free one contended: 0 when taken, else the contended word. */
function markContended(i32: Int32Array, i: number, c: number): number {
  for (;;) {
    if (c === 0) {
      c = Atomics.compareExchange(i32, i, 0, ME | CONTENDED);
      if (c === 0) return 0;
    } else if (c & CONTENDED) {
      return c;
    } else {
      const seen = Atomics.compareExchange(i32, i, c, c | CONTENDED);
      if (seen === c) return c | CONTENDED;
      c = seen;
    }
  }
}

/** When the word still names a process that no longer exists, frees it and throws `LockOwnerDiedError`. */
function reclaimFromDead(i32: Int32Array, i: number, seen: number): void {
  const owner = seen & (CONTENDED - 1);
  if (owner === ME || owner === 0 || mayHold(owner, i32.buffer as SharedArrayBuffer)) return;
  if (Atomics.compareExchange(i32, i, seen, 0) !== seen) return; // someone else got there first
  notify(i32, i, 1);
  throw new LockOwnerDiedError(
    `the process ${owner} that held this lock died without releasing it; the lock is free again, but what it protected may be half-updated: check it, then acquire again`,
  );
}
