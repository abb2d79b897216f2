import { attach, claim } from './memory.js';
import { Cells, HEADER, USER_LOCK, initHeader, sizeOf, type DeltaOf, type ElementType, type InputOf, type NumericType, type TypedArrayOf, type ValueOf } from './cells.js';
import { Lock } from './lock.js';
import { InvalidSharedObjectError } from './errors.js';

/** Options of `SharedValue`, `SharedArray` and `SharedStruct`. */
export interface SharedDataOptions {
  /**
   * Whether float operations lock (default true). Integers are always atomic; floats have no
   * atomic instructions, so with `lock: false` a float `add` from two threads can lose updates.
   */
  lock?: boolean;
}

/**
 * One typed number in shared memory (Python's `multiprocessing.Value`). Integer types are
 * updated with `Atomics` (`add`, `sub`, `exchange`, `compareExchange` return the previous value,
 * as `Atomics` does); float types do the same operations under an internal lock. For a
 * read-modify-write spanning several calls, hold `value.lock` (`withLock(v.lock, ...)`).
 * Posting and reviving behave as for `Lock`.
 *
 * A `'char'` value (Python's `Value('c', b'x')`) is one byte: it reads as a 1-character string
 * (`'\0'` initially) and takes such a string (code below 256) or the byte code 0..255; anything
 * else throws `InvalidArgumentError`. It has no arithmetic: `add`/`sub` throw
 * `InvalidArgumentError` (use `'uint8'` to count); `exchange`/`compareExchange` work on characters.
 * `view` is the `Uint8Array` of its code.
 *
 * @example
 * const hits = new SharedValue('int32');   // in workers: SharedValue.from(data.hits).add(1)
 * const avg = new SharedValue('float64', 0.5);
 * const flag = new SharedValue('char', 'x'); flag.set('y'); flag.get(); // 'y'
 */
export class SharedValue<T extends ElementType = NumericType> {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'SharedValue' as const;
  /** The shared memory holding the header and the value. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the header in `buffer`. */
  readonly offset: number;
  /** Element type. */
  readonly type: T;
  #cells: Cells;
  #lock: Lock | undefined;

  /** Creates a value of `type`, initially `initial` (default 0, or `'\0'` for `'char'`). */
  constructor(type: T, initial?: InputOf<T>, options: SharedDataOptions = {}) {
    sizeOf(type); // validates
    const m = claim(HEADER + 8);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.type = type;
    if (m.fresh) initHeader(m.buffer, m.offset, options.lock ?? true);
    this.#cells = new Cells(type, m.buffer, m.offset, m.offset + HEADER, 1);
    if (m.fresh && initial !== undefined) this.set(initial);
  }

  /** Revives a posted `SharedValue` over the same memory. */
  static from<T extends ElementType = NumericType>(obj: unknown): SharedValue<T> {
    if (obj instanceof SharedValue) return obj as SharedValue<T>;
    return attach<SharedValue<T>, ElementType>('SharedValue', obj, HEADER + 8, (type) => new SharedValue(type as T), (o) => checkType(o.type, 'SharedValue'));
  }

  /**
   * The raw typed array (length 1) over the value, with no locking (Python's `Value.get_obj()`):
   * plain reads and writes, or `Atomics` on integer types, for code that synchronizes itself.
   */
  get view(): TypedArrayOf<T> {
    return this.#cells.view as unknown as TypedArrayOf<T>;
  }

  /** A `Lock` in the same memory, for compound updates. */
  get lock(): Lock {
    return (this.#lock ??= Lock.from({ __weft: 'Lock', buffer: this.buffer, offset: this.offset + USER_LOCK }));
  }

  /** The current value. */
  get value(): ValueOf<T> {
    return this.#cells.get(0) as ValueOf<T>;
  }

  set value(v: InputOf<T>) {
    this.#cells.set(0, v);
  }

  /** Reads the value. */
  get(): ValueOf<T> {
    return this.#cells.get(0) as ValueOf<T>;
  }

  /** Writes the value. */
  set(v: InputOf<T>): void {
    this.#cells.set(0, v);
  }

  /** Adds `delta` atomically; returns the previous value. Not for `'char'` (throws `InvalidArgumentError`). */
  add(delta: DeltaOf<T>): ValueOf<T> {
    return this.#cells.add(0, delta) as ValueOf<T>;
  }

  /** Subtracts `delta` atomically; returns the previous value. Not for `'char'` (throws `InvalidArgumentError`). */
  sub(delta: DeltaOf<T>): ValueOf<T> {
    return this.#cells.sub(0, delta) as ValueOf<T>;
  }

  /** Replaces the value atomically; returns the previous value. */
  exchange(v: InputOf<T>): ValueOf<T> {
    return this.#cells.exchange(0, v) as ValueOf<T>;
  }

  /** Writes `replacement` if the value equals `expected`; returns the previous value either way. */
  compareExchange(expected: InputOf<T>, replacement: InputOf<T>): ValueOf<T> {
    return this.#cells.compareExchange(0, expected, replacement) as ValueOf<T>;
  }
}

/**
 * A shared value whose operations take no lock (Python's `multiprocessing.RawValue`): integer
 * operations stay atomic, float `add`/`sub`/`exchange` from two threads can lose updates. The
 * same `SharedValue` class, made with `{ lock: false }`.
 *
 * @example
 * const total = RawValue('float64', 0);   // one writer, many readers
 */
export function RawValue<T extends ElementType>(type: T, initial?: InputOf<T>): SharedValue<T> {
  return new SharedValue(type, initial, { lock: false });
}

/** @internal Validates a posted element type. */
export function checkType(type: unknown, what: string): ElementType {
  try {
    sizeOf(type);
  } catch {
    throw new InvalidSharedObjectError(`${what}.type ${JSON.stringify(type)} is not an element type`);
  }
  return type as ElementType;
}
