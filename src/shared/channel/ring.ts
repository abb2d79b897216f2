/**
 * The byte ring under `Channel`. Internal: not exported from `weft/shared`.
 *
 * Memory: a header of 10 cache lines, then `capacity` bytes of records. Producers (under the
 * producer mutex) and consumers (under the consumer mutex) each own their own lines, so one
 * sender and one receiver never fight over a mutex word; they meet only at `TAIL` (written by
 * producers) and `HEAD` (written by consumers). Positions run over [0, 2 * capacity), so a full
 * ring (tail - head = capacity) differs from an empty one (tail = head).
 *
 * Every record starts on an 8-byte boundary with two words, [kind, length], then its payload
 * padded to 8 bytes: NUMBER (one float64), NUMBERS (`length` float64s, taken one by one: the
 * consumer keeps its place in `C_SUB`), BYTES, COMPACT (see codec.ts) and V8 (`v8.serialize`).
 * A record never wraps: a WRAP marker fills the tail and the record starts at 0.
 *
 * A batch of writes (`beginPut` ... `endPut`) or of reads (`beginTake` ... `endTake`) publishes
 * its position with one store, so `sendMany`/`receiveMany` cost one index update per batch.
 */
import { CompactDecoder } from './codec.js';
import { lockSync, unlock } from '../mutex.js';

/** Word indexes in the header (Int32); each group sits on its own 64-byte line. */
export const W = {
  // written once
  CAPACITY: 0, MAX_ITEMS: 1, CLOSED: 2,
  // producers only
  P_MUTEX: 16, P_HEAD: 17,
  // published by producers: the one word a polling receiver reads
  TAIL: 32,
  // consumers only
  C_MUTEX: 48, C_TAIL: 49, C_SUB: 50,
  // published by consumers
  HEAD: 64,
  // futex words, touched only when someone sleeps
  RECV_WAITERS: 80, NOT_EMPTY: 81,
  SEND_WAITERS: 96, NOT_FULL: 97,
  // counts (for size, maxItems, taskDone/join), kept off the TAIL and HEAD lines
  DONE: 112,
  SENT: 128,
  RECEIVED: 144,
} as const;
/** Bytes of header before the records. */
export const HEADER_BYTES = 640;

/** Record kind: filler to the end of the ring; the next record is at offset 0. */
export const WRAP = 0;
/** Record kind: one float64. */
export const NUMBER = 1;
/** Record kind: `length` float64s, taken one by one or in blocks. */
export const NUMBERS = 2;
/** Record kind: the bytes of a plain `Uint8Array`. */
export const BYTES = 3;
/** Record kind: a JSON-like value in the compact form of codec.ts. */
export const COMPACT = 4;
/** Record kind: `v8.serialize` output. */
export const V8 = 5;

/** Outcome of a send attempt: the value went in. */
export const OK = 0;
/** Outcome of a send attempt: no room (bytes or `maxItems`). */
export const FULL = 1;
/** Outcome of a send attempt: the channel is closed. */
export const CLOSED = 2;

/** What `take` returns when nothing is ready. */
export const EMPTY: unique symbol = Symbol('empty');
/** What `take` returns for a V8 record: its bytes are in `ring.bytes`, to deserialize outside the lock. */
export const PENDING: unique symbol = Symbol('v8 pending');

/** Bytes a record with a payload of `len` bytes takes. */
export function recordSize(len: number): number {
  return 8 + ((len + 7) & ~7);
}

/** Views over one channel's memory, with the record-level operations. */
export class Ring {
  /** The header as Int32 words (counters, mutexes, futex words). */
  readonly h: Int32Array;
  readonly #u: Uint32Array;
  /** Bytes of records (a multiple of 8). */
  readonly capacity: number;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #decoder: CompactDecoder;
  /** Payload of the last V8 record taken. */
  bytes: Uint8Array | null = null;
  // Pending producer state (between beginPut and endPut).
  #tail = 0;
  #head = 0;
  #items = 0;
  // Pending consumer state (between beginTake and endTake).
  #cHead = 0;
  #cTail = 0;
  #taken = 0;

  /** Views over the header at `offset` in `buffer` and the `capacity` bytes after it. */
  constructor(buffer: SharedArrayBuffer, offset: number, capacity: number) {
    this.h = new Int32Array(buffer, offset, HEADER_BYTES >> 2);
    this.#u = new Uint32Array(buffer, offset, HEADER_BYTES >> 2);
    this.capacity = capacity;
    const base = offset + HEADER_BYTES;
    this.#i32 = new Int32Array(buffer, base, capacity >> 2);
    this.#f64 = new Float64Array(buffer, base, capacity >> 3);
    this.#u8 = new Uint8Array(buffer, base, capacity);
    this.#decoder = new CompactDecoder(buffer, base, capacity);
  }

  // ---- producer side: P_MUTEX held ------------------------------------------------------------

  /** Starts a batch of writes; false if the channel is closed. */
  beginPut(): boolean {
    if (this.h[W.CLOSED] !== 0) return false;
    this.#tail = this.#u[W.TAIL]!;
    this.#head = this.#u[W.P_HEAD]!;
    this.#items = 0;
    return true;
  }

  /** Publishes the batch; returns how many items it held. */
  endPut(): number {
    const n = this.#items;
    if (n === 0) return 0;
    const h = this.h;
    this.#u[W.P_HEAD] = this.#head;
    Atomics.store(h, W.SENT, (h[W.SENT]! + n) | 0);
    Atomics.store(this.#u, W.TAIL, this.#tail);
    return n;
  }

  /** Room for items under `maxItems` (a large number when unlimited). */
  #itemRoom(): number {
    const max = this.h[W.MAX_ITEMS]!;
    if (max === 0) return 0x7fffffff;
    return max - ((this.h[W.SENT]! + this.#items - Atomics.load(this.h, W.RECEIVED)) | 0);
  }

  #used(): number {
    const d = this.#tail - this.#head;
    return d < 0 ? d + 2 * this.capacity : d;
  }

  /** Reserves `need` contiguous bytes (writing a WRAP first if needed); their offset, or -1 if full. */
  #reserve(need: number, items: number): number {
    if (items > 0 && this.#itemRoom() < items) return -1;
    const cap = this.capacity;
    let phys = this.#tail >= cap ? this.#tail - cap : this.#tail;
    let waste = phys + need > cap ? cap - phys : 0;
    if (this.#used() + waste + need > cap) {
      this.#head = Atomics.load(this.#u, W.HEAD);
      if (this.#used() + waste + need > cap) {
        if (waste === 0 || !this.#rewind()) return -1;
        phys = 0;
        waste = 0;
      }
    }
    if (waste > 0) {
      this.#i32[phys >> 2] = WRAP;
      this.#tail = this.#advance(this.#tail, waste);
      phys = 0;
    }
    this.#tail = this.#advance(this.#tail, need);
    this.#items += items;
    return phys;
  }

  #advance(pos: number, by: number): number {
    const p = pos + by;
    return p >= 2 * this.capacity ? p - 2 * this.capacity : p;
  }

  // An empty ring whose write position is too near the end for a large record: move both
  // positions to the start (under the consumer mutex too; lock order is producer, then consumer).
  #rewind(): boolean {
    if (this.#items !== 0) return false;
    const h = this.h;
    lockSync(h, W.C_MUTEX, Infinity);
    try {
      if (Atomics.load(this.#u, W.HEAD) !== this.#tail) return false;
      const cap = this.capacity;
      const pos = this.#tail >= cap ? 0 : cap;
      this.#tail = this.#head = pos;
      this.#u[W.C_TAIL] = pos;
      Atomics.store(this.#u, W.HEAD, pos);
      Atomics.store(this.#u, W.TAIL, pos);
      return true;
    } finally {
      unlock(h, W.C_MUTEX);
    }
  }

  /** Appends one number; false if full. */
  putNumber(v: number): boolean {
    const at = this.#reserve(16, 1);
    if (at < 0) return false;
    this.#i32[at >> 2] = NUMBER;
    this.#f64[(at >> 3) + 1] = v;
    return true;
  }

  /**
   * Appends `len` bytes of `src` as one record of `kind`; false if full. `words`, if given, is an
   * Int32 view of the same bytes starting at `src`: small payloads are then copied word by word.
   */
  putBytes(kind: number, src: Uint8Array, len: number, words: Int32Array | null): boolean {
    const at = this.#reserve(recordSize(len), 1);
    if (at < 0) return false;
    const i32 = this.#i32;
    i32[at >> 2] = kind;
    i32[(at >> 2) + 1] = len;
    if (words !== null && len <= 256) {
      for (let i = 0, o = (at >> 2) + 2, n = (len + 3) >> 2; i < n; i++) i32[o + i] = words[i]!;
    } else {
      this.#u8.set(len === src.byteLength ? src : src.subarray(0, len), at + 8);
    }
    return true;
  }

  // How many numbers one NUMBERS record can hold at the write position (wrapping if under one fits there).
  #numbersFit(): number {
    const cap = this.capacity;
    const phys = this.#tail >= cap ? this.#tail - cap : this.#tail;
    const before = cap - phys;
    const free = cap - this.#used();
    return before >= 16 ? (Math.min(before, free) - 8) >> 3 : (free - before - 8) >> 3;
  }

  /** Appends numbers `src[from..to)` as NUMBERS records while they fit; returns how many went in. */
  putNumbers(src: ArrayLike<number>, from: number, to: number): number {
    let i = from;
    while (i < to) {
      let fit = this.#numbersFit();
      if (fit < to - i) {
        this.#head = Atomics.load(this.#u, W.HEAD);
        fit = this.#numbersFit();
      }
      const n = Math.min(fit, to - i, this.#itemRoom());
      if (n <= 0) break;
      const at = this.#reserve(8 + 8 * n, n);
      if (at < 0) break;
      this.#i32[at >> 2] = NUMBERS;
      this.#i32[(at >> 2) + 1] = n;
      const f64 = this.#f64;
      const o = (at >> 3) + 1;
      if (src instanceof Float64Array) f64.set(src.subarray(i, i + n), o);
      else for (let k = 0; k < n; k++) f64[o + k] = src[i + k]!;
      i += n;
    }
    return i - from;
  }

  // ---- consumer side: C_MUTEX held ------------------------------------------------------------

  /** Starts a batch of reads. */
  beginTake(): void {
    this.#cHead = this.#u[W.HEAD]!;
    this.#cTail = this.#u[W.C_TAIL]!;
    this.#taken = 0;
  }

  /** Publishes the batch's new head; returns how many items it took. */
  endTake(): number {
    const n = this.#taken;
    if (n === 0) return 0;
    const h = this.h;
    this.#u[W.C_TAIL] = this.#cTail;
    Atomics.store(h, W.RECEIVED, (h[W.RECEIVED]! + n) | 0);
    Atomics.store(this.#u, W.HEAD, this.#cHead);
    return n;
  }

  /** Offset of the next record (skipping a WRAP), or -1 if there is none. */
  #next(): number {
    if (this.#cHead === this.#cTail) {
      this.#cTail = Atomics.load(this.#u, W.TAIL);
      if (this.#cHead === this.#cTail) return -1;
    }
    const cap = this.capacity;
    const phys = this.#cHead >= cap ? this.#cHead - cap : this.#cHead;
    if (this.#i32[phys >> 2] !== WRAP) return phys;
    this.#cHead = this.#advance(this.#cHead, cap - phys);
    return 0;
  }

  /** Kind of the next record, or -1 if none is ready. */
  peekKind(): number {
    const at = this.#next();
    return at < 0 ? -1 : this.#i32[at >> 2]!;
  }

  /** Removes the oldest value: the value, `EMPTY`, or `PENDING` (V8 bytes in `bytes`). */
  take(): unknown {
    const at = this.#next();
    if (at < 0) return EMPTY;
    const i32 = this.#i32;
    const kind = i32[at >> 2]!;
    this.#taken++;
    if (kind === NUMBER) {
      this.#cHead = this.#advance(this.#cHead, 16);
      return this.#f64[(at >> 3) + 1]!;
    }
    const len = i32[(at >> 2) + 1]!;
    if (kind === NUMBERS) {
      const h = this.h;
      const sub = h[W.C_SUB]!;
      if (sub + 1 < len) h[W.C_SUB] = sub + 1;
      else {
        h[W.C_SUB] = 0;
        this.#cHead = this.#advance(this.#cHead, 8 + 8 * len);
      }
      return this.#f64[(at >> 3) + 1 + sub]!;
    }
    let v: unknown;
    if (kind === COMPACT) v = this.#decoder.decode(at + 8);
    else if (kind === BYTES) v = this.#u8.slice(at + 8, at + 8 + len);
    else {
      this.bytes = this.#u8.slice(at + 8, at + 8 + len);
      v = PENDING;
    }
    this.#cHead = this.#advance(this.#cHead, recordSize(len));
    return v;
  }

  /** Copies up to `out.length - from` ready numbers into `out` from `from`; stops at the first non-number. */
  takeNumbers(out: Float64Array, from: number): number {
    let n = from;
    while (n < out.length) {
      const at = this.#next();
      if (at < 0) break;
      const kind = this.#i32[at >> 2]!;
      if (kind === NUMBER) {
        out[n++] = this.#f64[(at >> 3) + 1]!;
        this.#cHead = this.#advance(this.#cHead, 16);
        this.#taken++;
      } else if (kind === NUMBERS) {
        const len = this.#i32[(at >> 2) + 1]!;
        const h = this.h;
        const sub = h[W.C_SUB]!;
        const k = Math.min(len - sub, out.length - n);
        const o = (at >> 3) + 1 + sub;
        out.set(this.#f64.subarray(o, o + k), n);
        n += k;
        this.#taken += k;
        if (sub + k < len) h[W.C_SUB] = sub + k;
        else {
          h[W.C_SUB] = 0;
          this.#cHead = this.#advance(this.#cHead, 8 + 8 * len);
        }
      } else break;
    }
    return n - from;
  }
}
