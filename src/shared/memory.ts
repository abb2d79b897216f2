/**
 * Where a shared primitive's memory comes from. Internal: not exported from `weft/shared`.
 *
 * A primitive's constructor calls `claim(bytes)`: that carves zeroed memory out of a
 * process-shared segment when the native addon is there (`arena.ts`), else allocates a fresh
 * `SharedArrayBuffer` (shared between threads only). `attach(tag, obj, bytes, make)` validates a tagged plain object
 * (what structured clone delivers) and makes the next `claim` reuse its memory instead, so
 * `X.from(obj)` runs the ordinary constructor over existing memory without re-initializing it.
 */
import { claimShared } from './arena.js';
import { InvalidSharedObjectError } from './errors.js';
import { bufferOf } from './portable.js';

/** The memory a primitive lives in: a shared buffer and a byte offset into it. */
export interface Memory {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

let attached: Memory | undefined;

/** Memory for a new primitive: the attached memory if `attach` is running, else fresh zeroed memory. */
export function claim(bytes: number): Memory & { fresh: boolean } {
  const m = attached;
  attached = undefined;
  if (m) return { buffer: m.buffer, offset: m.offset, fresh: false };
  const shared = claimShared(bytes);
  if (shared) return { ...shared, fresh: true };
  return { buffer: new SharedArrayBuffer(bytes), offset: 0, fresh: true };
}

/**
 * Checks that `obj` is a tagged handle over enough shared memory, then builds the instance over
 * it with `make`. `prepare` runs first, outside the attachment, to revive nested primitives.
 */
export function attach<T, A = undefined>(
  tag: string,
  obj: unknown,
  bytes: number,
  make: (args: A) => T,
  prepare?: (o: Record<string, unknown>) => A,
): T {
  const o = check(tag, obj, bytes);
  const args = prepare ? prepare(o) : (undefined as A);
  attached = { buffer: o.buffer as SharedArrayBuffer, offset: o.offset as number };
  try {
    return make(args);
  } finally {
    attached = undefined;
  }
}

function check(tag: string, obj: unknown, bytes: number): Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null) {
    throw new InvalidSharedObjectError(`${tag}.from() needs a ${tag} or the object it became after postMessage, got ${obj === null ? 'null' : typeof obj}`);
  }
  const o = obj as Record<string, unknown>;
  if (o.__weft !== tag) {
    throw new InvalidSharedObjectError(`${tag}.from() got an object tagged ${JSON.stringify(o.__weft)}; pass the ${tag} itself (or its postMessage copy)`);
  }
  const buffer = bufferOf(o.buffer); // a segment reference, when the primitive came from another process
  const { offset } = o;
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new InvalidSharedObjectError(`${tag}.buffer must be a SharedArrayBuffer; was the object JSON-encoded or copied by hand?`);
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + bytes > buffer.byteLength) {
    throw new InvalidSharedObjectError(`${tag} needs ${bytes} bytes at a 4-aligned offset; got offset ${String(offset)} in a buffer of ${buffer.byteLength} bytes`);
  }
  return buffer === o.buffer ? o : { ...o, buffer };
}

/** An Int32 view of the first `count` words of a primitive's memory. */
export function words(m: Memory, count: number): Int32Array {
  return new Int32Array(m.buffer, m.offset, count);
}
