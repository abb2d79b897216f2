/**
 * A held acquisition, released by `using` (Symbol.dispose) or by `release()`; releasing twice
 * is a no-op, so an early `release()` inside a `using` block is safe. Returned by the `guard()`
 * method of the locks and semaphores of both `weft/async` and `weft/shared`.
 *
 * @example
 * { using _ = await lock.guard({ timeout: 1000 }); counter++; } // released here
 */
export class Guard implements Disposable {
  #owner: { release(): void } | undefined;

  constructor(owner: { release(): void }) {
    this.#owner = owner;
  }

  /** Releases the acquisition, once. */
  release(): void {
    const owner = this.#owner;
    this.#owner = undefined;
    owner?.release();
  }

  /** Releases the acquisition at the end of a `using` block (as `release()`). */
  [Symbol.dispose](): void {
    this.release();
  }
}
