import { attach, claim, words } from './memory.js';
import { deadlineOf, runAsync, runSync, SPIN, notify, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { guard, guardSync, type Guard } from './guard.js';
import { InvalidArgumentError, TooManyReleasesError } from '../errors.js';

const VALUE = 0;
const WAITERS = 1;
const BOUND = 2; // 0: unbounded, else bound + 1

/**
 * A counting semaphore in shared memory (Python's `threading.Semaphore`): `acquire` takes one
 * unit, waiting while none is left; `release(n)` returns `n` units and wakes up to `n` waiters.
 * Timeouts resolve `false`, abort rejects with `signal.reason` without taking a unit. Posting
 * and reviving behave as for `Lock`. No fairness is promised.
 */
export class Semaphore {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft: 'Semaphore' | 'BoundedSemaphore' = 'Semaphore';
  /** The shared memory holding the counter. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the counter in `buffer`. */
  readonly offset: number;
  #s: Int32Array;

  /** Creates a semaphore holding `value` units (an integer >= 0; default 1). */
  constructor(value = 1) {
    checkCount('value', value, 0);
    const m = claim(Semaphore.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#s = words(m, 3);
    if (m.fresh) Atomics.store(this.#s, VALUE, value);
  }

  /** Bytes of shared memory a semaphore uses. */
  static readonly BYTES = 12;

  /** Revives a posted `Semaphore` over the same memory. */
  static from(obj: unknown): Semaphore {
    return obj instanceof Semaphore ? obj : attach('Semaphore', obj, Semaphore.BYTES, () => new Semaphore(0));
  }

  /** Units available now (a snapshot). */
  get value(): number {
    return Atomics.load(this.#s, VALUE);
  }

  /** Takes a unit, blocking the thread while none is left; false on timeout. */
  acquireSync(options?: SyncWaitOptions): boolean {
    const deadline = deadlineOf(options?.timeout);
    return this.#take() || runSync(this.#acquireOp(deadline));
  }

  /** Takes a unit without blocking the thread; false on timeout, rejects on abort. */
  acquire(options?: WaitOptions): Promise<boolean> {
    try {
      const deadline = deadlineOf(options?.timeout);
      if (!options?.signal?.aborted && this.#take()) return Promise.resolve(true);
      return runAsync(this.#acquireOp(deadline), options?.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Takes a unit only if one is available right now. */
  tryAcquire(): boolean {
    return this.#take();
  }

  /** Returns `n` units (default 1) and wakes up to `n` waiters. */
  release(n = 1): void {
    checkCount('release count', n, 1);
    const bound = Atomics.load(this.#s, BOUND) - 1;
    if (bound < 0) {
      Atomics.add(this.#s, VALUE, n);
    } else {
      let v = Atomics.load(this.#s, VALUE);
      for (;;) {
        if (v + n > bound) throw new TooManyReleasesError(`release(${n}) would raise the BoundedSemaphore to ${v + n}, above its bound ${bound}; release only what was acquired`);
        const seen = Atomics.compareExchange(this.#s, VALUE, v, v + n);
        if (seen === v) break;
        v = seen;
      }
    }
    if (Atomics.load(this.#s, WAITERS) > 0) notify(this.#s, VALUE, n);
  }

  /** Awaits a unit and returns a `Guard` for `using`; throws `TimeoutError` on timeout. */
  guard(options?: WaitOptions): Promise<Guard> {
    return guard(this, options);
  }

  /** Blocking form of `guard` (workers). */
  guardSync(options?: SyncWaitOptions): Guard {
    return guardSync(this, options);
  }

  /** @internal Sets the bound of a fresh `BoundedSemaphore` (a revived one keeps its own). */
  protected _bound(bound: number): void {
    Atomics.compareExchange(this.#s, BOUND, 0, bound + 1);
  }

  #take(): boolean {
    let v = Atomics.load(this.#s, VALUE);
    while (v > 0) {
      const seen = Atomics.compareExchange(this.#s, VALUE, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  *#acquireOp(deadline: number): Op<boolean> {
    for (let n = 0; n < SPIN; n++) if (this.#take()) return true;
    for (;;) {
      // Announce the wait before the last check: a release either sees us or we see its unit.
      Atomics.add(this.#s, WAITERS, 1);
      let r;
      try {
        r = this.#take() ? 'taken' : yield { i32: this.#s, index: VALUE, value: 0, deadline };
      } finally {
        Atomics.sub(this.#s, WAITERS, 1);
      }
      if (r === 'taken' || this.#take()) return true;
      if (r === 'timed-out') return false;
    }
  }
}

/**
 * A semaphore that refuses to rise above its initial value (Python's `BoundedSemaphore`):
 * a `release` that would is a bug, and throws `TooManyReleasesError` instead of hiding it.
 */
export class BoundedSemaphore extends Semaphore {
  override readonly __weft = 'BoundedSemaphore' as const;

  /** Creates a semaphore holding `value` units (default 1), never more. */
  constructor(value = 1) {
    super(value);
    this._bound(value);
  }

  /** Revives a posted `BoundedSemaphore` over the same memory. */
  static override from(obj: unknown): BoundedSemaphore {
    return obj instanceof BoundedSemaphore ? obj : attach('BoundedSemaphore', obj, Semaphore.BYTES, () => new BoundedSemaphore(0));
  }
}

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n > 0x7fffffff) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${String(n)}`);
  }
}
