import { attach, claim, words } from './memory.js';
import { deadlineOf, listen, notify, runAsync, runSync, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { lockOp, lockSync, unlock } from './mutex.js';
import { Condition } from './condition.js';
import { BrokenBarrierError, InvalidArgumentError } from '../errors.js';

// Words: 0 mutex, 1 condition sequence, 2 state, 3 count of parties inside, 4 parties,
// 5 default timeout in ms (-1: none), so that every revived copy waits with it, 6 requests to
// the creator to run the action (a sequence number it waits on), 7 parties inside whose copy
// has the action, 8 whether the creator's copy has it (1) or not (0).
const MUTEX = 0;
const STATE = 2;
const COUNT = 3;
const PARTIES = 4;
const TIMEOUT = 5;
const REQUEST = 6;
const ARMED = 7;
const CREATOR = 8;
const NO_TIMEOUT = -1;
const FILLING = 0;
const DRAINING = 1;
const PENDING = 2; // the round is full; its action waits for a copy that has it
const RESETTING = -1;
const BROKEN = -2;

// When a creator's copy is collected, its listener is woken so that it sees the copy gone and ends.
const creators = new FinalizationRegistry<Int32Array>((s) => void notify(s, REQUEST));

/** Options of a `Barrier`. */
export interface BarrierOptions {
  /**
   * Run exactly once per round, before any party is released. If it throws, the barrier breaks:
   * the copy that ran it gets the error, the waiting parties `BrokenBarrierError`. A function
   * does not cross threads, so who runs it depends on which copies have it: see `Barrier`.
   */
  action?: () => void;
  /** Default timeout of `wait` in milliseconds, kept in shared memory: it applies to every party, wherever the barrier was revived. */
  timeout?: number;
}

/**
 * A rendezvous for a fixed number of parties (Python's `threading.Barrier`): each `wait` blocks
 * until `parties` threads (or async callers) have arrived, then all are released together and
 * the barrier is ready for the next round. `wait` returns the arrival index, 0..parties-1.
 *
 * The barrier breaks, and every current and later `wait` throws `BrokenBarrierError`, when
 * `abort()` is called, when a waiter times out or is aborted (its own wait rejects with the
 * signal's reason), or when the action throws (that party gets the action's error). `reset()`
 * breaks the current round and makes the barrier usable again. `abort`/`reset` take the
 * barrier's internal lock briefly and synchronously.
 *
 * The action runs once per round whichever copy arrives last: that party runs it if its copy
 * has it (given to `new Barrier` or to `Barrier.from`); else a waiting party whose copy has it
 * does; else the copy made by `new Barrier(n, { action })` does, even if it is not a party,
 * from its event loop (so that thread must not be blocked, and that copy must stay reachable
 * while the barrier is used). An action that throws there breaks the barrier and reaches that
 * thread as an unhandled rejection.
 *
 * @example
 * const barrier = new Barrier(2, { action: () => console.log('both arrived') });
 * // two workers: Barrier.from(data.barrier).waitSync(): the main thread logs once per round
 */
export class Barrier {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'Barrier' as const;
  /** The shared memory holding the barrier's state. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the state in `buffer`. */
  readonly offset: number;
  /** Number of parties that must arrive to release a round. */
  readonly parties: number;
  #s: Int32Array;
  #cond: Condition;
  #action: (() => void) | undefined;
  #timeout: number | undefined;

  /** Creates a barrier for `parties` parties (an integer >= 1). */
  constructor(parties: number, options: BarrierOptions = {}) {
    const m = claim(Barrier.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#s = words(m, 9);
    if (options.timeout !== undefined) deadlineOf(options.timeout);
    if (m.fresh) {
      if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) {
        throw new InvalidArgumentError(`a Barrier needs an integer number of parties >= 1, got ${String(parties)}`);
      }
      Atomics.store(this.#s, PARTIES, parties);
      Atomics.store(this.#s, TIMEOUT, options.timeout === undefined ? NO_TIMEOUT : Math.min(Math.ceil(options.timeout), 0x7fffffff));
    }
    this.parties = Atomics.load(this.#s, PARTIES);
    this.#action = options.action;
    const shared = Atomics.load(this.#s, TIMEOUT);
    this.#timeout = options.timeout ?? (shared === NO_TIMEOUT ? undefined : shared);
    const lock = { __weft: 'Lock', buffer: m.buffer, offset: m.offset };
    this.#cond = Condition.from({ __weft: 'Condition', buffer: m.buffer, offset: m.offset + 4, lock });
    if (m.fresh && options.action) {
      Atomics.store(this.#s, CREATOR, 1);
      // The listener holds this copy only through a WeakRef, and the registry ends it once the copy
      // is collected: a barrier costs one pending wait while its creator lives, none after.
      creators.register(this, this.#s);
      Barrier.#listen(new WeakRef(this), this.#s, 0);
    }
  }

  /** Bytes of shared memory a `Barrier` uses. */
  static readonly BYTES = 36;

  /** Revives a posted `Barrier` over the same memory; `options.timeout` overrides the shared default for this copy. */
  static from(obj: unknown, options?: BarrierOptions): Barrier {
    return obj instanceof Barrier ? obj : attach('Barrier', obj, Barrier.BYTES, () => new Barrier(0, options));
  }

  /** Parties waiting in the current round (a snapshot; a full round waiting for its action counts too). */
  get nWaiting(): number {
    const st = Atomics.load(this.#s, STATE);
    return st === FILLING || st === PENDING ? Atomics.load(this.#s, COUNT) : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this.#s, STATE) === BROKEN;
  }

  /** Awaits the other parties; resolves the arrival index. */
  async wait(options?: WaitOptions): Promise<number> {
    return runAsync(this.#waitOp(deadlineOf(options?.timeout ?? this.#timeout)), options?.signal);
  }

  /** Blocking form of `wait` (workers). */
  waitSync(options?: SyncWaitOptions): number {
    return runSync(this.#waitOp(deadlineOf(options?.timeout ?? this.#timeout)));
  }

  /** Breaks the barrier: current and future waits throw `BrokenBarrierError` until `reset()`. */
  abort(): void {
    this.#locked(() => this.#break());
  }

  /** Returns the barrier to its empty state; parties waiting now get `BrokenBarrierError`. */
  reset(): void {
    this.#locked(() => {
      const state = Atomics.load(this.#s, STATE);
      if (Atomics.load(this.#s, COUNT) > 0) {
        if (state === FILLING || state === PENDING || state === BROKEN) Atomics.store(this.#s, STATE, RESETTING);
      } else {
        Atomics.store(this.#s, STATE, FILLING);
      }
      this.#cond.notifyAll();
    });
  }

  #locked(fn: () => void): void {
    lockSync(this.#s, MUTEX, Infinity);
    try {
      fn();
    } finally {
      unlock(this.#s, MUTEX);
    }
  }

  #break(): void {
    Atomics.store(this.#s, STATE, BROKEN);
    this.#cond.notifyAll();
  }

  // Runs the action if this copy has it, then releases the round; a throw breaks it instead.
  // The caller holds the mutex, so the round's state cannot change meanwhile.
  #runAction(): void {
    try {
      this.#action?.();
    } catch (err) {
      this.#break();
      throw err;
    }
    Atomics.store(this.#s, STATE, DRAINING);
    this.#cond.notifyAll();
  }

  // The last party: runs the action (or releases a barrier that has none), or else marks the
  // round pending and wakes whoever has it, a waiting party of the round or the creator's copy.
  #arrivedLast(): void {
    const s = this.#s;
    const armedWaiting = Atomics.load(s, ARMED) > 0;
    if (this.#action !== undefined || (!armedWaiting && Atomics.load(s, CREATOR) === 0)) {
      this.#runAction();
      return;
    }
    Atomics.store(s, STATE, PENDING);
    if (armedWaiting) {
      this.#cond.notifyAll();
    } else {
      Atomics.add(s, REQUEST, 1);
      notify(s, REQUEST);
    }
  }

  // Waits until the round is released or broken; a party whose copy has the action claims a
  // pending one (holding the mutex, so only the first claimer finds it pending) and runs it.
  *#awaitRelease(armed: boolean, deadline: number): Op<void> {
    const s = this.#s;
    let released;
    try {
      released = yield* this.#cond._waitForOp(() => {
        const st = Atomics.load(s, STATE);
        return st === DRAINING || st < 0 || (st === PENDING && armed);
      }, deadline);
    } catch (err) {
      this.#break(); // an aborted party breaks the round, as a timed-out one does
      throw err;
    }
    if (!released) this.#break();
    else if (Atomics.load(s, STATE) === PENDING) this.#runAction();
    if (Atomics.load(s, STATE) < 0) throw new BrokenBarrierError();
  }

  // The creator's side of a request: run a pending action no party of the round can run.
  *#serveOp(): Op<void> {
    const s = this.#s;
    yield* lockOp(s, MUTEX, Infinity);
    try {
      if (Atomics.load(s, STATE) === PENDING && Atomics.load(s, ARMED) === 0) this.#runAction();
    } finally {
      unlock(s, MUTEX);
    }
  }

  // Waits (without keeping the process alive) for the request sequence to move past `seen`, then
  // serves and listens again, for as long as the creator's copy is alive. Reading the sequence
  // before serving means a request made while serving is not missed.
  static #listen(ref: WeakRef<Barrier>, s: Int32Array, seen: number): void {
    const serve = (): void => {
      const b = ref.deref();
      if (!b) return;
      const now = Atomics.load(s, REQUEST);
      // An action that throws here has no caller: the rejection is left unhandled on purpose.
      void runAsync(b.#serveOp()).finally(() => Barrier.#listen(ref, s, now));
    };
    void listen(s, REQUEST, seen).then(serve);
  }

  *#waitOp(deadline: number): Op<number> {
    const s = this.#s;
    yield* lockOp(s, MUTEX, Infinity);
    try {
      // A round that is draining, resetting or waiting for its action must empty before a new one fills.
      const entered = yield* this.#cond._waitForOp(() => {
        const st = Atomics.load(s, STATE);
        return st === FILLING || st === BROKEN;
      }, deadline);
      if (!entered || Atomics.load(s, STATE) === BROKEN) {
        if (!entered) this.#break();
        throw new BrokenBarrierError();
      }
      const index = Atomics.add(s, COUNT, 1);
      const armed = this.#action !== undefined;
      if (armed) Atomics.add(s, ARMED, 1);
      try {
        if (index + 1 === this.parties) this.#arrivedLast();
        yield* this.#awaitRelease(armed, deadline);
        return index;
      } finally {
        if (armed) Atomics.sub(s, ARMED, 1);
        // The last party out of a draining or resetting round reopens the barrier.
        if (Atomics.sub(s, COUNT, 1) === 1) {
          const st = Atomics.load(s, STATE);
          if (st === DRAINING || st === RESETTING) {
            Atomics.store(s, STATE, FILLING);
            this.#cond.notifyAll();
          }
        }
      }
    } finally {
      unlock(s, MUTEX);
    }
  }
}
