/**
 * Where the files a worker thread or a child process starts with live: weft's own (beside this
 * file; `.ts` when weft runs from its sources), unless a pool's `workerEntry` option names them.
 * A bundler that inlines weft into one file moves `import.meta.url` away from weft's package, so
 * the default entry is looked up, and checked, only when a pool is made.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidOptionError } from '../errors.js';
import { ModuleLoadError } from '../worker/errors.js';

/**
 * The worker entry files of a bundled program: copies of weft's `dist/backends/thread-entry.js`
 * and `dist/backends/process-entry.js` inside an unbundled copy of weft's `dist` folder (each
 * imports its siblings). Give both in one object and pass it to any pool: each pool reads its own.
 */
export interface WorkerEntryOptions {
  /** The file each `ThreadPool` worker and each `Thread` runs: a path (absolute, or from the current directory) or a file URL. */
  thread?: string | URL;
  /** The file each `ProcessPool` child and each `Process` runs: a path (absolute, or from the current directory) or a file URL. */
  process?: string | URL;
}

/** The two kinds of worker weft starts from an entry file. */
export type EntryKind = keyof WorkerEntryOptions;

/**
 * The file URL of the `kind` entry: the one `option` names (an `InvalidOptionError` if it is
 * malformed or missing), else weft's own (a `ModuleLoadError` if it is not where weft expects
 * it, as in a bundle).
 */
export function workerEntry(kind: EntryKind, option: WorkerEntryOptions | undefined): URL {
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new InvalidOptionError(`workerEntry must be an object like { thread: path, process: path }, got ${String(option)}`);
  }
  const given = option?.[kind];
  return given === undefined ? defaultEntry(kind) : checkedEntry(kind, given);
}

/** weft's package folder as seen from an entry file (`<root>/dist/backends/x-entry.js`): what a sandboxed child may read. */
export function weftRootOf(entry: URL): string {
  return resolve(dirname(fileURLToPath(entry)), '..', '..');
}

function checkedEntry(kind: EntryKind, given: unknown): URL {
  let url: URL;
  if (given instanceof URL) url = given;
  else if (typeof given === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(given) && !/^[a-z]:[\\/]/i.test(given)) url = new URL(given);
  else if (typeof given === 'string' && given.length > 0) url = pathToFileURL(isAbsolute(given) ? given : resolve(given));
  else throw new InvalidOptionError(`workerEntry.${kind} must be a path or a file URL, got ${String(given)}`);
  if (url.protocol !== 'file:') throw new InvalidOptionError(`workerEntry.${kind} must be a file, got ${url.href}`);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new InvalidOptionError(`workerEntry.${kind} names a file that does not exist: ${path} (name weft's dist/backends/${kind}-entry.js, inside a copy of weft's whole dist folder)`);
  }
  return url;
}

const defaults = new Map<EntryKind, URL>();

function defaultEntry(kind: EntryKind): URL {
  const known = defaults.get(kind);
  if (known) return known;
  const here = import.meta.url as string | undefined;
  if (typeof here !== 'string' || !here.startsWith('file:')) {
    throw new ModuleLoadError(
      `weft cannot locate its ${kind} worker entry: import.meta.url is ${String(here)} (was weft bundled into CommonJS?); keep weft external to the bundle, or pass workerEntry: { ${kind}: path to weft's dist/backends/${kind}-entry.js }`,
    );
  }
  const url = new URL(`./${kind}-entry${here.endsWith('.ts') ? '.ts' : '.js'}`, here);
  if (!existsSync(fileURLToPath(url))) {
    throw new ModuleLoadError(
      `weft's ${kind} worker entry is not at ${fileURLToPath(url)} (was weft bundled?); keep weft external to the bundle, or pass workerEntry: { ${kind}: path to weft's dist/backends/${kind}-entry.js }`,
    );
  }
  defaults.set(kind, url);
  return url;
}
