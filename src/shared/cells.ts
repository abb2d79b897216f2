/**
 * Typed numeric cells in shared memory: the engine of `SharedValue`, `SharedArray` and
 * `SharedStruct`. Internal: not exported from `weft/shared`, except the type names.
 *
 * Integer types use `Atomics` directly. Float types have no atomic instructions, so their
 * operations take the object's lock word unless the object was made with `{ lock: false }`.
 */
import { InvalidArgumentError } from '../errors.js';
import { lockSync, unlock } from './mutex.js';

/** Element types a shared value, array or struct field can have. */
export type NumericType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'bigint64' | 'biguint64';

/** The typed array over elements of `T`: the raw view of a `SharedValue` or `SharedArray`. */
export type TypedArrayOf<T extends NumericType> = {
  int8: Int8Array; uint8: Uint8Array; int16: Int16Array; uint16: Uint16Array; int32: Int32Array; uint32: Uint32Array;
  float32: Float32Array; float64: Float64Array; bigint64: BigInt64Array; biguint64: BigUint64Array;
}[T];

/** The JavaScript type of an element: `bigint` for the 64-bit integer types, else `number`. */
export type ValueOf<T extends NumericType> = T extends 'bigint64' | 'biguint64' ? bigint : number;

type Ctor = { new (b: SharedArrayBuffer, offset: number, length: number): ArrayLike<number | bigint>; BYTES_PER_ELEMENT: number };

const CTORS: Record<NumericType, Ctor> = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  float32: Float32Array, float64: Float64Array, bigint64: BigInt64Array, biguint64: BigUint64Array,
};

/**
 * Header before the data of every value, array and struct: word 0 guards single float
 * operations, word 1 holds flags, word 2 is the user's `lock` for compound updates (kept apart
 * so that `add()` inside `withLock(value.lock, ...)` cannot deadlock), word 3 pads to 8 bytes.
 */
export const HEADER = 16;
/** Byte offset of the user-visible `Lock` inside the header. */
export const USER_LOCK = 8;
const FLAG_NOLOCK = 1;

/** Size in bytes of one element of `type`; throws `InvalidArgumentError` for an unknown type. */
export function sizeOf(type: unknown): number {
  if (typeof type !== 'string' || !Object.hasOwn(CTORS, type)) {
    throw new InvalidArgumentError(`unknown element type ${JSON.stringify(type)}; use one of ${Object.keys(CTORS).join(', ')}`);
  }
  return CTORS[type as NumericType].BYTES_PER_ELEMENT;
}

/** Writes the header of fresh memory. */
export function initHeader(buffer: SharedArrayBuffer, offset: number, lock: boolean): void {
  if (!lock) Atomics.store(new Int32Array(buffer, offset, 2), 1, FLAG_NOLOCK);
}

/** Cells of one type at `byteOffset` of `buffer`, guarded (for floats) by the header at `headerOffset`. */
export class Cells {
  readonly length: number;
  readonly #v: Int32Array; // really any integer or float array; Atomics only touch it when atomic
  readonly #atomic: boolean;
  readonly #lock: Int32Array | undefined;

  constructor(type: NumericType, buffer: SharedArrayBuffer, headerOffset: number, byteOffset: number, length: number) {
    this.length = length;
    this.#v = new CTORS[type](buffer, byteOffset, length) as unknown as Int32Array;
    this.#atomic = !type.startsWith('float');
    const header = new Int32Array(buffer, headerOffset, 2);
    this.#lock = this.#atomic || (Atomics.load(header, 1) & FLAG_NOLOCK) !== 0 ? undefined : header;
  }

  /** The raw typed array (no locking). */
  get view(): ArrayLike<number | bigint> {
    return this.#v;
  }

  get(i: number): number {
    this.#check(i);
    if (this.#atomic) return Atomics.load(this.#v, i);
    return this.#locked(() => this.#v[i]!);
  }

  set(i: number, value: number): void {
    this.#check(i);
    if (this.#atomic) Atomics.store(this.#v, i, value);
    else this.#locked(() => (this.#v[i] = value));
  }

  add(i: number, delta: number): number {
    this.#check(i);
    if (this.#atomic) return Atomics.add(this.#v, i, delta);
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = old + delta;
      return old;
    });
  }

  sub(i: number, delta: number): number {
    this.#check(i);
    if (this.#atomic) return Atomics.sub(this.#v, i, delta);
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = old - delta;
      return old;
    });
  }

  exchange(i: number, value: number): number {
    this.#check(i);
    if (this.#atomic) return Atomics.exchange(this.#v, i, value);
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = value;
      return old;
    });
  }

  compareExchange(i: number, expected: number, replacement: number): number {
    this.#check(i);
    if (this.#atomic) return Atomics.compareExchange(this.#v, i, expected, replacement);
    return this.#locked(() => {
      const old = this.#v[i]!;
      if (Object.is(old, expected) || old === expected) this.#v[i] = replacement;
      return old;
    });
  }

  #locked<R>(fn: () => R): R {
    const l = this.#lock;
    if (!l) return fn();
    lockSync(l, 0, Infinity);
    try {
      return fn();
    } finally {
      unlock(l, 0);
    }
  }

  #check(i: number): void {
    if (!(i >= 0 && i < this.length && Number.isInteger(i))) {
      throw new InvalidArgumentError(`index ${String(i)} is out of range 0..${this.length - 1}`);
    }
  }
}
