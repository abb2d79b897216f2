/**
 * Runs `fn` while something is held and calls `release` exactly once when it settles, however
 * it ends; resolves or rejects like `fn`. A synchronous `fn` is released at once, without
 * waiting a turn of the event loop. Internal: the path of `Lock.withLock` and `Semaphore.run` when nothing had to wait.
 */
export function runHeld<T>(fn: () => T | PromiseLike<T>, release: () => void): Promise<Awaited<T>> {
  let result: T | PromiseLike<T>;
  try {
    result = fn();
  } catch (error) {
    release();
    return Promise.reject(error);
  }
  if (!isThenable(result)) {
    release();
    return Promise.resolve(result as Awaited<T>);
  }
  return Promise.resolve(result).then(
    (value) => {
      release();
      return value;
    },
    (error: unknown) => {
      release();
      throw error;
    },
  );
}

/** Waits for `acquired`, then runs `fn` and calls `release` however it ends (the path of a caller that had to wait). Internal. */
export async function runAfter<T>(acquired: Promise<unknown>, fn: () => T | PromiseLike<T>, release: () => void): Promise<Awaited<T>> {
  await acquired;
  try {
    return await fn();
  } finally {
    release();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function');
}
