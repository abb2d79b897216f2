import { attach, claim, words } from './memory.js';
import { deadlineOf, runAsync, runSync, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { lockOp, lockSync, unlock } from './mutex.js';
import { Condition } from './condition.js';
import { BrokenBarrierError, InvalidArgumentError } from '../errors.js';

// Words: 0 mutex, 1 condition sequence, 2 state, 3 count of parties inside, 4 parties,
// 5 default timeout in ms (-1: none), so that every revived copy waits with it.
const MUTEX = 0;
const STATE = 2;
const COUNT = 3;
const PARTIES = 4;
const TIMEOUT = 5;
const NO_TIMEOUT = -1;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

/** Options of a `Barrier`. */
export interface BarrierOptions {
  /**
   * Run by exactly one party (the last to arrive) before the others are released. If it throws,
   * the barrier breaks. A function does not cross threads: give it again to `Barrier.from`.
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
    this.#s = words(m, 6);
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
  }

  /** Bytes of shared memory a `Barrier` uses. */
  static readonly BYTES = 24;

  /** Revives a posted `Barrier` over the same memory; `options.timeout` overrides the shared default for this copy. */
  static from(obj: unknown, options?: BarrierOptions): Barrier {
    return obj instanceof Barrier ? obj : attach('Barrier', obj, Barrier.BYTES, () => new Barrier(0, options));
  }

  /** Parties waiting in the current round (a snapshot). */
  get nWaiting(): number {
    return Atomics.load(this.#s, STATE) === FILLING ? Atomics.load(this.#s, COUNT) : 0;
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
        if (state === FILLING || state === BROKEN) Atomics.store(this.#s, STATE, RESETTING);
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

  *#waitOp(deadline: number): Op<number> {
    const s = this.#s;
    yield* lockOp(s, MUTEX, Infinity);
    try {
      // A round that is draining or resetting must empty before a new one fills.
      const entered = yield* this.#cond._waitForOp(() => {
        const st = Atomics.load(s, STATE);
        return st !== DRAINING && st !== RESETTING;
      }, deadline);
      if (!entered || Atomics.load(s, STATE) === BROKEN) {
        if (!entered) this.#break();
        throw new BrokenBarrierError();
      }
      const index = Atomics.add(s, COUNT, 1);
      try {
        if (index + 1 === this.parties) {
          try {
            this.#action?.();
          } catch (err) {
            this.#break();
            throw err;
          }
          Atomics.store(s, STATE, DRAINING);
          this.#cond.notifyAll();
        } else {
          let released;
          try {
            released = yield* this.#cond._waitForOp(() => Atomics.load(s, STATE) !== FILLING, deadline);
          } catch (err) {
            this.#break(); // an aborted party breaks the round, as a timed-out one does
            throw err;
          }
          if (!released) this.#break();
          if (Atomics.load(s, STATE) < 0) throw new BrokenBarrierError();
        }
        return index;
      } finally {
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
