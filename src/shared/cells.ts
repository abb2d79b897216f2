/**
 * Typed cells in shared memory: the engine of `SharedValue`, `SharedArray` and
 * `SharedStruct`. Internal: not exported from `weft/shared`, except the type names.
 *
 * Integer types use `Atomics` directly. Float types have no atomic instructions, so their
 * operations take the object's lock word unless the object was made with `{ lock: false }`.
 * A `'char'` cell is one byte (a `Uint8Array` element, so atomic) read as a one-character
 * string and written as such a string or as its code; it has no arithmetic.
 */
import { InvalidArgumentError } from '../errors.js';
import { lockSync, unlock } from './mutex.js';

/** The numeric element types: what a shared value, array or struct field can hold (a value or an array can also hold `'char'`). */
export type NumericType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'bigint64' | 'biguint64';

/**
 * Element types of a `SharedValue` or `SharedArray`: the numeric types, and `'char'`, one byte
 * read as a one-character string (Python's type code `'c'`, whose values are `bytes` of length 1).
 */
export type ElementType = NumericType | 'char';

/** The typed array over elements of `T`: the raw view of a `SharedValue` or `SharedArray` (a `'char'` is its byte code). */
export type TypedArrayOf<T extends ElementType> = {
  int8: Int8Array; uint8: Uint8Array; int16: Int16Array; uint16: Uint16Array; int32: Int32Array; uint32: Uint32Array;
  float32: Float32Array; float64: Float64Array; bigint64: BigInt64Array; biguint64: BigUint64Array; char: Uint8Array;
}[T];

/** The JavaScript type an element reads as: `bigint` for the 64-bit integer types, a 1-character string for `'char'`, else `number`. */
export type ValueOf<T extends ElementType> = T extends 'bigint64' | 'biguint64' ? bigint : T extends 'char' ? string : number;

/** What an element accepts when written: its `ValueOf`, and for `'char'` also the byte code, an integer 0..255. */
export type InputOf<T extends ElementType> = T extends 'char' ? string | number : ValueOf<T>;

/** What `add`/`sub` take: a `'char'` has no arithmetic, so `never` for it. */
export type DeltaOf<T extends ElementType> = T extends 'char' ? never : ValueOf<T>;

/** An element as `Cells` reads and writes it, whatever its type. */
export type Scalar = number | bigint | string;

type Ctor = { new (b: SharedArrayBuffer, offset: number, length: number): ArrayLike<number | bigint>; BYTES_PER_ELEMENT: number };

const CTORS: Record<ElementType, Ctor> = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  float32: Float32Array, float64: Float64Array, bigint64: BigInt64Array, biguint64: BigUint64Array, char: Uint8Array,
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
  return CTORS[type as ElementType].BYTES_PER_ELEMENT;
}

/** Writes the header of fresh memory. */
export function initHeader(buffer: SharedArrayBuffer, offset: number, lock: boolean): void {
  if (!lock) Atomics.store(new Int32Array(buffer, offset, 2), 1, FLAG_NOLOCK);
}

/**
 * The byte code a `'char'` element stores for `v`: a 1-character string of code < 256, or an
 * integer 0..255. Anything else throws `InvalidArgumentError`.
 */
export function charCode(v: unknown): number {
  if (typeof v === 'string' && v.length === 1 && v.charCodeAt(0) < 256) return v.charCodeAt(0);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256) return v;
  const got = typeof v === 'string'
    ? (v.length === 1 ? `${JSON.stringify(v)} (code ${v.charCodeAt(0)})` : `a string of length ${v.length}`)
    : typeof v === 'number' ? `the number ${v}` : v === null ? 'null' : `a value of type ${typeof v}`;
  throw new InvalidArgumentError(`a 'char' element is one byte: a 1-character string with a code below 256 (e.g. 'x', '\\xff') or an integer 0..255; got ${got}`);
}

/** Cells of one type at `byteOffset` of `buffer`, guarded (for floats) by the header at `headerOffset`. */
export class Cells {
  readonly length: number;
  readonly #v: Int32Array; // really any integer or float array; Atomics only touch it when atomic
  readonly #atomic: boolean;
  readonly #char: boolean;
  readonly #lock: Int32Array | undefined;

  constructor(type: ElementType, buffer: SharedArrayBuffer, headerOffset: number, byteOffset: number, length: number) {
    this.length = length;
    this.#v = new CTORS[type](buffer, byteOffset, length) as unknown as Int32Array;
    this.#atomic = !type.startsWith('float');
    this.#char = type === 'char';
    const header = new Int32Array(buffer, headerOffset, 2);
    this.#lock = this.#atomic || (Atomics.load(header, 1) & FLAG_NOLOCK) !== 0 ? undefined : header;
  }

  /** The raw typed array (no locking). */
  get view(): ArrayLike<number | bigint> {
    return this.#v;
  }

  get(i: number): Scalar {
    this.#check(i);
    if (this.#atomic) return this.#out(Atomics.load(this.#v, i));
    return this.#locked(() => this.#v[i]!);
  }

  set(i: number, value: Scalar): void {
    this.#check(i);
    const v = this.#in(value);
    if (this.#atomic) Atomics.store(this.#v, i, v);
    else this.#locked(() => (this.#v[i] = v));
  }

  add(i: number, delta: Scalar): Scalar {
    this.#check(i);
    this.#arithmetic('add');
    if (this.#atomic) return Atomics.add(this.#v, i, delta as number);
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = old + (delta as number);
      return old;
    });
  }

  sub(i: number, delta: Scalar): Scalar {
    this.#check(i);
    this.#arithmetic('sub');
    if (this.#atomic) return Atomics.sub(this.#v, i, delta as number);
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = old - (delta as number);
      return old;
    });
  }

  exchange(i: number, value: Scalar): Scalar {
    this.#check(i);
    const v = this.#in(value);
    if (this.#atomic) return this.#out(Atomics.exchange(this.#v, i, v));
    return this.#locked(() => {
      const old = this.#v[i]!;
      this.#v[i] = v;
      return old;
    });
  }

  compareExchange(i: number, expected: Scalar, replacement: Scalar): Scalar {
    this.#check(i);
    const e = this.#in(expected);
    const r = this.#in(replacement);
    if (this.#atomic) return this.#out(Atomics.compareExchange(this.#v, i, e, r));
    return this.#locked(() => {
      const old = this.#v[i]!;
      if (Object.is(old, e) || old === e) this.#v[i] = r;
      return old;
    });
  }

  // A 'char' converts at the edges; every other type passes through (bigints are typed as numbers here).
  #in(v: Scalar): number {
    return this.#char ? charCode(v) : (v as number);
  }

  #out(v: number): Scalar {
    return this.#char ? String.fromCharCode(v) : v;
  }

  #arithmetic(what: string): void {
    if (this.#char) {
      throw new InvalidArgumentError(`${what}() on a 'char' element: a character has no arithmetic (as in Python's Value('c')); use exchange/compareExchange, or a 'uint8' element for byte arithmetic`);
    }
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
