import { Guard } from '../guard.js';
import type { WaitOptions } from './waiters.js';
import { isThenable } from '../thenable.js';

/** What can be held: `Lock` and `Semaphore`. */
interface Holdable {
  tryAcquire(): boolean;
  acquire(options?: WaitOptions): Promise<true>;
  release(): void;
}

/** `guard()` of `Lock` and `Semaphore`: acquires `owner` and resolves to a release-once `Guard`. Internal. */
export function guardFor(owner: Holdable, options: WaitOptions | undefined): Promise<Guard> {
  if (options === undefined && owner.tryAcquire()) return Promise.resolve(new Guard(owner));
  return owner.acquire(options).then(() => new Guard(owner));
}

/**
 * `withLock()` of `Lock` and `run()` of `Semaphore`: runs `fn` while holding `owner` and
 * releases it exactly once however `fn` ends; resolves or rejects like `fn`. When `owner` is
 * free, `fn` starts before this returns and a synchronous `fn` is released without waiting a
 * turn of the event loop. Internal.
 */
export function runHolding<T>(owner: Holdable, fn: () => T | PromiseLike<T>, options: WaitOptions | undefined): Promise<Awaited<T>> {
  if (options === undefined && owner.tryAcquire()) return runHeld(owner, fn);
  return runAfter(owner.acquire(options), owner, fn);
}

function runHeld<T>(owner: Holdable, fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  let result: T | PromiseLike<T>;
  try {
    result = fn();
  } catch (error) {
    owner.release();
    return Promise.reject(error);
  }
  if (!isThenable(result)) {
    owner.release();
    return Promise.resolve(result as Awaited<T>);
  }
  return Promise.resolve(result).then(
    (value) => {
      owner.release();
      return value;
    },
    (error: unknown) => {
      owner.release();
      throw error;
    },
  );
}

async function runAfter<T>(acquired: Promise<true>, owner: Holdable, fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  await acquired;
  try {
    return await fn();
  } finally {
    owner.release();
  }
}
