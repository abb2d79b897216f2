import assert from 'node:assert/strict';

/** Asserts `promise` rejects with an error of class `Class` carrying `code`; returns the error. */
export async function rejectsWith<E extends Error>(
  promise: PromiseLike<unknown>,
  Class: abstract new (...args: never[]) => E,
  code: string,
  message?: RegExp,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Class, `expected ${Class.name}, got ${String(error)}`);
    assert.equal((error as E & { code?: string }).code, code);
    if (message) assert.match((error as Error).message, message);
    return error as E;
  }
  assert.fail(`expected a rejection with ${Class.name}`);
}

/** Polls `check` until it returns true or `ms` pass (then fails with `what`). */
export async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
