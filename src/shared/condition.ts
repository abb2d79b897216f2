import { attach, claim, words } from './memory.js';
import { deadlineOf, remaining, runAsync, runSync, notify, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { guard, guardSync, type Guard } from './guard.js';
import { NotOwnerError, InvalidSharedObjectError } from './errors.js';
import { Lock } from './lock.js';
import { RLock } from './rlock.js';

/**
 * A condition variable in shared memory (Python's `threading.Condition`) over a `Lock` or an
 * `RLock` (the default). Hold the lock, then `wait` releases it, sleeps until a `notify`, and
 * takes it back before returning, also on timeout (returns false) and on abort (rejects with
 * `signal.reason`, lock held again). `wait`, `notify` and `notifyAll` without holding the lock
 * throw `NotOwnerError`. As with POSIX condition variables a wait may return spuriously (a
 * `notify(1)` can wake more than one waiter), so prefer `waitFor(predicate)`, which re-checks.
 * Posting a `Condition` posts its lock too; `Condition.from` revives both.
 *
 * @example
 * await cond.acquire();
 * try { await cond.waitFor(() => queue[0] > 0, { timeout: 1000 }); queue[0]--; }
 * finally { cond.release(); }
 */
export class Condition {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'Condition' as const;
  /** The shared memory holding the wake-up sequence number. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the sequence number in `buffer`. */
  readonly offset: number;
  /** The lock this condition releases while waiting. */
  readonly lock: Lock | RLock;
  #s: Int32Array;

  /** Creates a condition over `lock` (default: a new `RLock`). */
  constructor(lock: Lock | RLock = new RLock()) {
    const m = claim(Condition.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.lock = lock;
    this.#s = words(m, 1);
  }

  /** Bytes of shared memory a `Condition` uses (besides its lock). */
  static readonly BYTES = 4;

  /** Revives a posted `Condition` (and its lock) over the same memory. */
  static from(obj: unknown): Condition {
    if (obj instanceof Condition) return obj;
    return attach<Condition, Lock | RLock>('Condition', obj, Condition.BYTES, (lock) => new Condition(lock), (o) => reviveLock(o.lock));
  }

  /** Takes the underlying lock (awaiting). */
  acquire(options?: WaitOptions): Promise<boolean> {
    return this.lock.acquire(options);
  }

  /** Takes the underlying lock (blocking: workers). */
  acquireSync(options?: SyncWaitOptions): boolean {
    return this.lock.acquireSync(options);
  }

  /** Takes the underlying lock only if that needs no waiting (Python's `acquire(blocking=False)`). */
  tryAcquire(): boolean {
    return this.lock.tryAcquire();
  }

  /** Releases the underlying lock. */
  release(): void {
    this.lock.release();
  }

  /** Awaits the underlying lock and returns a `Guard` for `using`. */
  guard(options?: WaitOptions): Promise<Guard> {
    return guard(this, options);
  }

  /** Blocking form of `guard` (workers). */
  guardSync(options?: SyncWaitOptions): Guard {
    return guardSync(this, options);
  }

  /** Releases the lock, awaits a notify, re-takes the lock. False on timeout. */
  async wait(options?: WaitOptions): Promise<boolean> {
    return runAsync(this._waitOp(deadlineOf(options?.timeout)), options?.signal);
  }

  /** Blocking form of `wait` (workers). */
  waitSync(options?: SyncWaitOptions): boolean {
    return runSync(this._waitOp(deadlineOf(options?.timeout)));
  }

  /** Waits until `predicate()` is truthy, re-checking after each wake-up; returns its last value (falsy on timeout). */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    return runAsync(this._waitForOp(predicate, deadlineOf(options?.timeout)), options?.signal);
  }

  /** Blocking form of `waitFor` (workers). */
  waitForSync<T>(predicate: () => T, options?: SyncWaitOptions): T {
    return runSync(this._waitForOp(predicate, deadlineOf(options?.timeout)));
  }

  /** Wakes up to `n` waiters (default 1). The caller must hold the lock. */
  notify(n = 1): void {
    this.#checkOwned('notify');
    Atomics.add(this.#s, 0, 1);
    notify(this.#s, 0, n);
  }

  /** Wakes every waiter. The caller must hold the lock. */
  notifyAll(): void {
    this.#checkOwned('notifyAll');
    Atomics.add(this.#s, 0, 1);
    notify(this.#s, 0);
  }

  /** @internal One wait, as an op; `Barrier` composes it. */
  *_waitOp(deadline: number): Op<boolean> {
    this.#checkOwned('wait');
    const seq = Atomics.load(this.#s, 0);
    const saved = this.lock._releaseSave();
    let r;
    try {
      r = yield { i32: this.#s, index: 0, value: seq, deadline };
    } finally {
      yield* this.lock._restoreOp(saved);
    }
    return r !== 'timed-out';
  }

  /** @internal `waitFor` as an op. */
  *_waitForOp<T>(predicate: () => T, deadline: number): Op<T> {
    let result = predicate();
    while (!result) {
      if (remaining(deadline) === 0) return result;
      yield* this._waitOp(deadline);
      result = predicate();
    }
    return result;
  }

  #checkOwned(what: string): void {
    if (!this.lock._isOwned()) throw new NotOwnerError(`Condition.${what}() needs the condition's lock held by this thread; acquire it first`);
  }
}

function reviveLock(l: unknown): Lock | RLock {
  const tag = typeof l === 'object' && l !== null ? (l as { __weft?: unknown }).__weft : undefined;
  if (tag === 'Lock') return Lock.from(l);
  if (tag === 'RLock') return RLock.from(l);
  throw new InvalidSharedObjectError('Condition.lock must be a Lock or an RLock (or its posted copy)');
}
