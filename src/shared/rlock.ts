import { threadId } from 'node:worker_threads';
import { attach, claim, words } from './memory.js';
import { deadlineOf, runAsync, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { lockOp, lockSync, tryLock, unlock } from './mutex.js';
import { guard, guardSync, type Guard } from './guard.js';
import { NotOwnerError } from './errors.js';

const MUTEX = 0;
const OWNER = 1; // threadId + 1 of the owner, 0 when free
const OWNER_PID = 3; // and its process: thread ids repeat across processes
const COUNT = 2;
const me = threadId + 1;

/**
 * A re-entrant lock (Python's `threading.RLock`): the owning thread may acquire it again, and
 * must release it as many times. Only the owner may release; anyone else gets `NotOwnerError`.
 *
 * Ownership is per thread (`worker_threads.threadId`), not per async task: two async functions
 * on the same thread both count as the owner. To exclude async tasks of one thread from each
 * other, use `Lock`. Waiting, timeouts, abort and posting behave as for `Lock`.
 */
export class RLock {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'RLock' as const;
  /** The shared memory holding the lock words. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the lock words in `buffer`. */
  readonly offset: number;
  #s: Int32Array;

  /** Creates a free re-entrant lock in fresh shared memory. */
  constructor() {
    const m = claim(RLock.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#s = words(m, 4);
  }

  /** Bytes of shared memory an `RLock` uses. */
  static readonly BYTES = 16;

  /** Revives a posted `RLock` over the same memory. */
  static from(obj: unknown): RLock {
    return obj instanceof RLock ? obj : attach('RLock', obj, RLock.BYTES, () => new RLock());
  }

  /** Takes (or re-enters) the lock, blocking the thread; false on timeout. */
  acquireSync(options?: SyncWaitOptions): boolean {
    const deadline = deadlineOf(options?.timeout);
    if (this.#reenter()) return true;
    if (!lockSync(this.#s, MUTEX, deadline)) return false;
    this.#own(1);
    return true;
  }

  /** Takes (or re-enters) the lock without blocking the thread; false on timeout, rejects on abort. */
  async acquire(options?: WaitOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    const deadline = deadlineOf(options?.timeout);
    if (this.#reenter()) return true;
    if (!(await runAsync(lockOp(this.#s, MUTEX, deadline), options?.signal))) return false;
    this.#own(1);
    return true;
  }

  /** Takes (or re-enters) the lock only if that needs no waiting: true when this thread now holds it (Python's `acquire(blocking=False)`). */
  tryAcquire(): boolean {
    if (this.#reenter()) return true;
    if (!tryLock(this.#s, MUTEX)) return false;
    this.#own(1);
    return true;
  }

  /** Releases one level; the last release frees the lock. Throws `NotOwnerError` unless this thread owns it. */
  release(): void {
    this.#checkOwner('release');
    const left = Atomics.sub(this.#s, COUNT, 1) - 1;
    if (left === 0) this.#free();
  }

  /** Whether this thread owns the lock. */
  get isOwned(): boolean {
    return this.#mine();
  }

  /** How many times this thread holds the lock (0 when it does not own it): what it must release. */
  get recursionCount(): number {
    return this.isOwned ? Atomics.load(this.#s, COUNT) : 0;
  }

  /** Whether any thread owns the lock now (a snapshot). */
  get locked(): boolean {
    return Atomics.load(this.#s, MUTEX) !== 0;
  }

  /** Awaits the lock and returns a `Guard` for `using`; throws `TimeoutError` on timeout. */
  guard(options?: WaitOptions): Promise<Guard> {
    return guard(this, options);
  }

  /** Blocking form of `guard` (workers). */
  guardSync(options?: SyncWaitOptions): Guard {
    return guardSync(this, options);
  }

  /** @internal For `Condition`. */
  _isOwned(): boolean {
    return this.isOwned;
  }

  /** @internal For `Condition`: releases every level and returns the count. */
  _releaseSave(): number {
    this.#checkOwner('wait');
    const count = Atomics.exchange(this.#s, COUNT, 0);
    this.#free();
    return count;
  }

  /** @internal For `Condition`: re-takes the lock with the saved count. */
  *_restoreOp(saved: number): Op<void> {
    yield* lockOp(this.#s, MUTEX, Infinity);
    this.#own(saved);
  }

  /** Whether this thread of this process owns the lock. */
  #mine(): boolean {
    return Atomics.load(this.#s, OWNER) === me && Atomics.load(this.#s, OWNER_PID) === process.pid;
  }

  #reenter(): boolean {
    if (!this.#mine()) return false;
    Atomics.add(this.#s, COUNT, 1);
    return true;
  }

  #own(count: number): void {
    Atomics.store(this.#s, OWNER_PID, process.pid);
    Atomics.store(this.#s, OWNER, me);
    Atomics.store(this.#s, COUNT, count);
  }

  #free(): void {
    Atomics.store(this.#s, OWNER, 0);
    unlock(this.#s, MUTEX);
  }

  #checkOwner(what: string): void {
    if (!this.#mine()) {
      throw new NotOwnerError(`${what}() of an RLock this thread (threadId ${threadId}) does not own; only the owner may ${what}`);
    }
  }
}
