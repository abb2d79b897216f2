/**
 * How a weft child process is started: its Node flags (tsx, memory limit, permission model),
 * its environment and working directory. Shared by `ProcessPool` and `Process`.
 */
import type { ForkOptions } from 'node:child_process';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '../errors.js';
import { weftRootOf, workerEntry, type WorkerEntryOptions } from './entry.js';
import { currentNode, inheritedFlags, permissionFlag, type NodeFlagFacts } from './flags.js';

/**
 * Node's permission model for untrusted tasks (`--permission`; `--experimental-permission` on
 * Node 20, picked from the flags this Node accepts). It guards against mistakes, not malice: Node's own
 * documentation says the model is no security boundary against malicious code. The child
 * may always read weft's own files, the task module and, for TypeScript, tsx; everything else
 * it touches must be listed. A denied call throws `ERR_ACCESS_DENIED` inside the task.
 *
 * Loading TypeScript through tsx needs a loader thread, esbuild's helper process and read access
 * to the working directory, so a sandbox for `.ts` tasks (or for weft run from its `.ts`
 * sources) also allows those: ship compiled `.js` task modules and weft's `dist` for the
 * tightest sandbox.
 */
export interface SandboxOptions {
  /** Files or directories (a trailing `*` matches a prefix) the task may read. */
  allowFsRead?: string[];
  /** Files or directories the task may write. */
  allowFsWrite?: string[];
  /** Let the task spawn child processes. Default false. */
  allowChildProcess?: boolean;
  /** Let the task start worker threads. Default false. */
  allowWorker?: boolean;
}

/** Options of every weft child process (`ProcessPool` workers and `Process`). */
export interface ChildOptions {
  /** Environment variables: added to (and overriding) the parent's, or the whole environment with `inheritEnv: false`. */
  env?: NodeJS.ProcessEnv;
  /** Start from the parent's `process.env` (default true); false gives the child only `env`. */
  inheritEnv?: boolean;
  /** Working directory of the child. Default: the parent's. */
  cwd?: string;
  /** Node flags of the child. Default: the parent's, less those only a main script may have. */
  execArgv?: string[];
  /** Old-generation heap limit of each child in MB (`--max-old-space-size`); a task exceeding it fails with `ResourceLimitError`. */
  maxOldSpaceSize?: number;
  /** Run children under Node's permission model with these allowances. */
  sandbox?: SandboxOptions;
  /** Milliseconds a child that ignores SIGTERM gets before SIGKILL. Default 1000. */
  killGrace?: number;
  /** Where weft's worker entry files are, for a program whose bundler moved weft (this pool reads `process`). Default: beside weft's own code. */
  workerEntry?: WorkerEntryOptions;
}

/**
 * Validates child options; throws `InvalidOptionError` naming the bad one. Returns the entry
 * file the children run (`ModuleLoadError` when weft's own is not where it should be).
 */
export function checkChildOptions(o: ChildOptions): URL {
  if (o.maxOldSpaceSize !== undefined && !(Number.isInteger(o.maxOldSpaceSize) && o.maxOldSpaceSize > 0)) {
    throw new InvalidOptionError(`maxOldSpaceSize must be a whole number of megabytes > 0, got ${String(o.maxOldSpaceSize)}`);
  }
  if (o.killGrace !== undefined && !(typeof o.killGrace === 'number' && o.killGrace >= 0 && Number.isFinite(o.killGrace))) {
    throw new InvalidOptionError(`killGrace must be a finite number of milliseconds >= 0, got ${String(o.killGrace)}`);
  }
  if (o.execArgv !== undefined && !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))) {
    throw new InvalidOptionError('execArgv must be an array of strings, e.g. [\'--enable-source-maps\']');
  }
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) throw new InvalidOptionError('env must be an object of strings');
  if (o.sandbox !== undefined && (typeof o.sandbox !== 'object' || o.sandbox === null)) {
    throw new InvalidOptionError('sandbox must be an object like { allowFsRead: [dir] }');
  }
  return workerEntry('process', o.workerEntry);
}

/**
 * `fork` options for a child that runs `entry` (from {@link checkChildOptions}) to load `module`
 * (a file: URL), loading TypeScript through `tsx` (its ESM API URL) when given; `node` says which
 * permission flag this Node takes.
 */
export function forkOptions(o: ChildOptions, entry: URL, module: string, tsx: string | undefined, node: NodeFlagFacts = currentNode()): ForkOptions {
  const env: NodeJS.ProcessEnv = { ...(o.inheritEnv === false ? {} : process.env), ...o.env };
  let flags = o.execArgv ? [...o.execArgv] : inheritedFlags();
  if (tsx) flags = [...withoutTsx(flags), '--import', `data:text/javascript,${encodeURIComponent(`const api = await import(${JSON.stringify(tsx)}); api.register();`)}`];
  if (o.maxOldSpaceSize !== undefined) flags.push(`--max-old-space-size=${o.maxOldSpaceSize}`);
  if (o.sandbox) {
    const s = o.sandbox;
    const read = [weftRootOf(entry), ...(s.allowFsRead ?? [])];
    if (module.startsWith('file:')) read.push(fileURLToPath(module));
    if (tsx) {
      // tsx's folder and its siblings (esbuild), and the working directory (and its case-flipped
      // twin), which tsx probes for case sensitivity.
      const cwd = resolve(o.cwd ?? process.cwd());
      read.push(nodeModulesOf(fileURLToPath(tsx)), cwd, flipCase(cwd));
    }
    flags.push(permissionFlag(node), ...outermost(read).map((p) => `--allow-fs-read=${p}`));
    for (const p of outermost(s.allowFsWrite ?? [])) flags.push(`--allow-fs-write=${p}`);
    if (tsx) {
      // a loader thread and esbuild's service process; no cache writes
      flags.push('--allow-worker', '--allow-child-process');
      env.TSX_DISABLE_CACHE = '1';
    } else {
      if (s.allowWorker) flags.push('--allow-worker');
      if (s.allowChildProcess) flags.push('--allow-child-process');
    }
  }
  return {
    execArgv: flags,
    env,
    cwd: o.cwd,
    serialization: 'advanced',
    // stderr passes through the parent, which keeps its tail to tell "out of memory" from other
    // aborts; fd 3 is Node's IPC channel (the child's lifetime), fd 4 weft's (see process-channel.ts).
    stdio: ['ignore', 'inherit', 'pipe', 'ipc', 'pipe'],
  };
}


/** The parent's `--import tsx` / `--loader tsx` would resolve from the child's cwd: weft adds its own absolute import instead. */
function withoutTsx(flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if ((f === '--import' || f === '--loader' || f === '--experimental-loader') && /(^|[/\\])tsx([/\\]|$)/.test(flags[i + 1] ?? '')) i++;
    else if (/^--(import|loader|experimental-loader)=tsx$/.test(f)) continue;
    else out.push(f);
  }
  return out;
}

/** Absolute paths without duplicates or paths inside another (Node 20's permission tree aborts on overlaps). */
function outermost(paths: string[]): string[] {
  const all = [...new Set(paths.map((p) => resolve(p)))].sort();
  return all.filter((p) => !all.some((q) => q !== p && (p.startsWith(q.endsWith(sep) ? q : q + sep))));
}

function flipCase(path: string): string {
  return [...path].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

function nodeModulesOf(path: string): string {
  let dir = dirname(path);
  while (!dir.endsWith('node_modules') && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** True when a child's stderr tail says V8 ran out of heap. */
export function isOutOfMemory(stderrTail: string): boolean {
  return /heap out of memory|Reached heap limit|Allocation failed/i.test(stderrTail);
}
