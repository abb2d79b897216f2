import { attach, claim } from './memory.js';
import { Cells, HEADER, USER_LOCK, initHeader, sizeOf, type NumericType, type ValueOf } from './cells.js';
import { checkType, type SharedDataOptions } from './value.js';
import { Lock } from './lock.js';
import { InvalidArgumentError } from '../errors.js';
import { InvalidSharedObjectError } from './errors.js';

/**
 * A fixed-length typed array in shared memory (Python's `multiprocessing.Array`). Element
 * operations are atomic as in `SharedValue` (floats under an internal lock); `view` is the raw
 * typed array for bulk work under `array.lock`. Indexes out of range throw `InvalidArgumentError`.
 *
 * @example
 * const counts = new SharedArray('int32', 8);
 * counts.add(3, 1);                              // in a worker: SharedArray.from(data.counts)
 */
export class SharedArray<T extends NumericType = NumericType> implements Iterable<ValueOf<T>> {
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

  /** Creates an array of `type` with `length` zeros, or a copy of the given numbers. */
  constructor(type: T, lengthOrValues: number | ArrayLike<ValueOf<T>>, options: SharedDataOptions = {}) {
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
      for (let i = 0; i < length; i++) this.#cells.set(i, lengthOrValues[i] as number);
    }
  }

  /** Revives a posted `SharedArray` over the same memory. */
  static from<T extends NumericType = NumericType>(obj: unknown): SharedArray<T> {
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

  /** The raw typed array over the elements (no atomicity; hold `lock` for consistent bulk access). */
  get view(): ArrayLike<ValueOf<T>> {
    return this.#cells.view as ArrayLike<ValueOf<T>>;
  }

  /** Reads element `i`. */
  get(i: number): ValueOf<T> {
    return this.#cells.get(i) as ValueOf<T>;
  }

  /** Writes element `i`. */
  set(i: number, v: ValueOf<T>): void {
    this.#cells.set(i, v as number);
  }

  /** Adds `delta` to element `i` atomically; returns the previous value. */
  add(i: number, delta: ValueOf<T>): ValueOf<T> {
    return this.#cells.add(i, delta as number) as ValueOf<T>;
  }

  /** Subtracts `delta` from element `i` atomically; returns the previous value. */
  sub(i: number, delta: ValueOf<T>): ValueOf<T> {
    return this.#cells.sub(i, delta as number) as ValueOf<T>;
  }

  /** Replaces element `i` atomically; returns the previous value. */
  exchange(i: number, v: ValueOf<T>): ValueOf<T> {
    return this.#cells.exchange(i, v as number) as ValueOf<T>;
  }

  /** Writes `replacement` at `i` if it equals `expected`; returns the previous value. */
  compareExchange(i: number, expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    return this.#cells.compareExchange(i, expected as number, replacement as number) as ValueOf<T>;
  }

  /** A plain-array snapshot, element by element. */
  toArray(): ValueOf<T>[] {
    return Array.from(this);
  }

  *[Symbol.iterator](): Iterator<ValueOf<T>> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}
