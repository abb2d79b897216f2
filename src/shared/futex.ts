/**
 * The waiting core every primitive shares. Internal: not exported from `weft/shared`.
 *
 * A blocking algorithm is written once, as a generator that yields `WaitOp`s ("sleep while
 * word `index` still equals `value`, until `deadline`") and receives the outcome. `runSync`
 * drives it with a blocking wait (workers), `runAsync` with an async one (anywhere).
 *
 * Every wait and wake goes through `waitSync`, `waitAsync` and `notify` here: on memory that
 * is shared between processes (`arena.ts`) they use the native futex, since V8's `Atomics.wait`
 * and `notify` only see waiters of their own process; elsewhere they are `Atomics`' own.
 * On abort, `runAsync` throws the signal's reason into the generator, so a `finally` in it can
 * still restore state (a `Condition` re-acquires its lock) before the error reaches the caller.
 */
import { InvalidArgumentError } from '../errors.js';
import { isProcessShared } from './arena.js';
import { loadAddon } from './native.js';

/** Outcome of one futex wait. */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

/** One request to sleep while `i32[index] === value`, until `deadline` (a `performance.now()` time). */
export interface WaitOp {
  readonly i32: Int32Array;
  readonly index: number;
  readonly value: number;
  readonly deadline: number;
}

/** A blocking algorithm: yields waits, receives their results, returns `T`. */
export type Op<T> = Generator<WaitOp, T, WaitResult>;

/** How long a wait may last and what may cancel it. */
export interface WaitOptions {
  /** Milliseconds before giving up; `Infinity` (the default) waits forever. */
  timeout?: number;
  /** Aborting rejects the pending wait with `signal.reason` (awaitable forms only). */
  signal?: AbortSignal;
}

/** Options of the blocking (`...Sync`) forms, which only workers should use. */
export interface SyncWaitOptions {
  /** Milliseconds before giving up; `Infinity` (the default) waits forever. */
  timeout?: number;
}

/** Attempts in the spin phase before sleeping. Tuned on the two-worker lock bench. */
export const SPIN = 100;

/** Converts a timeout in milliseconds into a deadline; rejects NaN and negatives. */
export function deadlineOf(timeout: number | undefined): number {
  if (timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(`timeout must be a number of milliseconds >= 0 (or Infinity), got ${String(timeout)}`);
  }
  return performance.now() + timeout;
}

/** Milliseconds left before `deadline`, never negative. */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

const RESULTS: readonly WaitResult[] = ['ok', 'not-equal', 'timed-out'];

/** Whether `i32` lives in memory other processes may wait on. */
export function crossesProcesses(i32: Int32Array): boolean {
  return isProcessShared(i32.buffer as SharedArrayBuffer);
}

/** Wakes up to `count` waiters on `i32[index]` (in every process, for process-shared memory); returns how many. */
export function notify(i32: Int32Array, index: number, count = Infinity): number {
  return crossesProcesses(i32) ? loadAddon()!.wake(i32, index, count) : Atomics.notify(i32, index, count);
}

/** Blocks the thread while `i32[index] === value`, for up to `ms` milliseconds. */
export function waitSync(i32: Int32Array, index: number, value: number, ms: number): WaitResult {
  return crossesProcesses(i32) ? RESULTS[loadAddon()!.wait(i32, index, value, ms)]! : Atomics.wait(i32, index, value, ms);
}

/** Drives `op` to completion with blocking waits. Blocks the calling thread. */
export function runSync<T>(op: Op<T>): T {
  let r = op.next();
  while (!r.done) {
    const w = r.value;
    r = op.next(waitSync(w.i32, w.index, w.value, remaining(w.deadline)));
  }
  return r.value;
}

/** Drives `op` to completion with `Atomics.waitAsync`, keeping the event loop alive meanwhile. */
export async function runAsync<T>(op: Op<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  let sig = signal;
  let r = op.next();
  while (!r.done) {
    let res: WaitResult;
    try {
      res = await waitAsync(r.value, sig);
    } catch (err) {
      sig = undefined; // aborted once: the clean-up the generator does must not be cancelled too
      r = op.throw(err);
      continue;
    }
    r = op.next(res);
  }
  return r.value;
}

// A pending Atomics.waitAsync does not keep Node's event loop alive: the process could exit
// with work still queued behind a lock. While any async wait is pending, one ref'd interval
// holds the loop open; when the last one settles it is unref'd again.
let pendingWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function hold(): void {
  if (pendingWaits++ === 0) (keepAlive ??= setInterval(() => {}, 1 << 30)).ref();
}

function unhold(): void {
  if (--pendingWaits === 0) keepAlive?.unref();
}

/** Number of async waits currently holding the event loop open (for tests). */
export function pendingAsyncWaits(): number {
  return pendingWaits;
}

// Node 20 has Atomics.waitAsync; TypeScript's ES2023 lib does not declare it yet.
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const atomicsWaitAsync = (Atomics as unknown as {
  waitAsync(i32: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
}).waitAsync;

function waitAsync(w: WaitOp, signal: AbortSignal | undefined): Promise<WaitResult> {
  if (crossesProcesses(w.i32)) return nativeWaitAsync(w, signal, true);
  const res = atomicsWaitAsync(w.i32, w.index, w.value, remaining(w.deadline));
  if (!res.async) return Promise.resolve(res.value);
  hold();
  const pending = res.value;
  if (!signal) {
    return pending.then((v) => {
      unhold();
      return v;
    });
  }
  if (signal.aborted) {
    abandon(w, pending);
    unhold();
    return Promise.reject(signal.reason);
  }
  return new Promise<WaitResult>((resolve, reject) => {
    const onAbort = (): void => {
      abandon(w, pending);
      unhold();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then((v) => {
      if (signal.aborted) return;
      signal.removeEventListener('abort', onAbort);
      unhold();
      resolve(v);
    });
  });
}

// An abandoned waiter is still queued in V8. If a notify lands on it, that wake-up would be
// lost for the real waiters, so it is passed on.
function abandon(w: WaitOp, pending: Promise<WaitResult>): void {
  void pending.then((v) => {
    if (v === 'ok') Atomics.notify(w.i32, w.index, 1);
  });
}

/**
 * An async wait on process-shared memory, on a native thread. `keepAlive: false` lets the
 * process exit meanwhile (for listeners that serve others, such as a `Barrier`'s creator).
 * A wait given up by its signal passes a wake-up it took on to another waiter (in the addon).
 */
export function nativeWaitAsync(w: WaitOp, signal: AbortSignal | undefined, keepAlive: boolean): Promise<WaitResult> {
  if (Atomics.load(w.i32, w.index) !== w.value) return Promise.resolve('not-equal');
  if (signal?.aborted) return Promise.reject(signal.reason);
  const addon = loadAddon()!;
  return new Promise<WaitResult>((resolve, reject) => {
    let onAbort: (() => void) | undefined;
    const id = addon.waitAsync(w.i32, w.index, w.value, remaining(w.deadline), (r) => {
      if (onAbort) signal!.removeEventListener('abort', onAbort);
      resolve(RESULTS[r]!);
    }, keepAlive);
    if (signal) {
      onAbort = (): void => {
        addon.abandon(id);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/** Resolves when `i32[index]` is woken or no longer `value`, without keeping the process alive (for listeners that serve others). */
export function listen(i32: Int32Array, index: number, value: number): Promise<WaitResult> {
  if (crossesProcesses(i32)) return nativeWaitAsync({ i32, index, value, deadline: Infinity }, undefined, false);
  const r = atomicsWaitAsync(i32, index, value);
  return r.async ? r.value : Promise.resolve(r.value);
}
