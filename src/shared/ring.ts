/**
 * The byte ring under `Channel`. Internal: not exported from `weft/shared`.
 *
 * Memory: a header of 16 Int32 words, then `capacity` bytes of records. Every record starts on
 * an 8-byte boundary with two words, [kind, byteLength], then its payload padded to 8 bytes.
 * A record never wraps: if it does not fit before the end, a kind-0 marker fills the tail and
 * the record starts at 0 (the skipped bytes count as used until the reader passes them).
 * Callers hold the header's mutex (word 0) around `put` and `take`.
 */
import { serialize, deserialize } from 'node:v8';
import { InvalidArgumentError } from './errors.js';

export const W = {
  MUTEX: 0, CLOSED: 1, HEAD: 2, TAIL: 3, USED: 4, COUNT: 5,
  NOT_EMPTY: 6, NOT_FULL: 7, RECV_WAITERS: 8, SEND_WAITERS: 9,
  UNFINISHED: 10, CAPACITY: 11, MAX_ITEMS: 12,
} as const;
export const HEADER_BYTES = 64;

export const WRAP = 0;
export const NUMBER = 1;
export const BYTES = 2;
export const V8 = 3;

/** Outcome of `put`. */
export const OK = 0;
export const FULL = 1;
export const CLOSED = 2;

/** A value ready to be written: numbers carry no payload, everything else carries bytes. */
export interface Encoded {
  kind: number;
  num: number;
  bytes: Uint8Array | null;
}

/** Encodes `value`: numbers and `Uint8Array`s directly, anything else with `v8.serialize`. */
export function encode(value: unknown): Encoded {
  if (typeof value === 'number') return { kind: NUMBER, num: value, bytes: null };
  if (value instanceof Uint8Array && value.constructor === Uint8Array) return { kind: BYTES, num: 0, bytes: value };
  try {
    return { kind: V8, num: 0, bytes: serialize(value) };
  } catch (err) {
    throw new InvalidArgumentError(
      `a Channel cannot carry this value (${(err as Error).message}); functions, SharedArrayBuffers and weft primitives do not serialize into the ring: post them with postMessage`,
      { cause: err },
    );
  }
}

/** Record size in the ring (header + padded payload). */
export function sizeOfRecord(e: Encoded): number {
  return e.bytes === null ? 16 : 8 + ((e.bytes.byteLength + 7) & ~7);
}

/** Views over one channel's memory, with the record-level operations. */
export class Ring {
  readonly h: Int32Array;
  readonly capacity: number;
  readonly #d32: Int32Array;
  readonly #d64: Float64Array;
  readonly #d8: Uint8Array;
  /** What the last `take` read: its kind, and its number or copied bytes. */
  kind = 0;
  num = 0;
  bytes: Uint8Array | null = null;

  constructor(buffer: SharedArrayBuffer, offset: number, capacity: number) {
    this.h = new Int32Array(buffer, offset, 16);
    this.capacity = capacity;
    const base = offset + HEADER_BYTES;
    this.#d32 = new Int32Array(buffer, base, capacity >> 2);
    this.#d64 = new Float64Array(buffer, base, capacity >> 3);
    this.#d8 = new Uint8Array(buffer, base, capacity);
  }

  /** Appends a record if it fits (lock held). */
  put(e: Encoded): number {
    const h = this.h;
    if (h[W.CLOSED]) return CLOSED;
    const max = h[W.MAX_ITEMS]!;
    if (max > 0 && h[W.COUNT]! >= max) return FULL;
    const need = sizeOfRecord(e);
    let used = h[W.USED]!;
    let tail = h[W.TAIL]!;
    if (used === 0) tail = h[W.HEAD] = 0;
    const waste = tail + need > this.capacity ? this.capacity - tail : 0;
    if (used + waste + need > this.capacity) return FULL;
    if (waste > 0) {
      this.#d32[tail >> 2] = WRAP;
      used += waste;
      tail = 0;
    }
    const at = tail >> 2;
    this.#d32[at] = e.kind;
    if (e.bytes === null) {
      this.#d64[(tail >> 3) + 1] = e.num;
    } else {
      this.#d32[at + 1] = e.bytes.byteLength;
      this.#d8.set(e.bytes, tail + 8);
    }
    tail += need;
    h[W.TAIL] = tail === this.capacity ? 0 : tail;
    h[W.USED] = used + need;
    h[W.COUNT]!++;
    h[W.UNFINISHED]!++;
    return OK;
  }

  /** Removes the oldest record into `kind`/`num`/`bytes` (lock held); false if empty. */
  take(): boolean {
    const h = this.h;
    if (h[W.COUNT] === 0) return false;
    let head = h[W.HEAD]!;
    let used = h[W.USED]!;
    if (this.#d32[head >> 2] === WRAP && head !== 0 && used > 0) {
      used -= this.capacity - head;
      head = 0;
    }
    const kind = (this.kind = this.#d32[head >> 2]!);
    let size = 16;
    if (kind === NUMBER) {
      this.num = this.#d64[(head >> 3) + 1]!;
      this.bytes = null;
    } else {
      const len = this.#d32[(head >> 2) + 1]!;
      this.bytes = this.#d8.slice(head + 8, head + 8 + len);
      size = 8 + ((len + 7) & ~7);
    }
    head += size;
    h[W.HEAD] = head === this.capacity ? 0 : head;
    h[W.USED] = used - size;
    h[W.COUNT]!--;
    return true;
  }

  /** The value of the last `take`. */
  decode(): unknown {
    if (this.kind === NUMBER) return this.num;
    if (this.kind === BYTES) return this.bytes;
    return deserialize(this.bytes!);
  }
}
