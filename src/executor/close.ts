/** `close({ timeout })`, as the pools and the Redis worker offer it. Internal. */

/** Calls `terminate` if `closing` has not settled within `timeout` ms (`undefined`: never). */
export function terminateAfter(closing: Promise<unknown>, timeout: number | undefined, terminate: () => unknown): void {
  if (timeout === undefined) return;
  const timer = setTimeout(() => void terminate(), timeout);
  const done = (): void => clearTimeout(timer);
  closing.then(done, done);
}
