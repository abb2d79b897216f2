import { attach, claim } from '../memory.js';
import { deadlineOf, notify, runAsync, runSync, type Op, type SyncWaitOptions, type WaitOptions } from '../futex.js';
import { lockOp, lockSync, tryLock, unlock } from '../mutex.js';
import { Ring, W, HEADER_BYTES, OK, FULL, CLOSED, EMPTY } from './ring.js';
import { stage, detach, type Staged } from './stage.js';
import { DONE, FLOATS, MANY, NOT_NUMBER, ONE, TIMEOUT, putMany, putOne, take } from './transfer.js';
import { ChannelClosedError, InvalidSharedObjectError } from '../errors.js';
import { InvalidArgumentError, TooManyReleasesError, TimeoutError } from '../../errors.js';

/** Options of a `Channel`. */
export interface ChannelOptions {
  /** Bytes of ring buffer (default 64 KiB, rounded up to 8). A number takes 16 bytes (8 in a batch); other values 8 + their encoded size. */
  capacity?: number;
  /** Most items held at once (default: only bytes limit). */
  maxItems?: number;
}

/** Options of the blocking batch receives. */
export interface BatchOptions extends WaitOptions {
  /** Most values to take (default: all that are ready). */
  max?: number;
}

const BUSY = 3; // a non-blocking attempt found the mutex taken
const PROGRESS = 4; // a batch attempt sent some values, not all: keep going without sleeping
// Polling before a waiter sleeps, adapted per handle: doubled when a spin saw the other side
// act, halved when the waiter slept anyway (spinning only steals CPU on an oversubscribed machine).
const SPIN_MAX = 2000;
const SPIN_MIN = 16;

/**
 * A bounded multi-producer, multi-consumer queue of structured-cloneable values in a
 * `SharedArrayBuffer` ring, for any mix of threads. Numbers and plain `Uint8Array`s are copied
 * in directly, JSON-like values (null, booleans, numbers, strings, plain objects and dense arrays
 * of them) in a compact binary form; anything else goes through `v8.serialize`. Either way values
 * arrive as structured clone would deliver them, except that `SharedArrayBuffer`s (hence weft
 * primitives) cannot go through the ring: sending one throws `InvalidArgumentError`; post those
 * with `postMessage` instead.
 *
 * A full channel makes `send` wait (`sendSync` blocks the thread); an empty one makes `receive`
 * wait. Timeouts throw `TimeoutError`, abort rejects with `signal.reason`, and the item is
 * neither sent nor taken. `close()` refuses further sends; receivers drain what is left, then
 * get `ChannelClosedError` (iteration simply ends). Every successful send also counts an
 * unfinished task: `taskDone()` and `join()` work as in Python's `queue.Queue`. Order is FIFO
 * per producer; which of several waiting receivers gets an item is not specified.
 *
 * For throughput, `sendMany` / `receiveMany` / `receiveBatch` move many values per lock and
 * per index update, and `receiveNumbers` copies runs of numbers straight into a `Float64Array`.
 *
 * @example
 * const ch = new Channel<number>({ capacity: 1 << 16 });
 * worker.postMessage({ ch });                  // worker: const ch = Channel.from(data.ch); ch.sendSync(42)
 * for await (const n of ch) console.log(n);    // ends after ch.close() and drain
 */
export class Channel<T = unknown> implements AsyncIterable<T>, Iterable<T> {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'Channel' as const;
  /** The shared memory holding the header and the ring. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the header in `buffer`. */
  readonly offset: number;
  /** Ring size in bytes. */
  readonly capacity: number;
  readonly #r: Ring;
  readonly #h: Int32Array;
  #sendSpin = SPIN_MAX;
  #recvSpin = SPIN_MAX;

  /** Creates an empty, open channel. */
  constructor(options: ChannelOptions = {}) {
    const capacity = (options.capacity ?? 1 << 16) + 7 & ~7;
    const maxItems = options.maxItems ?? 0;
    if (!Number.isInteger(capacity) || capacity < 16 || capacity > 0x40000000) {
      throw new InvalidArgumentError(`capacity must be an integer number of bytes from 16 to 1 GiB, got ${String(options.capacity)}`);
    }
    if (!Number.isInteger(maxItems) || maxItems < 0) throw new InvalidArgumentError(`maxItems must be an integer >= 0, got ${String(maxItems)}`);
    const m = claim(HEADER_BYTES + capacity);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.#r = new Ring(m.buffer, m.offset, capacity);
    this.#h = this.#r.h;
    if (m.fresh) {
      Atomics.store(this.#h, W.CAPACITY, capacity);
      Atomics.store(this.#h, W.MAX_ITEMS, maxItems);
    } else if (Atomics.load(this.#h, W.CAPACITY) !== capacity) {
      throw new InvalidSharedObjectError('Channel.capacity does not match its memory');
    }
    this.capacity = capacity;
  }

  /** Revives a posted `Channel` over the same memory. */
  static from<T = unknown>(obj: unknown): Channel<T> {
    if (obj instanceof Channel) return obj as Channel<T>;
    const capacity = (obj as { capacity?: unknown } | null)?.capacity;
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 16 || capacity % 8 !== 0) {
      throw new InvalidSharedObjectError('Channel.capacity must be a positive multiple of 8');
    }
    return attach('Channel', obj, HEADER_BYTES + capacity, () => new Channel<T>({ capacity }));
  }

  /** Items waiting now (a snapshot). */
  get size(): number {
    const received = Atomics.load(this.#h, W.RECEIVED);
    return Math.max(0, (Atomics.load(this.#h, W.SENT) - received) | 0);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return Atomics.load(this.#h, W.CLOSED) === 1;
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Sends `value`, waiting while the channel is full. Throws `ChannelClosedError` if closed. */
  async send(value: T, options?: WaitOptions): Promise<void> {
    const s = stage(value, this.capacity);
    const deadline = deadlineOf(options?.timeout);
    const r = options?.signal?.aborted ? BUSY : this.#trySend(s, false);
    if (r === OK) return;
    if (r === CLOSED) throw new ChannelClosedError();
    const own = detach(s);
    if (!(await runAsync(this.#sendOp(() => putOne(this.#r, own), deadline), options?.signal))) throw timedOut('send', options?.timeout);
  }

  /** Blocking form of `send` (workers). */
  sendSync(value: T, options?: SyncWaitOptions): void {
    const s = stage(value, this.capacity);
    const deadline = deadlineOf(options?.timeout);
    const r = this.#trySend(s, true);
    if (r === OK) return;
    if (r === CLOSED) throw new ChannelClosedError();
    if (!runSync(this.#sendOp(() => putOne(this.#r, s), deadline))) throw timedOut('send', options?.timeout);
  }

  /** Sends `value` only if there is room now; false if full. Throws `ChannelClosedError` if closed. */
  trySend(value: T): boolean {
    const r = this.#trySend(stage(value, this.capacity), true);
    if (r === CLOSED) throw new ChannelClosedError();
    return r === OK;
  }

  /**
   * Sends every value of `values` in order, as many per lock and per wake-up as fit, waiting
   * while the channel is full. Runs of numbers (a `Float64Array` above all) are copied in as
   * blocks. Other producers' values may come between two blocks. If a value cannot be carried,
   * or the wait times out, the values before it are sent and the error is thrown.
   */
  async sendMany(values: ArrayLike<T>, options?: WaitOptions): Promise<void> {
    const deadline = deadlineOf(options?.timeout);
    let i = options?.signal?.aborted ? 0 : this.#tryMany(values, 0, false);
    if (i === values.length) return;
    const ok = await runAsync(this.#sendOp(() => this.#batchStep(values, i, (j) => (i = j)), deadline), options?.signal);
    if (!ok) throw timedOut('sendMany', options?.timeout, i, values.length);
  }

  /** Blocking form of `sendMany` (workers). */
  sendManySync(values: ArrayLike<T>, options?: SyncWaitOptions): void {
    const deadline = deadlineOf(options?.timeout);
    let i = this.#tryMany(values, 0, true);
    if (i === values.length) return;
    const ok = runSync(this.#sendOp(() => this.#batchStep(values, i, (j) => (i = j)), deadline));
    if (!ok) throw timedOut('sendMany', options?.timeout, i, values.length);
  }

  /** Sends as many of `values` (from the first, in order) as fit now; returns how many. Throws `ChannelClosedError` if closed. */
  trySendMany(values: ArrayLike<T>): number {
    return this.#tryMany(values, 0, true);
  }

  // ---- receiving ----------------------------------------------------------------------------

  /** Receives the oldest value, waiting while empty. Throws `ChannelClosedError` once closed and drained. */
  async receive(options?: WaitOptions): Promise<T> {
    const deadline = deadlineOf(options?.timeout);
    const v = options?.signal?.aborted ? EMPTY : this.#tryReceive(ONE, 1, null, false);
    if (v !== EMPTY) return this.#done(v);
    return this.#done(await runAsync(this.#receiveOp(ONE, 1, null, deadline), options?.signal), options?.timeout);
  }

  /** Blocking form of `receive` (workers). */
  receiveSync(options?: SyncWaitOptions): T {
    const v = this.#tryReceive(ONE, 1, null, true);
    if (v !== EMPTY) return this.#done(v);
    return this.#done(runSync(this.#receiveOp(ONE, 1, null, deadlineOf(options?.timeout))), options?.timeout);
  }

  /** Takes up to `max` values that are ready now, under one lock acquisition (may return []). */
  receiveMany(max = Infinity): T[] {
    const v = this.#tryReceive(MANY, max, null, true);
    return v === EMPTY || v === DONE ? [] : (v as T[]);
  }

  /** Waits until at least one value is ready, then takes up to `max` of those ready. Throws `ChannelClosedError` once closed and drained. */
  async receiveBatch(options?: BatchOptions): Promise<T[]> {
    const max = options?.max ?? Infinity;
    const deadline = deadlineOf(options?.timeout);
    const v = options?.signal?.aborted ? EMPTY : this.#tryReceive(MANY, max, null, false);
    if (v !== EMPTY) return this.#done(v) as unknown as T[];
    return this.#done(await runAsync(this.#receiveOp(MANY, max, null, deadline), options?.signal), options?.timeout) as unknown as T[];
  }

  /** Blocking form of `receiveBatch` (workers). */
  receiveBatchSync(options?: Omit<BatchOptions, 'signal'>): T[] {
    const max = options?.max ?? Infinity;
    const v = this.#tryReceive(MANY, max, null, true);
    if (v !== EMPTY) return this.#done(v) as unknown as T[];
    return this.#done(runSync(this.#receiveOp(MANY, max, null, deadlineOf(options?.timeout))), options?.timeout) as unknown as T[];
  }

  /**
   * Copies the numbers ready now into `out` (from index 0), stopping at `out.length` or at the
   * first value that is not a number; returns how many (0 if none). Blocks of numbers sent with
   * `sendMany` are copied with one `set` each.
   */
  receiveNumbers(out: Float64Array): number {
    const v = this.#tryReceive(FLOATS, out.length, out, true);
    return typeof v === 'number' ? v : 0;
  }

  /**
   * Waits until a value is ready, then does `receiveNumbers`; returns how many (at least 1).
   * Throws `ChannelClosedError` once closed and drained, and `InvalidArgumentError` if the next
   * value is not a number (receive it with `receiveSync`).
   */
  receiveNumbersSync(out: Float64Array, options?: SyncWaitOptions): number {
    if (out.length === 0) throw new InvalidArgumentError('receiveNumbersSync needs a Float64Array of length >= 1');
    const v = this.#tryReceive(FLOATS, out.length, out, true);
    if (v !== EMPTY) return this.#numbers(this.#done(v));
    return this.#numbers(this.#done(runSync(this.#receiveOp(FLOATS, out.length, out, deadlineOf(options?.timeout))), options?.timeout));
  }

  /** Refuses further sends and wakes every waiter; values already sent can still be received. */
  close(): void {
    const h = this.#h;
    lockSync(h, W.P_MUTEX, Infinity);
    Atomics.store(h, W.CLOSED, 1);
    unlock(h, W.P_MUTEX);
    Atomics.add(h, W.NOT_EMPTY, 1);
    Atomics.add(h, W.NOT_FULL, 1);
    notify(h, W.NOT_EMPTY);
    notify(h, W.NOT_FULL);
  }

  /** Marks one received item as processed (for `join`). Throws `TooManyReleasesError` if called more often than items were sent. */
  taskDone(): void {
    const h = this.#h;
    for (let d = Atomics.load(h, W.DONE); ; ) {
      if (((Atomics.load(h, W.SENT) - d) | 0) <= 0) throw new TooManyReleasesError('taskDone() called more times than items were sent');
      const seen = Atomics.compareExchange(h, W.DONE, d, (d + 1) | 0);
      if (seen === d) {
        if (Atomics.load(h, W.SENT) === ((d + 1) | 0)) notify(h, W.DONE);
        return;
      }
      d = seen;
    }
  }

  /** Waits until every sent item has been marked with `taskDone()`; false on timeout. */
  async join(options?: WaitOptions): Promise<boolean> {
    return runAsync(this.#joinOp(deadlineOf(options?.timeout)), options?.signal);
  }

  /** Blocking form of `join` (workers). */
  joinSync(options?: SyncWaitOptions): boolean {
    return runSync(this.#joinOp(deadlineOf(options?.timeout)));
  }

  /** Yields values until the channel is closed and drained; after a wake-up, takes every ready value without waiting again. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let v = this.#tryReceive(ONE, 1, null, false);
      if (v === EMPTY) v = await runAsync(this.#receiveOp(ONE, 1, null, Infinity));
      if (v === DONE) return;
      yield v as T;
    }
  }

  /** Blocking iteration (workers): yields values until the channel is closed and drained. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      let v = this.#tryReceive(ONE, 1, null, true);
      if (v === EMPTY) v = runSync(this.#receiveOp(ONE, 1, null, Infinity));
      if (v === DONE) return;
      yield v as T;
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  #done(v: unknown, timeout?: number): T {
    if (v === DONE) throw new ChannelClosedError('the channel is closed and drained');
    if (v === TIMEOUT) throw timedOut('receive', timeout);
    return v as T;
  }

  #numbers(v: unknown): number {
    if (v === NOT_NUMBER) throw new InvalidArgumentError('the next value in the channel is not a number; take it with receiveSync()');
    return v as number;
  }

  // One send attempt: OK, FULL, CLOSED, or BUSY when `block` is false and the mutex is taken.
  #trySend(s: Staged, block: boolean): number {
    const h = this.#h;
    if (block) lockSync(h, W.P_MUTEX, Infinity);
    else if (!tryLock(h, W.P_MUTEX)) return BUSY;
    return putOne(this.#r, s);
  }

  #tryMany(values: ArrayLike<T>, from: number, block: boolean): number {
    if (values.length === from) return from;
    const h = this.#h;
    if (block) lockSync(h, W.P_MUTEX, Infinity);
    else if (!tryLock(h, W.P_MUTEX)) return from;
    const i = putMany(this.#r, values, from, this.capacity);
    if (i < 0) throw new ChannelClosedError();
    return i;
  }

  // One attempt of a batch send (producer mutex held; released): OK, PROGRESS, FULL or CLOSED.
  #batchStep(values: ArrayLike<T>, from: number, reached: (i: number) => void): number {
    const i = putMany(this.#r, values, from, this.capacity);
    if (i >= 0) reached(i);
    return i < 0 ? CLOSED : i === values.length ? OK : i > from ? PROGRESS : FULL;
  }

  // One receive attempt: what `#takeLocked` returns, or EMPTY when `block` is false and the mutex is taken.
  #tryReceive(mode: number, max: number, out: Float64Array | null, block: boolean): unknown {
    const h = this.#h;
    if (block) lockSync(h, W.C_MUTEX, Infinity);
    else if (!tryLock(h, W.C_MUTEX)) return EMPTY;
    return take(this.#r, mode, max, out);
  }

  // Runs `attempt` (called with the producer mutex held; it releases it) until OK, sleeping while FULL.
  *#sendOp(attempt: () => number, deadline: number): Op<boolean> {
    const h = this.#h;
    for (let round = 0; ; round++) {
      // Spin briefly for a receiver to make room before sleeping.
      if (round > 0 && round < 3) {
        const seen = Atomics.load(h, W.HEAD);
        const spin = this.#sendSpin;
        let k = 0;
        while (k < spin && Atomics.load(h, W.HEAD) === seen) k++;
        if (k < spin) this.#sendSpin = Math.min(SPIN_MAX, spin * 2);
      }
      const sleepy = round >= 3;
      if (round === 3) this.#sendSpin = Math.max(SPIN_MIN, this.#sendSpin >> 1);
      let seq = 0;
      if (sleepy) {
        seq = Atomics.load(h, W.NOT_FULL);
        Atomics.add(h, W.SEND_WAITERS, 1);
      }
      yield* lockOp(h, W.P_MUTEX, Infinity);
      const r = attempt();
      if (r === OK) return true;
      if (r === CLOSED) throw new ChannelClosedError();
      if (r === PROGRESS) {
        round = 0; // a receiver is making room: spin again rather than sleep
        continue;
      }
      if (sleepy && (yield { i32: h, index: W.NOT_FULL, value: seq, deadline }) === 'timed-out') return false;
    }
  }

  *#receiveOp(mode: number, max: number, out: Float64Array | null, deadline: number): Op<unknown> {
    const h = this.#h;
    for (let round = 0; ; round++) {
      // Spin briefly for a sender before sleeping: a futex wake-up per item costs microseconds.
      if (round > 0 && round < 3) {
        const spin = this.#recvSpin;
        let k = 0;
        while (k < spin && Atomics.load(h, W.TAIL) === Atomics.load(h, W.HEAD) && Atomics.load(h, W.CLOSED) === 0) k++;
        if (k < spin) this.#recvSpin = Math.min(SPIN_MAX, spin * 2);
      }
      const sleepy = round >= 3;
      if (round === 3) this.#recvSpin = Math.max(SPIN_MIN, this.#recvSpin >> 1);
      let seq = 0;
      if (sleepy) {
        seq = Atomics.load(h, W.NOT_EMPTY);
        Atomics.add(h, W.RECV_WAITERS, 1);
      }
      yield* lockOp(h, W.C_MUTEX, Infinity);
      const v = take(this.#r, mode, max, out);
      if (v !== EMPTY) return v;
      if (sleepy && (yield { i32: h, index: W.NOT_EMPTY, value: seq, deadline }) === 'timed-out') return TIMEOUT;
    }
  }

  *#joinOp(deadline: number): Op<boolean> {
    const h = this.#h;
    for (let d = Atomics.load(h, W.DONE); d !== Atomics.load(h, W.SENT); d = Atomics.load(h, W.DONE)) {
      if ((yield { i32: h, index: W.DONE, value: d, deadline }) === 'timed-out') return Atomics.load(h, W.DONE) === Atomics.load(h, W.SENT);
    }
    return true;
  }
}

function timedOut(what: string, timeout: number | undefined, sent?: number, of?: number): TimeoutError {
  const progress = sent === undefined ? '' : ` (${sent} of ${String(of)} values were sent)`;
  return new TimeoutError(`channel ${what} did not complete within ${String(timeout)} ms${progress}`);
}
