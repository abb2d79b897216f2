/**
 * Process-shared memory for the primitives, as Python's `multiprocessing.heap`: with the
 * native addon, `claim()` (memory.ts) carves each primitive out of a shared memory segment of
 * 1 MiB (a large one gets its own), so the primitive can be posted to a child process, which
 * attaches the segment by name. Segments are unlinked when the thread that made them exits;
 * the segments of creators that died without that chance (SIGKILL) are swept the next time
 * any weft process makes one. Blocks are not reused: memory grows with the primitives created.
 * Internal.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { WeftError } from '../errors.js';
import { InvalidSharedObjectError } from './errors.js';
import { loadAddon, whyNoAddon, type Addon } from './native.js';

const SEGMENT_BYTES = 1 << 20;
/** Claims above this get a segment of their own. */
const OWN_SEGMENT_ABOVE = SEGMENT_BYTES / 4;
/** Every block starts on this boundary (float64 cells need 8). */
const ALIGN = 16;
const PREFIX = 'weft-';

/** A posted reference to a segment, standing in for its `SharedArrayBuffer` on the way to another process. */
export interface SegmentRef {
  readonly __weft: 'Segment';
  readonly name: string;
  readonly size: number;
}

/**
 * A weft primitive was sent to another process, but its memory cannot cross: the native addon
 * is missing (or turned off), or the buffer is not one weft made.
 */
export class NoProcessSharedMemoryError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NO_PROCESS_SHARED_MEMORY', message);
  }
}

const names = new WeakMap<SharedArrayBuffer, string>();
const byName = new Map<string, WeakRef<SharedArrayBuffer>>();
const created: string[] = [];
let current: { buffer: SharedArrayBuffer; used: number } | undefined;
let swept = false;

/** Memory for a primitive in a process-shared segment, or undefined without the addon. */
export function claimShared(bytes: number): { buffer: SharedArrayBuffer; offset: number } | undefined {
  const addon = loadAddon();
  if (!addon) return undefined;
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (size > OWN_SEGMENT_ABOVE) return { buffer: newSegment(addon, size), offset: 0 };
  if (!current || current.used + size > SEGMENT_BYTES) current = { buffer: newSegment(addon, SEGMENT_BYTES), used: 0 };
  const offset = current.used;
  current.used += size;
  return { buffer: current.buffer, offset };
}

/** Buffers this thread received from another thread and asked the addon about. */
const received = new WeakSet<SharedArrayBuffer>();

/**
 * True when `buffer` is a segment other processes can attach, so its waits must use the
 * native futex: one this thread made or attached, or one another thread of this process did
 * and posted here (the addon knows its mappings; the answer is kept per buffer).
 */
export function isProcessShared(buffer: SharedArrayBuffer): boolean {
  return nameOf(buffer) !== undefined;
}

/** The segment name of `buffer`: known here, or asked of the addon once per buffer (one posted from another thread). */
function nameOf(buffer: SharedArrayBuffer): string | undefined {
  const name = names.get(buffer);
  if (name !== undefined || received.has(buffer)) return name;
  const mapped = loadAddon()?.mapped(buffer) ?? null;
  received.add(buffer);
  if (mapped !== null) remember(mapped, buffer);
  return mapped ?? undefined;
}

/**
 * Whether process `pid` could hold a lock in `buffer`: it exists and maps the buffer's segment.
 * A process id the system gave to another program after the holder died (reuse) maps nothing
 * of weft's, so the lock is not left held forever. When the maps cannot be read, it could.
 */
export function mayHold(pid: number, buffer: SharedArrayBuffer): boolean {
  const addon = loadAddon();
  if (!addon?.alive(pid)) return addon === undefined;
  const name = nameOf(buffer);
  if (name === undefined) return true;
  try {
    return readFileSync(`/proc/${pid}/maps`, 'latin1').includes(`/dev/shm${name}`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'; // gone meanwhile; EACCES and others: cannot tell
  }
}

/** What to send instead of `buffer` to another process; throws `NoProcessSharedMemoryError` when it cannot cross. */
export function refOf(buffer: SharedArrayBuffer): SegmentRef {
  const name = nameOf(buffer);
  if (name === undefined) {
    const why = whyNoAddon();
    throw new NoProcessSharedMemoryError(
      why
        ? `a weft/shared primitive cannot be sent to another process here: ${why}. Build the addon (python3, make and g++, then \`node scripts/build-native.mjs\` in weft's folder), or use a ThreadPool`
        : 'this SharedArrayBuffer was not made by weft, so another process cannot attach it: create the primitive with weft/shared, or use a ThreadPool',
    );
  }
  return { __weft: 'Segment', name, size: buffer.byteLength };
}

/** The buffer a posted {@link SegmentRef} stands for, attaching the segment on first use. */
export function attachRef(ref: SegmentRef): SharedArrayBuffer {
  const known = byName.get(ref.name)?.deref();
  if (known) return known;
  const addon = loadAddon();
  if (!addon) throw new NoProcessSharedMemoryError(`a weft/shared primitive arrived from another process, but this one cannot map shared memory: ${whyNoAddon()}`);
  let buffer: SharedArrayBuffer;
  try {
    buffer = addon.map(ref.name, ref.size, false);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InvalidSharedObjectError(
      code === 'ENOENT'
        ? `the shared memory segment ${ref.name} is gone: the process that created the primitive has exited`
        : `could not attach shared memory segment ${ref.name}: ${(error as Error).message}`,
    );
  }
  remember(ref.name, buffer);
  return buffer;
}

function remember(name: string, buffer: SharedArrayBuffer): void {
  names.set(buffer, name);
  byName.set(name, new WeakRef(buffer));
}

function newSegment(addon: Addon, size: number): SharedArrayBuffer {
  if (!swept) sweep(addon);
  const name = `/${PREFIX}${process.pid}-${threadId}-${randomBytes(4).toString('hex')}-${created.length}`;
  const buffer = addon.map(name, size, true);
  if (created.length === 0) process.once('exit', () => unlinkCreated(addon));
  created.push(name);
  remember(name, buffer);
  return buffer;
}

function unlinkCreated(addon: Addon): void {
  for (const name of created.splice(0)) addon.unlink(name);
}

/** Unlinks the segments of weft processes that are gone (killed before they could clean up). */
function sweep(addon: Addon): void {
  swept = true;
  let entries: string[];
  try {
    entries = readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = entry.startsWith(PREFIX) ? Number.parseInt(entry.slice(PREFIX.length), 10) : Number.NaN;
    if (Number.isInteger(pid) && pid > 0 && !addon.alive(pid)) addon.unlink(`/${entry}`);
  }
}
