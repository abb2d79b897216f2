/**
 * Turning a value into a ring record before the producer lock is taken. Internal: not exported
 * from `weft/shared`. Numbers go in as they are, plain `Uint8Array`s as bytes, JSON-like values
 * through the compact codec, everything else through `v8.serialize`.
 */
import { serialize } from 'node:v8';
import { encodeCompact, scratch, scratchWords } from './codec.js';
import { Ring, NUMBER, BYTES, COMPACT, V8, recordSize } from './ring.js';
import { InvalidArgumentError } from '../../errors.js';
import { MessageTooLargeError } from '../errors.js';

/** A value ready to be written into the ring. */
export interface Staged {
  /** Record kind (ring.ts). */
  kind: number;
  /** The value, for NUMBER. */
  num: number;
  /** The payload, for the other kinds. */
  bytes: Uint8Array;
  /** Payload length in `bytes`. */
  len: number;
  /** Int32 view of `bytes` when it is the thread's scratch buffer (word copies), else null. */
  words: Int32Array | null;
}

const EMPTY_BYTES = new Uint8Array(0);
// Reused by every synchronous send on this thread: no allocation per value.
const current: Staged = { kind: NUMBER, num: 0, bytes: EMPTY_BYTES, len: 0, words: null };

/**
 * Stages `value` (valid until the next `stage` call on this thread). Throws `InvalidArgumentError`
 * if it cannot be serialized, `MessageTooLargeError` if its record exceeds `capacity`.
 */
export function stage(value: unknown, capacity: number): Staged {
  const s = current;
  if (typeof value === 'number') {
    s.kind = NUMBER;
    s.num = value;
    return s;
  }
  if (value instanceof Uint8Array && value.constructor === Uint8Array) {
    s.kind = BYTES;
    s.bytes = value;
    s.len = value.byteLength;
    s.words = null;
  } else {
    const n = encodeCompact(value);
    if (n >= 0) {
      s.kind = COMPACT;
      s.bytes = scratch();
      s.len = n;
      s.words = scratchWords();
    } else {
      s.kind = V8;
      s.bytes = serializeOrThrow(value);
      s.len = s.bytes.byteLength;
      s.words = null;
    }
  }
  if (recordSize(s.len) > capacity) {
    throw new MessageTooLargeError(`a value of ${recordSize(s.len)} bytes cannot fit in a channel of ${capacity} bytes; raise capacity`);
  }
  return s;
}

/** A private copy of a staged value, for a send that must wait (the scratch buffer gets reused). */
export function detach(s: Staged): Staged {
  if (s.kind === NUMBER) return { ...s, bytes: EMPTY_BYTES, words: null };
  return { ...s, bytes: s.words === null ? s.bytes : s.bytes.slice(0, s.len), words: null };
}

/** Appends a staged value (producer lock held, inside `beginPut`/`endPut`); false if full. */
export function putStaged(r: Ring, s: Staged): boolean {
  return s.kind === NUMBER ? r.putNumber(s.num) : r.putBytes(s.kind, s.bytes, s.len, s.words);
}

function serializeOrThrow(value: unknown): Uint8Array {
  try {
    return serialize(value);
  } catch (err) {
    throw new InvalidArgumentError(
      `a Channel cannot carry this value (${(err as Error).message}); functions, SharedArrayBuffers and weft primitives do not serialize into the ring: post them with postMessage`,
      { cause: err },
    );
  }
}
