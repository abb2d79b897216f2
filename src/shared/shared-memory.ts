/**
 * Named shared memory (Python's `multiprocessing.shared_memory.SharedMemory`): a block of bytes
 * any process can attach by name, as a `SharedArrayBuffer`. Needs the native addon.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, InvalidStateError, WeftError } from '../errors.js';
import { NoProcessSharedMemoryError } from './arena.js';
import { loadAddon, whyNoAddon, type Addon } from './native.js';

/** Options of {@link SharedMemory}. */
export interface SharedMemoryOptions {
  /** The block's name, shared by every process that attaches it (default: a fresh unique one; required to attach). */
  name?: string;
  /** Bytes: required to create; when attaching, at least this many must be there (default: all of them). */
  size?: number;
  /** Create a new block (true) or attach an existing one (false, the default when `name` is given). */
  create?: boolean;
}

/** No shared memory block has this name (never created, or unlinked). */
export class SharedMemoryNotFoundError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_SHM_NOT_FOUND', message);
  }
}

/** Creating a block whose name is taken. */
export class SharedMemoryExistsError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_SHM_EXISTS', message);
  }
}

/** The block is smaller than the `size` an attach asked for. */
export class SharedMemorySizeError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_SHM_SIZE', message);
  }
}

/** Blocks this process created and has not unlinked: unlinked when it exits, as Python's resource tracker does. */
const owned = new Set<string>();
let exitHook = false;

/**
 * A named block of shared memory. The creator gives it a size (and a name, or gets a fresh one
 * in `name`); any process on the machine attaches it by that name and sees the same bytes
 * through `buffer`. Wrap it in typed arrays, and synchronize with `weft/shared` primitives or
 * `Atomics`. `close()` lets go of this handle; `unlink()` removes the name (the memory stays
 * until every mapping is gone). A block its creator did not unlink is unlinked when the creator
 * exits. Errors: `SharedMemoryNotFoundError` (`ERR_WEFT_SHM_NOT_FOUND`), `SharedMemoryExistsError`
 * (`ERR_WEFT_SHM_EXISTS`), `SharedMemorySizeError` (`ERR_WEFT_SHM_SIZE`), and without the addon
 * `NoProcessSharedMemoryError` (`ERR_WEFT_NO_PROCESS_SHARED_MEMORY`).
 *
 * @example
 * const shm = new SharedMemory({ size: 1024 });                   // in another process:
 * new Uint8Array(shm.buffer)[0] = 42;                              // const b = new SharedMemory({ name });
 * const name = shm.name;                                           // new Uint8Array(b.buffer)[0] === 42
 */
export class SharedMemory {
  /** The name other processes attach with. */
  readonly name: string;
  /** Bytes in the block. */
  readonly size: number;
  #buffer: SharedArrayBuffer | undefined;

  constructor(options: SharedMemoryOptions = {}) {
    const addon = loadAddon();
    if (!addon) throw new NoProcessSharedMemoryError(`SharedMemory needs weft's native addon: ${whyNoAddon()}`);
    const create = options.create ?? options.name === undefined;
    if (!create && options.name === undefined) throw new InvalidArgumentError('attaching a SharedMemory needs the name it was created with');
    const name = options.name ?? `weft-shm-${process.pid}-${randomBytes(6).toString('hex')}`;
    if (typeof name !== 'string' || !/^[^/\0]{1,250}$/.test(name)) {
      throw new InvalidArgumentError(`a SharedMemory name is 1 to 250 characters without '/', got ${JSON.stringify(name)}`);
    }
    const size = options.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0 || (create && size === 0)) {
      throw new InvalidArgumentError(create ? `creating a SharedMemory needs a size: a whole number of bytes > 0, got ${String(options.size)}` : `size must be a whole number of bytes >= 0, got ${String(size)}`);
    }
    this.#buffer = map(addon, name, size, create);
    this.name = name;
    this.size = this.#buffer.byteLength;
    if (create) own(addon, name);
  }

  /** The shared bytes; throws `InvalidStateError` after `close()`. */
  get buffer(): SharedArrayBuffer {
    if (!this.#buffer) throw new InvalidStateError(`SharedMemory ${this.name} is closed: attach it again to use it`);
    return this.#buffer;
  }

  /** Lets go of this handle (the mapping is released once nothing references the buffer). Idempotent. */
  close(): void {
    this.#buffer = undefined;
  }

  /** Removes the name: no process can attach it any more; those attached keep their memory. Idempotent. */
  unlink(): void {
    owned.delete(this.name);
    loadAddon()?.unlink(`/${this.name}`);
  }

  /** `using shm = new SharedMemory(...)` closes it at scope exit. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function map(addon: Addon, name: string, size: number, create: boolean): SharedArrayBuffer {
  try {
    return addon.map(`/${name}`, size, create);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new SharedMemoryNotFoundError(`no shared memory block is named ${JSON.stringify(name)}: it was never created, or was unlinked (its creator may have exited)`);
    if (code === 'EEXIST') throw new SharedMemoryExistsError(`a shared memory block named ${JSON.stringify(name)} exists already: attach it with { name } (create: false), or pick another name`);
    if (code === 'ESIZE') throw new SharedMemorySizeError(`${(error as Error).message}: ask for at most its size, or leave size out`);
    throw error;
  }
}

function own(addon: Addon, name: string): void {
  owned.add(name);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const n of owned) addon.unlink(`/${n}`);
  });
}
