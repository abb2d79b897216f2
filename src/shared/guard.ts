import { TimeoutError } from '../errors.js';
import type { SyncWaitOptions, WaitOptions } from './futex.js';
import { Guard } from '../guard.js';

export { Guard };

/** Anything that can be acquired and released: `Lock`, `RLock`, `Semaphore`, `Condition`. */
export interface Acquirable {
  acquire(options?: WaitOptions): Promise<boolean>;
  acquireSync(options?: SyncWaitOptions): boolean;
  release(): void;
}

/** Acquires `target` (awaiting), returning a `Guard`; throws `TimeoutError` on timeout. */
export async function guard(target: Acquirable, options?: WaitOptions): Promise<Guard> {
  if (!(await target.acquire(options))) throw timedOut(options?.timeout);
  return new Guard(target);
}

/** Acquires `target` (blocking: workers only), returning a `Guard`; throws `TimeoutError` on timeout. */
export function guardSync(target: Acquirable, options?: SyncWaitOptions): Guard {
  if (!target.acquireSync(options)) throw timedOut(options?.timeout);
  return new Guard(target);
}

/**
 * Runs `fn` while holding `target`, releasing it however `fn` ends (Python's `with lock:`).
 * Throws `TimeoutError` if `target` cannot be acquired within `options.timeout`.
 *
 * @example
 * const total = await withLock(lock, async () => { shared[0] += 1; return shared[0]; });
 */
export async function withLock<T>(target: Acquirable, fn: () => T | Promise<T>, options?: WaitOptions): Promise<T> {
  if (!(await target.acquire(options))) throw timedOut(options?.timeout);
  try {
    return await fn();
  } finally {
    target.release();
  }
}

/** Blocking form of `withLock` for workers: acquires with `Atomics.wait`, runs `fn`, releases. */
export function withLockSync<T>(target: Acquirable, fn: () => T, options?: SyncWaitOptions): T {
  if (!target.acquireSync(options)) throw timedOut(options?.timeout);
  try {
    return fn();
  } finally {
    target.release();
  }
}

function timedOut(timeout: number | undefined): TimeoutError {
  return new TimeoutError(`could not acquire within ${String(timeout)} ms; the holder may be stuck, or raise the timeout`);
}
