/**
 * Sending primitives to another process. A `SharedArrayBuffer` cannot cross a process, so on
 * the way the process backend swaps each one inside a tagged value for a reference to its
 * shared memory segment (`arena.ts`); the receiving side attaches the segment by name when it
 * revives the primitive (`memory.ts`). Threads need none of this: their buffers are shared as they are.
 */
import { attachRef, refOf, type SegmentRef } from './arena.js';
import { isTagged } from './tag.js';

/**
 * `value` ready for another process: a tagged value (a primitive, or a handle holding some)
 * is copied with its buffers replaced by segment references; anything else is returned as is.
 * Throws `NoProcessSharedMemoryError` when a buffer cannot cross.
 */
export function toPortable(value: unknown): unknown {
  return isTagged(value) ? portableCopy(value as Record<string, unknown>, 0) : value;
}

/** True for what {@link toPortable} put in place of a buffer. */
export function isSegmentRef(value: unknown): value is SegmentRef {
  return typeof value === 'object' && value !== null && (value as { __weft?: unknown }).__weft === 'Segment';
}

/** The buffer a posted reference stands for (or the value itself when it is already a buffer). */
export function bufferOf(value: unknown): unknown {
  return isSegmentRef(value) ? attachRef(value) : value;
}

function portableCopy(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v instanceof SharedArrayBuffer) copy[key] = refOf(v);
    else if (depth < 4 && isTagged(v)) copy[key] = portableCopy(v as Record<string, unknown>, depth + 1);
    else copy[key] = v;
  }
  return copy;
}
