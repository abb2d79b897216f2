import { attach, claim } from './memory.js';
import { Cells, HEADER, USER_LOCK, initHeader, type NumericType, type ValueOf } from './cells.js';
import { checkType, type SharedDataOptions } from './value.js';
import { Lock } from './lock.js';
import { InvalidArgumentError } from '../errors.js';
import { InvalidSharedObjectError } from './errors.js';

/** Field names and their element types, e.g. `{ hits: 'int32', total: 'float64' }`. */
export type StructSchema = Record<string, NumericType>;

/** The plain-object form of a struct: each field as a number or bigint. */
export type StructValues<S extends StructSchema> = { [K in keyof S]: ValueOf<S[K]> };

/**
 * A record of named typed numbers in shared memory, one 8-byte slot per field. Each field
 * operation is atomic as in `SharedValue`; to update several fields consistently, hold
 * `struct.lock` in every writer (and reader of `snapshot()`).
 *
 * @example
 * const stats = new SharedStruct({ hits: 'int32', total: 'float64' });
 * stats.add('hits', 1); stats.add('total', 2.5);
 * await withLock(stats.lock, () => stats.snapshot()); // { hits: 1, total: 2.5 }
 */
export class SharedStruct<S extends StructSchema = StructSchema> {
  /** Tag that lets `reviveShared` recognise a posted copy. */
  readonly __weft = 'SharedStruct' as const;
  /** The shared memory holding the header and the fields. */
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the header in `buffer`. */
  readonly offset: number;
  /** Field names and types, in layout order. */
  readonly schema: S;
  #cells: Map<keyof S, Cells>;
  #lock: Lock | undefined;

  /** Creates a struct with every field 0, or the values in `initial`. */
  constructor(schema: S, initial?: Partial<StructValues<S>>, options: SharedDataOptions = {}) {
    const names = Object.keys(schema);
    if (names.length === 0) throw new InvalidArgumentError('a SharedStruct needs at least one field');
    for (const n of names) checkType(schema[n], `SharedStruct field ${n}`);
    const m = claim(HEADER + names.length * 8);
    this.buffer = m.buffer;
    this.offset = m.offset;
    this.schema = schema;
    if (m.fresh) initHeader(m.buffer, m.offset, options.lock ?? true);
    this.#cells = new Map(names.map((n, i) => [n, new Cells(schema[n]!, m.buffer, m.offset, m.offset + HEADER + i * 8, 1)]));
    if (m.fresh && initial) for (const [k, v] of Object.entries(initial)) this.set(k, v as ValueOf<S[keyof S]>);
  }

  /** Revives a posted `SharedStruct` over the same memory. */
  static from<S extends StructSchema = StructSchema>(obj: unknown): SharedStruct<S> {
    if (obj instanceof SharedStruct) return obj as SharedStruct<S>;
    const schema = (obj as { schema?: unknown } | null)?.schema;
    if (typeof schema !== 'object' || schema === null) throw new InvalidSharedObjectError('SharedStruct.schema is missing');
    const n = Object.keys(schema).length;
    return attach('SharedStruct', obj, HEADER + n * 8, () => new SharedStruct(schema as S));
  }

  /** A `Lock` in the same memory, for updates spanning several fields. */
  get lock(): Lock {
    return (this.#lock ??= Lock.from({ __weft: 'Lock', buffer: this.buffer, offset: this.offset + USER_LOCK }));
  }

  /** Reads field `k`. */
  get<K extends keyof S>(k: K): ValueOf<S[K]> {
    return this.#field(k).get(0) as ValueOf<S[K]>;
  }

  /** Writes field `k`. */
  set<K extends keyof S>(k: K, v: ValueOf<S[K]>): void {
    this.#field(k).set(0, v as number);
  }

  /** Adds `delta` to field `k` atomically; returns the previous value. */
  add<K extends keyof S>(k: K, delta: ValueOf<S[K]>): ValueOf<S[K]> {
    return this.#field(k).add(0, delta as number) as ValueOf<S[K]>;
  }

  /** Subtracts `delta` from field `k` atomically; returns the previous value. */
  sub<K extends keyof S>(k: K, delta: ValueOf<S[K]>): ValueOf<S[K]> {
    return this.#field(k).sub(0, delta as number) as ValueOf<S[K]>;
  }

  /** Writes `replacement` to field `k` if it equals `expected`; returns the previous value. */
  compareExchange<K extends keyof S>(k: K, expected: ValueOf<S[K]>, replacement: ValueOf<S[K]>): ValueOf<S[K]> {
    return this.#field(k).compareExchange(0, expected as number, replacement as number) as ValueOf<S[K]>;
  }

  /** Every field as a plain object (each field read atomically; hold `lock` for a consistent set). */
  snapshot(): StructValues<S> {
    const out: Record<string, unknown> = {};
    for (const [k, c] of this.#cells) out[k as string] = c.get(0);
    return out as StructValues<S>;
  }

  #field(k: keyof S): Cells {
    const c = this.#cells.get(k);
    if (!c) throw new InvalidArgumentError(`SharedStruct has no field ${String(k)}; fields are ${[...this.#cells.keys()].join(', ')}`);
    return c;
  }
}
