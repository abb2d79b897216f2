/** True for anything `await` would unwrap: a Promise, or an object or function with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function');
}

const resolved = Promise.resolve();

/**
 * Runs `fn` on a microtask, as `queueMicrotask` does but without the async resource Node
 * creates for each of its calls: the pool and the worker runtime schedule one per burst of
 * tasks, on the hot path of every round trip. `fn` must not throw.
 */
export function onMicrotask(fn: () => void): void {
  void resolved.then(fn);
}
