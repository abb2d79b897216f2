/**
 * A compact binary form for JSON-like values, used by `Channel` instead of `v8.serialize` when it
 * applies. Internal: not exported from `weft/shared`.
 *
 * It carries `undefined`, `null`, booleans, numbers (int32 in 4 bytes, anything else, -0 and NaN
 * included, as float64), strings (ASCII as bytes, anything else as UTF-16 code units, so lone
 * surrogates survive), dense arrays and plain objects (`Object.prototype`, own enumerable string
 * keys, in their own order). Anything else (Map, Set, Date, typed arrays, BigInt, class
 * instances, null-prototype objects, sparse arrays or arrays with extra properties, a container
 * reached twice or more than `MAX_DEPTH` deep) makes `encodeCompact` return -1: the caller then
 * uses `v8.serialize`, so each value still arrives as structured clone would deliver it.
 *
 * One byte tags each value; lengths take one byte below 255, else 255 and a uint32.
 */

const UNDEFINED = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const INT = 4;
const FLOAT = 5;
const ASCII = 6;
const UTF16 = 7;
const ARRAY = 8;
const OBJECT = 9;

/** Deepest nesting the compact form carries; deeper values fall back to `v8.serialize`. */
export const MAX_DEPTH = 64;
const SET_AFTER = 16; // containers tracked in a list up to this many, then in a Set
const CACHED_LENGTH = 24; // ASCII strings up to this length are interned through a small cache

// ---- encoder: one growable scratch buffer per thread ------------------------------------------
let out = Buffer.allocUnsafeSlow(4096);
let view = new DataView(out.buffer, out.byteOffset, out.byteLength);
let words = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
let at = 0;
const seen: (object | null)[] = [];
let seenCount = 0;
let seenSet: Set<object> | null = null;
const utf8 = new TextEncoder();

/** The scratch buffer `encodeCompact` wrote into (valid until the next call on this thread). */
export function scratch(): Buffer {
  return out;
}

/** An Int32 view of `scratch()` (its start is 8-aligned), for word-by-word copies. */
export function scratchWords(): Int32Array {
  return words;
}

/**
 * Encodes `value` into the thread's scratch buffer (see `scratch()`), returning the byte length,
 * or -1 when the value is not JSON-like and must go through `v8.serialize`.
 */
export function encodeCompact(value: unknown): number {
  at = 0;
  cleanChecked = false;
  seenCount = 0;
  seenSet = null;
  const ok = put(value, 0);
  for (let i = 0; i < seenCount; i++) seen[i] = null; // hold no references past the call
  seenSet = null;
  return ok ? at : -1;
}

function room(n: number): void {
  if (at + n <= out.length) return;
  let size = out.length * 2;
  while (size < at + n) size *= 2;
  const bigger = Buffer.allocUnsafeSlow(size);
  out.copy(bigger, 0, 0, at);
  out = bigger;
  view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  words = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
}

function length(n: number): void {
  if (n < 255) out[at++] = n;
  else {
    out[at++] = 255;
    view.setUint32(at, n, true);
    at += 4;
  }
}

function put(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'number': {
      if (at + 9 > out.length) room(9);
      const o = out;
      let p = at;
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
        o[p++] = INT;
        o[p++] = v & 255;
        o[p++] = (v >>> 8) & 255;
        o[p++] = (v >>> 16) & 255;
        o[p++] = v >>> 24;
      } else {
        o[p++] = FLOAT;
        view.setFloat64(p, v, true);
        p += 8;
      }
      at = p;
      return true;
    }
    case 'string':
      putString(v);
      return true;
    case 'boolean':
      if (at + 1 > out.length) room(1);
      out[at++] = v ? TRUE : FALSE;
      return true;
    case 'undefined':
      if (at + 1 > out.length) room(1);
      out[at++] = UNDEFINED;
      return true;
    case 'object':
      if (v === null) {
        if (at + 1 > out.length) room(1);
        out[at++] = NULL;
        return true;
      }
      // The root is not tracked: nothing else can refer to it except a cycle, and a cycle brings
      // it back at depth 2, where it is tracked and caught on its next return. Flat values skip tracking.
      if (depth >= MAX_DEPTH || (depth > 0 && !track(v))) return false;
      return Array.isArray(v) ? putArray(v, depth) : putObject(v, depth);
    default:
      return false; // bigint, symbol, function
  }
}

// Records a container; false if it was already seen (a cycle or a shared reference: v8 keeps identity).
function track(v: object): boolean {
  if (seenSet !== null) {
    if (seenSet.has(v)) return false;
    seenSet.add(v);
    return true;
  }
  for (let i = 0; i < seenCount; i++) if (seen[i] === v) return false;
  seen[seenCount++] = v;
  if (seenCount > SET_AFTER) seenSet = new Set(seen.slice(0, seenCount) as object[]);
  return true;
}

function putArray(a: unknown[], depth: number): boolean {
  if (Object.getPrototypeOf(a) !== Array.prototype) return false;
  const n = a.length;
  // Keys list indices in order, then named keys: exactly 0..n-1 means dense with nothing extra.
  const keys = Object.keys(a);
  if (keys.length !== n || (n > 0 && keys[n - 1] !== String(n - 1))) return false;
  room(5);
  out[at++] = ARRAY;
  length(n);
  for (let i = 0; i < n; i++) if (!put(a[i], depth + 1)) return false;
  return true;
}

function putObject(o: object, depth: number): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype || !prototypeClean()) return false;
  if (at + 2 > out.length) room(2);
  out[at++] = OBJECT;
  const countAt = at++;
  let n = 0;
  // for-in over an object whose prototype has nothing enumerable lists its own enumerable
  // string keys in Object.keys order, and V8 turns `o[k]` inside it into direct field loads.
  for (const k in o) {
    putString(k);
    if (!put((o as Record<string, unknown>)[k], depth + 1)) return false;
    n++;
  }
  if (n < 255) out[countAt] = n;
  else {
    room(4);
    out.copyWithin(countAt + 5, countAt + 1, at);
    out[countAt] = 255;
    view.setUint32(countAt + 1, n, true);
    at += 4;
  }
  return true;
}

// Whether Object.prototype has no enumerable property (for-in would list it); checked once per value.
let cleanChecked = false;
let clean = true;
function prototypeClean(): boolean {
  if (cleanChecked) return clean;
  cleanChecked = true;
  clean = true;
  for (const _ in Object.prototype) clean = false; // eslint-disable-line @typescript-eslint/no-unused-vars
  return clean;
}

function putString(s: string): void {
  const n = s.length;
  if (at + 5 + 2 * n > out.length) room(5 + 2 * n);
  const o = out;
  const tagAt = at++;
  length(n);
  let p = at;
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      o[p + i] = c;
    }
    if (i === n) {
      o[tagAt] = ASCII;
      at = p + n;
      return;
    }
    o[tagAt] = UTF16;
    for (i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      o[p++] = c & 255;
      o[p++] = c >>> 8;
    }
    at = p;
    return;
  }
  const r = utf8.encodeInto(s, o.subarray(p, p + n));
  if (r.read === n && r.written === n) {
    o[tagAt] = ASCII;
    at = p + n;
    return;
  }
  o[tagAt] = UTF16;
  at = p + o.write(s, p, 'utf16le');
}

// ---- decoder ------------------------------------------------------------------------------

/** Reads values written by `encodeCompact` out of one memory region (the ring's records). */
export class CompactDecoder {
  readonly #u8: Uint8Array;
  readonly #buf: Buffer;
  readonly #view: DataView;
  #at = 0;
  // Direct-mapped cache of short ASCII strings: object keys come back as the same (internalized) strings.
  readonly #cache: string[] = new Array<string>(512).fill('');
  // Strings of 1 to 4 bytes, found by their packed bytes.
  readonly #short: string[] = new Array<string>(512).fill('');
  readonly #packed = new Int32Array(512);
  // Scratch lists for the keys and values of the object being decoded at each depth.
  readonly #keys: string[][] = [];
  readonly #vals: unknown[][] = [];
  #depth = 0;

  /** Decodes from `buffer` bytes `[offset, offset + length)`. */
  constructor(buffer: ArrayBufferLike, offset: number, length: number) {
    this.#u8 = new Uint8Array(buffer, offset, length);
    this.#buf = Buffer.from(buffer, offset, length);
    this.#view = new DataView(buffer, offset, length);
  }

  /** The value encoded at byte `start` of the region. */
  decode(start: number): unknown {
    this.#at = start;
    return this.#value();
  }

  #length(): number {
    const n = this.#u8[this.#at++]!;
    if (n < 255) return n;
    const v = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }

  #value(): unknown {
    const tag = this.#u8[this.#at++]!;
    switch (tag) {
      case INT: {
        const v = this.#view.getInt32(this.#at, true);
        this.#at += 4;
        return v;
      }
      case FLOAT: {
        const v = this.#view.getFloat64(this.#at, true);
        this.#at += 8;
        return v;
      }
      case ASCII:
      case UTF16:
        return this.#string(tag);
      case OBJECT: {
        const n = this.#length();
        if (n <= MAX_SHAPE_KEYS) return this.#object(n);
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.#string(this.#u8[this.#at++]!);
          const v = this.#value();
          if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
          else o[k] = v;
        }
        return o;
      }
      case ARRAY: {
        const n = this.#length();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.#value();
        return a;
      }
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      default:
        return undefined;
    }
  }

  // Decodes keys and values into per-depth scratch lists, then builds the object with the
  // factory of its key sequence when there is one (see `shapeOf`), else property by property.
  #object(n: number): Record<string, unknown> {
    const depth = this.#depth++;
    const keys = (this.#keys[depth] ??= []);
    const vals = (this.#vals[depth] ??= []);
    let hash = n;
    let plain = true;
    for (let i = 0; i < n; i++) {
      const k = this.#string(this.#u8[this.#at++]!);
      keys[i] = k;
      vals[i] = this.#value();
      hash = (hash * 31 + k.length * 7 + (k.charCodeAt(0) | 0)) | 0;
      if (k === '__proto__') plain = false;
    }
    this.#depth--;
    const make = plain ? shapeOf(keys, n, hash) : null;
    let o: Record<string, unknown>;
    if (make !== null) o = make(vals);
    else {
      o = {};
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        if (k === '__proto__') Object.defineProperty(o, k, { value: vals[i], writable: true, enumerable: true, configurable: true });
        else o[k] = vals[i];
      }
    }
    for (let i = 0; i < n; i++) vals[i] = undefined; // keep no references
    return o;
  }

  #string(tag: number): string {
    const n = this.#length();
    const start = this.#at;
    if (tag === UTF16) {
      this.#at += 2 * n;
      return this.#buf.toString('utf16le', start, start + 2 * n);
    }
    this.#at += n;
    if (n > CACHED_LENGTH) return this.#buf.toString('latin1', start, start + n);
    if (n === 0) return '';
    const u8 = this.#u8;
    if (n <= 4) {
      // Up to 4 bytes: the bytes themselves, packed, are the hash and the check.
      let packed = 0;
      for (let i = 0; i < n; i++) packed = (packed << 8) | u8[start + i]!;
      const slot = (Math.imul(packed, 0x9e3779b1) >>> 24) + 256 * (n & 1); // 512 slots
      const hit = this.#short[slot]!;
      if (this.#packed[slot] === packed && hit.length === n) return hit;
      this.#packed[slot] = packed;
      return (this.#short[slot] = String.fromCharCode.apply(null, Array.from(u8.subarray(start, start + n))));
    }
    // A cheap hash (length, first, middle and last byte); the comparison below settles collisions.
    const slot = (n * 37 + u8[start]! * 11 + u8[start + (n >> 1)]! * 5 + u8[start + n - 1]!) & 511;
    const hit = this.#cache[slot]!;
    if (hit.length === n) {
      let i = 0;
      while (i < n && hit.charCodeAt(i) === u8[start + i]) i++;
      if (i === n) return hit;
    }
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(u8[start + i]!);
    return (this.#cache[slot] = s);
  }
}

// ---- object factories per key sequence ------------------------------------------------------
// An object literal with fixed keys builds an object several times faster than adding the keys one
// by one. A key sequence seen twice in a row in its cache slot gets a compiled factory
// `(v) => ({ "k0": v[0], ... })` (keys written with JSON.stringify, so any key is a safe literal;
// `__proto__` never gets one). Object literals define properties as structured clone does.
const MAX_SHAPE_KEYS = 16;
type Factory = (v: unknown[]) => Record<string, unknown>;
interface Shape {
  keys: string[];
  make: Factory | null;
}
const shapes: (Shape | undefined)[] = new Array<Shape | undefined>(256);
let compileAllowed = true; // false once code generation from strings is refused

function shapeOf(keys: string[], n: number, hash: number): Factory | null {
  const slot = (hash ^ (hash >>> 8)) & 255;
  const shape = shapes[slot];
  if (shape !== undefined && shape.keys.length === n) {
    let i = 0;
    while (i < n && shape.keys[i] === keys[i]) i++;
    if (i === n) return (shape.make ??= compile(shape.keys));
  }
  shapes[slot] = { keys: keys.slice(0, n), make: null };
  return null;
}

function compile(keys: string[]): Factory | null {
  if (!compileAllowed) return null;
  try {
    const body = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
    return new Function('v', `return { ${body} };`) as Factory;
  } catch {
    compileAllowed = false;
    return null;
  }
}
