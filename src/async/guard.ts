/** What `acquire()` resolves to: release it by hand, or let `using` do it. */
export interface Guard extends Disposable {
  /** Releases what was acquired. Call it once per acquire. */
  release(): void;
}

/** A guard calling `release` on its owner; one per primitive, shared by every acquire. */
export function guardOf(owner: { release(): void }): Guard {
  return {
    release: () => owner.release(),
    [Symbol.dispose]: () => owner.release(),
  };
}
