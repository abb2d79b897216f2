/**
 * weft's native addon (native/shm.cc), loaded once per thread if it is there: POSIX shared
 * memory mapped as a `SharedArrayBuffer`, and a futex whose wake-ups cross processes. Without
 * it (no compiler at build time, another platform or Node ABI, or `WEFT_NO_ADDON=1`) weft's
 * primitives keep their thread-only memory and `whyNoAddon()` says why. Internal.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The addon's functions. Timeouts are milliseconds; a negative or infinite one waits forever. */
export interface Addon {
  /** A `SharedArrayBuffer` over the shared memory object `name`: a new one of `size` bytes, or the whole of an existing one holding at least `size`. */
  map(name: string, size: number, create: boolean): SharedArrayBuffer;
  /** Removes the name (mappings stay valid); false if there was none. */
  unlink(name: string): boolean;
  /** Blocks while `i32[index] === expected`: 0 woken (re-check), 1 not equal, 2 timed out. */
  wait(i32: Int32Array, index: number, expected: number, timeout: number): 0 | 1 | 2;
  /** Wakes up to `count` waiters on `i32[index]`, in any process; returns how many. */
  wake(i32: Int32Array, index: number, count: number): number;
  /** `wait` on a native thread; `callback(result)` runs on this thread's loop, kept alive meanwhile unless `keepAlive` is false. Returns an id for `abandon`. */
  waitAsync(i32: Int32Array, index: number, expected: number, timeout: number, callback: (result: 0 | 1 | 2) => void, keepAlive?: boolean): number;
  /** Gives up an async wait: its callback will not run. */
  abandon(id: number): void;
  /** The name of the shared memory object `buffer` maps, when one of this process's threads mapped it; else null. */
  mapped(buffer: SharedArrayBuffer): string | null;
  /** Whether a process with this id exists. */
  alive(pid: number): boolean;
}

const FILE = `weft_shm-${process.platform}-${process.arch}-abi${process.versions.modules}.node`;

let addon: Addon | null | undefined;
let why = '';

/** The addon, or undefined when it cannot be used here (see `whyNoAddon`). */
export function loadAddon(): Addon | undefined {
  if (addon === undefined) addon = tryLoad();
  return addon ?? undefined;
}

/** Why the addon is not in use (empty when it is). */
export function whyNoAddon(): string {
  loadAddon();
  return why;
}

function tryLoad(): Addon | null {
  if (process.env.WEFT_NO_ADDON === '1') {
    why = 'WEFT_NO_ADDON=1 turned it off';
    return null;
  }
  // dist/shared → dist/native; src/shared (run from source) → the repository's dist/native or node-gyp's native/build/.
  const candidates = [`../native/${FILE}`, `../../dist/native/${FILE}`, '../../native/build/Release/weft_shm.node'].map((p) => new URL(p, import.meta.url));
  const found = candidates.find((url) => existsSync(url));
  if (!found) {
    why = `no native addon built for ${process.platform}-${process.arch} and Node ABI ${process.versions.modules} (${FILE})`;
    return null;
  }
  try {
    return createRequire(import.meta.url)(found.pathname) as Addon;
  } catch (error) {
    why = `the native addon did not load: ${(error as Error).message}`;
    return null;
  }
}
