import { attach, claim, words } from './memory.js';
import { deadlineOf, runAsync, runSync, notify, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';

/**
 * A flag in shared memory that threads wait on (Python's `threading.Event`). `set()` wakes every
 * waiter, present and future, until `clear()`. `wait` returns true once the flag was set while
 * it waited, even when a `clear()` followed at once (CPython issue 13502): false only on
 * timeout; abort rejects with `signal.reason`.
 */
/** Word of the flag, and of the count of `set()` calls. */
const FLAG = 0;
const SETS = 1;

export class Event {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'Event' as const;
  /** The shared memory holding the flag. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the flag in `buffer`. */
  readonly offset: number;
  #s: Int32Array;

  /** Creates a cleared event in fresh shared memory. */
  constructor() {
    const m = claim(Event.BYTES);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#s = words(m, 2);
  }

  /** Bytes of shared memory an `Event` uses: the flag, and the count of `set()` calls that waiters watch. */
  static readonly BYTES = 8;

  /** Revives a posted `Event` over the same memory. */
  static from(obj: unknown): Event {
    return obj instanceof Event ? obj : attach('Event', obj, Event.BYTES, () => new Event());
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#s, FLAG) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    Atomics.store(this.#s, FLAG, 1);
    Atomics.add(this.#s, SETS, 1);
    notify(this.#s, SETS);
  }

  /** Clears the flag; later waits block until the next `set()`. */
  clear(): void {
    Atomics.store(this.#s, FLAG, 0);
  }

  /** Blocks the thread until the flag is set; false on timeout. */
  waitSync(options?: SyncWaitOptions): boolean {
    const deadline = deadlineOf(options?.timeout);
    return this.isSet() || runSync(this.#waitOp(deadline));
  }

  /** Awaits the flag; false on timeout, rejects on abort. */
  wait(options?: WaitOptions): Promise<boolean> {
    try {
      const deadline = deadlineOf(options?.timeout);
      if (!options?.signal?.aborted && this.isSet()) return Promise.resolve(true);
      return runAsync(this.#waitOp(deadline), options?.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Waits for the flag, or for a `set()` after the wait began (which counts even if cleared since). */
  *#waitOp(deadline: number): Op<boolean> {
    const sets = Atomics.load(this.#s, SETS);
    while (!this.isSet()) {
      const result = yield { i32: this.#s, index: SETS, value: sets, deadline };
      if (Atomics.load(this.#s, SETS) !== sets) return true;
      if (result === 'timed-out') return this.isSet();
    }
    return true;
  }
}
