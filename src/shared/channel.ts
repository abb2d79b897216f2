import { attach, claim } from './memory.js';
import { deadlineOf, runAsync, runSync, type Op, type SyncWaitOptions, type WaitOptions } from './futex.js';
import { lockOp, lockSync, unlock } from './mutex.js';
import { Ring, W, HEADER_BYTES, OK, FULL, CLOSED, encode, sizeOfRecord, type Encoded } from './ring.js';
import { ChannelClosedError, InvalidArgumentError, InvalidSharedObjectError, MessageTooLargeError, OverReleaseError, WaitTimeoutError } from './errors.js';

/** Options of a `Channel`. */
export interface ChannelOptions {
  /** Bytes of ring buffer (default 64 KiB, rounded up to 8). A number takes 16 bytes; other values 8 + their serialized size. */
  capacity?: number;
  /** Most items held at once (default: only bytes limit). */
  maxItems?: number;
}

const BUSY = 3;
const SPIN_LOADS = 2000; // a few microseconds of polling before a waiter sleeps // send only: the mutex was taken and the caller must not block
// Receive outcomes other than a value; symbols, so no value can be mistaken for one.
const DONE: unique symbol = Symbol('closed and drained');
const EMPTY: unique symbol = Symbol('empty');
const HELD: unique symbol = Symbol('mutex held');
const TIMEOUT: unique symbol = Symbol('timed out');

/**
 * A bounded multi-producer, multi-consumer queue of structured-cloneable values in a
 * `SharedArrayBuffer` ring, for any mix of threads. Numbers and plain `Uint8Array`s are copied
 * in directly; other values go through `v8.serialize`, so they arrive as structured clone would
 * deliver them, except that `SharedArrayBuffer`s (hence weft primitives) cannot go through the
 * ring: sending one throws `InvalidArgumentError`; post those with `postMessage` instead.
 *
 * A full channel makes `send` wait (`sendSync` blocks the thread); an empty one makes `receive`
 * wait. Timeouts throw `WaitTimeoutError`, abort rejects with `signal.reason`, and the item is
 * neither sent nor taken. `close()` refuses further sends; receivers drain what is left, then
 * get `ChannelClosedError` (iteration simply ends). Every successful send also counts an
 * unfinished task: `taskDone()` and `join()` work as in Python's `queue.Queue`. Order is FIFO
 * per channel; which of several waiting receivers gets an item is not specified.
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
  #r: Ring;

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
    if (m.fresh) {
      Atomics.store(this.#r.h, W.CAPACITY, capacity);
      Atomics.store(this.#r.h, W.MAX_ITEMS, maxItems);
    } else if (Atomics.load(this.#r.h, W.CAPACITY) !== capacity) {
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
    return Atomics.load(this.#r.h, W.COUNT);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return Atomics.load(this.#r.h, W.CLOSED) === 1;
  }

  /** Sends `value`, waiting while the channel is full. Throws `ChannelClosedError` if closed. */
  async send(value: T, options?: WaitOptions): Promise<void> {
    const e = this.#encode(value);
    const deadline = deadlineOf(options?.timeout);
    const r = options?.signal?.aborted ? BUSY : this.#trySend(e, false);
    if (r === OK) return;
    if (r === CLOSED) throw new ChannelClosedError();
    if (!(await runAsync(this.#sendOp(e, deadline), options?.signal))) throw timedOut('send', options?.timeout);
  }

  /** Blocking form of `send` (workers). */
  sendSync(value: T, options?: SyncWaitOptions): void {
    const e = this.#encode(value);
    const deadline = deadlineOf(options?.timeout);
    const r = this.#trySend(e, true);
    if (r === OK) return;
    if (r === CLOSED) throw new ChannelClosedError();
    if (!runSync(this.#sendOp(e, deadline))) throw timedOut('send', options?.timeout);
  }

  /** Sends `value` only if there is room now; false if full. Throws `ChannelClosedError` if closed. */
  trySend(value: T): boolean {
    const r = this.#trySend(this.#encode(value), true);
    if (r === CLOSED) throw new ChannelClosedError();
    return r === OK;
  }

  /** Receives the oldest value, waiting while empty. Throws `ChannelClosedError` once closed and drained. */
  async receive(options?: WaitOptions): Promise<T> {
    const deadline = deadlineOf(options?.timeout);
    const v = options?.signal?.aborted ? HELD : this.#tryReceive(false);
    if (v !== HELD && v !== EMPTY) return this.#done(v);
    return this.#done(await runAsync(this.#receiveOp(deadline), options?.signal), options?.timeout);
  }

  /** Blocking form of `receive` (workers). */
  receiveSync(options?: SyncWaitOptions): T {
    const deadline = deadlineOf(options?.timeout);
    const v = this.#tryReceive(true);
    if (v !== EMPTY) return this.#done(v);
    return this.#done(runSync(this.#receiveOp(deadline)), options?.timeout);
  }

  /** Takes up to `max` values that are ready now, under one lock acquisition (may return []). */
  receiveMany(max = Infinity): T[] {
    const out: T[] = [];
    const r = this.#r;
    lockSync(r.h, W.MUTEX, Infinity);
    const raw: unknown[] = [];
    while (raw.length < max && r.take()) raw.push(r.bytes === null ? r.num : [r.kind, r.bytes]);
    unlock(r.h, W.MUTEX);
    if (raw.length > 0) this.#wakeSenders();
    for (const x of raw) {
      if (typeof x === 'number') out.push(x as T);
      else {
        [r.kind, r.bytes] = x as [number, Uint8Array];
        out.push(r.decode() as T);
      }
    }
    return out;
  }

  /** Refuses further sends and wakes every waiter; values already sent can still be received. */
  close(): void {
    const h = this.#r.h;
    lockSync(h, W.MUTEX, Infinity);
    Atomics.store(h, W.CLOSED, 1);
    Atomics.add(h, W.NOT_EMPTY, 1);
    Atomics.add(h, W.NOT_FULL, 1);
    unlock(h, W.MUTEX);
    Atomics.notify(h, W.NOT_EMPTY);
    Atomics.notify(h, W.NOT_FULL);
  }

  /** Marks one received item as processed (for `join`). Throws `OverReleaseError` if called more often than items were sent. */
  taskDone(): void {
    const h = this.#r.h;
    for (let v = Atomics.load(h, W.UNFINISHED); ; ) {
      if (v <= 0) throw new OverReleaseError('taskDone() called more times than items were sent');
      const seen = Atomics.compareExchange(h, W.UNFINISHED, v, v - 1);
      if (seen === v) {
        if (v === 1) Atomics.notify(h, W.UNFINISHED);
        return;
      }
      v = seen;
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

  /** Yields values until the channel is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let v = this.#tryReceive(false);
      if (v === HELD || v === EMPTY) v = await runAsync(this.#receiveOp(Infinity));
      if (v === DONE) return;
      yield v as T;
    }
  }

  /** Blocking iteration (workers): yields values until the channel is closed and drained. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      let v = this.#tryReceive(true);
      if (v === EMPTY) v = runSync(this.#receiveOp(Infinity));
      if (v === DONE) return;
      yield v as T;
    }
  }

  #encode(value: T): Encoded {
    const e = encode(value);
    if (sizeOfRecord(e) > this.capacity) {
      throw new MessageTooLargeError(`a value of ${sizeOfRecord(e)} bytes cannot fit in a channel of ${this.capacity} bytes; raise capacity`);
    }
    return e;
  }

  #done(v: unknown, timeout?: number): T {
    if (v === DONE) throw new ChannelClosedError('the channel is closed and drained');
    if (v === TIMEOUT) throw timedOut('receive', timeout);
    return v as T;
  }

  // One attempt under the mutex: OK, FULL, CLOSED, or BUSY when `block` is false and the mutex is taken.
  #trySend(e: Encoded, block: boolean): number {
    const h = this.#r.h;
    if (block) lockSync(h, W.MUTEX, Infinity);
    else if (Atomics.compareExchange(h, W.MUTEX, 0, 1) !== 0) return BUSY;
    const r = this.#r.put(e);
    if (r === OK) Atomics.add(h, W.NOT_EMPTY, 1);
    unlock(h, W.MUTEX);
    if (r === OK && Atomics.load(h, W.RECV_WAITERS) > 0) Atomics.notify(h, W.NOT_EMPTY, 1);
    return r;
  }

  // One attempt: a value, DONE (closed and drained), EMPTY (must wait) or HELD (mutex taken, `block` false).
  #tryReceive(block: boolean): unknown {
    const r = this.#r;
    const h = r.h;
    if (block) lockSync(h, W.MUTEX, Infinity);
    else if (Atomics.compareExchange(h, W.MUTEX, 0, 1) !== 0) return HELD;
    const got = r.take();
    const closed = h[W.CLOSED] === 1;
    if (got) Atomics.add(h, W.NOT_FULL, 1);
    unlock(h, W.MUTEX);
    if (!got) return closed ? DONE : EMPTY;
    this.#wakeSenders();
    return r.decode();
  }

  #wakeSenders(): void {
    if (Atomics.load(this.#r.h, W.SEND_WAITERS) > 0) Atomics.notify(this.#r.h, W.NOT_FULL);
  }

  *#sendOp(e: Encoded, deadline: number): Op<boolean> {
    const h = this.#r.h;
    for (let attempt = 0; ; attempt++) {
      // Spin briefly for a receiver to make room before sleeping.
      if (attempt < 2) for (let k = 0, seen = Atomics.load(h, W.NOT_FULL); k < SPIN_LOADS && Atomics.load(h, W.NOT_FULL) === seen; k++);
      yield* lockOp(h, W.MUTEX, Infinity);
      const r = this.#r.put(e);
      if (r === OK) Atomics.add(h, W.NOT_EMPTY, 1);
      const seq = Atomics.load(h, W.NOT_FULL);
      if (r === FULL && attempt < 2) {
        unlock(h, W.MUTEX);
        continue;
      }
      if (r === FULL) Atomics.add(h, W.SEND_WAITERS, 1);
      unlock(h, W.MUTEX);
      if (r === CLOSED) throw new ChannelClosedError();
      if (r === OK) {
        if (Atomics.load(h, W.RECV_WAITERS) > 0) Atomics.notify(h, W.NOT_EMPTY, 1);
        return true;
      }
      let w;
      try {
        w = yield { i32: h, index: W.NOT_FULL, value: seq, deadline };
      } finally {
        Atomics.sub(h, W.SEND_WAITERS, 1);
      }
      if (w === 'timed-out') return false;
    }
  }

  *#receiveOp(deadline: number): Op<unknown> {
    const r = this.#r;
    const h = r.h;
    for (let attempt = 0; ; attempt++) {
      // Spin briefly for a sender before sleeping: a futex wake-up per item costs microseconds.
      if (attempt < 2) for (let k = 0; k < SPIN_LOADS && Atomics.load(h, W.COUNT) === 0 && Atomics.load(h, W.CLOSED) === 0; k++);
      yield* lockOp(h, W.MUTEX, Infinity);
      const got = r.take();
      const closed = h[W.CLOSED] === 1;
      if (got) Atomics.add(h, W.NOT_FULL, 1);
      const seq = Atomics.load(h, W.NOT_EMPTY);
      if (!got && !closed && attempt < 2) {
        unlock(h, W.MUTEX);
        continue;
      }
      if (!got && !closed) Atomics.add(h, W.RECV_WAITERS, 1);
      unlock(h, W.MUTEX);
      if (got) {
        this.#wakeSenders();
        return r.decode();
      }
      if (closed) return DONE;
      let w;
      try {
        w = yield { i32: h, index: W.NOT_EMPTY, value: seq, deadline };
      } finally {
        Atomics.sub(h, W.RECV_WAITERS, 1);
      }
      if (w === 'timed-out') return TIMEOUT;
    }
  }

  *#joinOp(deadline: number): Op<boolean> {
    const h = this.#r.h;
    for (let v = Atomics.load(h, W.UNFINISHED); v !== 0; v = Atomics.load(h, W.UNFINISHED)) {
      if ((yield { i32: h, index: W.UNFINISHED, value: v, deadline }) === 'timed-out') return Atomics.load(h, W.UNFINISHED) === 0;
    }
    return true;
  }
}

function timedOut(what: string, timeout: number | undefined): WaitTimeoutError {
  return new WaitTimeoutError(`channel ${what} did not complete within ${String(timeout)} ms`);
}
