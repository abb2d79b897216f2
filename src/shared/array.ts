import { attach, claim } from './memory.js';
import { Cells, HEADER, USER_LOCK, charCode, initHeader, sizeOf, type DeltaOf, type ElementType, type InputOf, type NumericType, type TypedArrayOf, type ValueOf } from './cells.js';
import { checkType, type SharedDataOptions } from './value.js';
import { Lock } from './lock.js';
import { InvalidArgumentError } from '../errors.js';
import { InvalidSharedObjectError } from './errors.js';

/**
 * A fixed-length typed array in shared memory (Python's `multiprocessing.Array`). Element
 * operations are atomic as in `SharedValue` (floats under an internal lock); `view` is the raw
 * typed array for bulk work under `array.lock`. Indexes out of range throw `InvalidArgumentError`.
 *
 * A `'char'` array (Python's `Array('c', b'hello')`) holds bytes: its elements behave as a
 * `'char'` `SharedValue` does (1-character strings in and out, codes accepted, no arithmetic), it
 * can be made from a string, and `string` reads and writes it as text up to the first NUL
 * (Python's `.value`); `bytes()` copies every byte (Python's `.raw`), for any element type.
 *
 * @example
 * const counts = new SharedArray('int32', 8);
 * counts.add(3, 1);                              // in a worker: SharedArray.from(data.counts)
 * const name = new SharedArray('char', 16);
 * name.string = 'weft';                          // name.string === 'weft', name.get(0) === 'w'
 */
export class SharedArray<T extends ElementType = NumericType> implements Iterable<ValueOf<T>> {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'SharedArray' as const;
  /** The shared memory holding the header and the elements. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the header in `buffer`. */
  readonly offset: number;
  /** Element type. */
  readonly type: T;
  /** Number of elements. */
  readonly length: number;
  #cells: Cells;
  #lock: Lock | undefined;

  /**
   * Creates an array of `type` with `length` zeros, or a copy of the given values (for
   * `'char'`: a string, such as `'hello'`, bytes such as a `Buffer`, or an array of either).
   */
  constructor(type: T, lengthOrValues: number | ArrayLike<InputOf<T>>, options: SharedDataOptions = {}) {
    const size = sizeOf(type);
    const length = typeof lengthOrValues === 'number' ? lengthOrValues : lengthOrValues.length;
    if (!Number.isInteger(length) || length < 0) throw new InvalidArgumentError(`length must be an integer >= 0, got ${String(length)}`);
    const m = claim(HEADER + length * size);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.type = type;
    this.length = length;
    if (m.fresh) initHeader(m.buffer, m.offset, options.lock ?? true);
    this.#cells = new Cells(type, m.buffer, m.offset, m.offset + HEADER, length);
    if (m.fresh && typeof lengthOrValues !== 'number') {
      for (let i = 0; i < length; i++) this.#cells.set(i, lengthOrValues[i]!);
    }
  }

  /** Revives a posted `SharedArray` over the same memory. */
  static from<T extends ElementType = NumericType>(obj: unknown): SharedArray<T> {
    if (obj instanceof SharedArray) return obj as SharedArray<T>;
    const o = obj as { type?: unknown; length?: unknown } | null;
    const type = checkType(o?.type, 'SharedArray');
    const length = o?.length;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) throw new InvalidSharedObjectError('SharedArray.length must be an integer >= 0');
    return attach('SharedArray', obj, HEADER + length * sizeOf(type), () => new SharedArray(type as T, length));
  }

  /** A `Lock` in the same memory, for updates spanning several elements. */
  get lock(): Lock {
    return (this.#lock ??= Lock.from({ __weft: 'Lock', buffer: this.buffer, offset: this.offset + USER_LOCK }));
  }

  /** The raw typed array over the elements (no atomicity; hold `lock` for consistent bulk access). A `'char'` array's is a `Uint8Array` of codes. */
  get view(): TypedArrayOf<T> {
    return this.#cells.view as unknown as TypedArrayOf<T>;
  }

  /**
   * A `'char'` array as text (Python's `Array('c').value`): its bytes up to the first NUL,
   * decoded as latin1, one character per byte. Assigning writes the string's characters (each
   * code below 256) and a NUL after them if there is room; a string longer than the array throws
   * `InvalidArgumentError`. Byte by byte, not atomic as a whole: hold `lock` for that.
   * On any other element type it throws `InvalidArgumentError`.
   */
  get string(): string {
    const v = this.#charView('string');
    const end = v.indexOf(0);
    return Buffer.from(v.buffer, v.byteOffset, end < 0 ? v.length : end).toString('latin1');
  }

  set string(s: string) {
    const v = this.#charView('string');
    if (typeof s !== 'string') throw new InvalidArgumentError(`SharedArray.string takes a string, got a ${typeof s}`);
    if (s.length > v.length) throw new InvalidArgumentError(`a string of ${s.length} characters does not fit in a 'char' array of length ${v.length}`);
    const codes = Array.from({ length: s.length }, (_, i) => charCode(s[i]));
    for (let i = 0; i < codes.length; i++) Atomics.store(v, i, codes[i]!);
    if (codes.length < v.length) Atomics.store(v, codes.length, 0);
  }

  /** A copy of the elements' bytes as a `Buffer` (Python's `.raw` of a `'char'` array); not atomic as a whole: hold `lock` for a consistent copy. */
  bytes(): Buffer {
    const v = this.#cells.view as unknown as Uint8Array;
    return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }

  /** Reads element `i`. */
  get(i: number): ValueOf<T> {
    return this.#cells.get(i) as ValueOf<T>;
  }

  /** Writes element `i`. */
  set(i: number, v: InputOf<T>): void {
    this.#cells.set(i, v);
  }

  /** Adds `delta` to element `i` atomically; returns the previous value. Not for `'char'` (throws `InvalidArgumentError`). */
  add(i: number, delta: DeltaOf<T>): ValueOf<T> {
    return this.#cells.add(i, delta) as ValueOf<T>;
  }

  /** Subtracts `delta` from element `i` atomically; returns the previous value. Not for `'char'` (throws `InvalidArgumentError`). */
  sub(i: number, delta: DeltaOf<T>): ValueOf<T> {
    return this.#cells.sub(i, delta) as ValueOf<T>;
  }

  /** Replaces element `i` atomically; returns the previous value. */
  exchange(i: number, v: InputOf<T>): ValueOf<T> {
    return this.#cells.exchange(i, v) as ValueOf<T>;
  }

  /** Writes `replacement` at `i` if it equals `expected`; returns the previous value. */
  compareExchange(i: number, expected: InputOf<T>, replacement: InputOf<T>): ValueOf<T> {
    return this.#cells.compareExchange(i, expected, replacement) as ValueOf<T>;
  }

  /** A plain-array snapshot, element by element. */
  toArray(): ValueOf<T>[] {
    return Array.from(this);
  }

  *[Symbol.iterator](): Iterator<ValueOf<T>> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  #charView(what: string): Uint8Array {
    if (this.type !== 'char') throw new InvalidArgumentError(`SharedArray.${what} is for 'char' arrays; this one holds ${this.type}`);
    return this.#cells.view as unknown as Uint8Array;
  }
}
