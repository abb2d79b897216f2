import { Worker, setEnvironmentData, type ResourceLimits, type SHARE_ENV, type WorkerOptions } from 'node:worker_threads';
/**
 * Worker threads, the whole story: how a worker thread starts (its entry is `thread-entry.ts`),
 * the pool of them (`ThreadPool`), and one task on its own thread (`Thread`).
 */
import { InvalidOptionError } from '../errors.js';
import type { Backend, WorkerEvents, WorkerHandle } from '../executor/backend.js';
import type { PoolOptions } from '../executor/options.js';
import { Pool } from '../executor/pool.js';
import { SingleTaskRunner, type SingleTaskOptions } from '../executor/single.js';
import type { ModuleLocation, TaskArgs, TaskName, TaskResult, Transferable, UntypedModule } from '../executor/types.js';
import { INIT_KEY, isFinalized, type WorkerInit } from '../worker/protocol.js';
import { workerEntry, type WorkerEntryOptions } from './entry.js';
import { inheritedFlags } from './flags.js';
import { LONE_BYTES, LONE_KEY, NameTable, loneResult, sendCall, threadRings } from './lone.js';
import { loadReviver } from './revive.js';

type Serializable = Parameters<typeof setEnvironmentData>[1];

/** Options of a {@link ThreadPool}: the pool's, plus what Node's `Worker` takes. */
export interface ThreadPoolOptions extends PoolOptions {
  /** Per-worker heap and stack limits; a task that exceeds them fails with `ResourceLimitError`. */
  resourceLimits?: ResourceLimits;
  /** `process.env` seen by workers: a copy by default (`SHARE_ENV` from node:worker_threads shares it). */
  env?: NodeJS.ProcessEnv | typeof SHARE_ENV;
  /** `process.argv` additions seen by workers. */
  argv?: unknown[];
  /** Node flags for workers (default: the parent's). */
  execArgv?: string[];
  /** Any cloneable value, readable in the task module as `workerData` from node:worker_threads. */
  workerData?: unknown;
  /** Worker name shown in debuggers. */
  name?: string;
  /** Where weft's worker entry files are, for a program whose bundler moved weft (this pool reads `thread`). Default: beside weft's own code. */
  workerEntry?: WorkerEntryOptions;
}

/** A running worker thread as its backend sees it: a {@link WorkerHandle} plus its thread id. */
export interface ThreadHandle extends WorkerHandle {
  readonly threadId: number;
}

/** Runs each worker as a `worker_threads` Worker. */
export class ThreadBackend implements Backend {
  readonly kind = 'thread';
  readonly sharesMemory = true;
  readonly loadReviver = loadReviver;
  readonly #options: ThreadPoolOptions;
  readonly #entry: URL;

  constructor(options: ThreadPoolOptions) {
    this.#entry = workerEntry('thread', options.workerEntry);
    if (options.resourceLimits !== undefined && (typeof options.resourceLimits !== 'object' || options.resourceLimits === null)) {
      throw new InvalidOptionError('resourceLimits must be an object like { maxOldGenerationSizeMb: 64 }');
    }
    this.#options = options;
  }

  spawn(init: WorkerInit, events: WorkerEvents): ThreadHandle {
    const o = this.#options;
    // The runtime's settings travel as environment data, so `workerData` stays the user's own.
    setEnvironmentData(INIT_KEY, init as unknown as Serializable);
    const lone = new SharedArrayBuffer(LONE_BYTES);
    setEnvironmentData(LONE_KEY, lone);
    const { calls, results } = threadRings(lone);
    const names = new NameTable();
    const options: WorkerOptions = {
      workerData: o.workerData,
      resourceLimits: o.resourceLimits,
      env: o.env,
      argv: o.argv,
      execArgv: o.execArgv ?? inheritedExecArgv(),
      name: o.name ?? 'weft',
      stdout: false,
      stderr: false,
    };
    const worker = startWorker(this.#entry, init.tsx, options, o.execArgv === undefined);
    let error: unknown;
    const batchOf = (message: unknown): unknown[] => (typeof message === 'object' && message !== null ? (message as unknown[]) : loneResult(message, results));
    const onResults = (message: unknown): void => events.results(batchOf(message));
    worker.on('message', onResults);
    worker.on('error', (e) => (error ??= e));
    worker.on('exit', (code) => {
      const outOfMemory = (error as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      events.exit({ code, signal: null, error, outOfMemory });
    });
    return {
      threadId: worker.threadId,
      send: (batch, transfer) => {
        if (transfer !== undefined || !sendCall(batch, names, calls, (m) => worker.postMessage(m))) worker.postMessage(batch, transfer as Transferable[] | undefined);
      },
      cancel: (id) => worker.postMessage({ cancel: id }),
      control: (message) => worker.postMessage(message),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      terminate: () => void worker.terminate(),
      finalize: () => {
        // Only from now on may a message be something other than a result batch: the hot path never checks.
        worker.off('message', onResults).on('message', (message: unknown) => {
          if (isFinalized(message)) events.finalized?.(message.error);
          else events.results(batchOf(message));
        });
        worker.postMessage({ finalize: true });
      },
    };
  }
}

let inherited: string[] | undefined | null = null;

/**
 * The parent's Node flags for workers that were given no `execArgv`: all of them (Node's own
 * inheritance) unless some only make sense for a main script, which are dropped.
 */
export function inheritedExecArgv(): string[] | undefined {
  if (inherited === null) {
    const kept = inheritedFlags();
    inherited = kept.length === process.execArgv.length ? undefined : kept;
  }
  return inherited;
}

/**
 * Starts the worker. An explicit flag list is checked by Node, which rejects per-process flags
 * (such as V8's `--expose-gc`) that plain inheritance would have handled: when the list is our
 * inherited one, drop the flags Node names and try again.
 */
function startWorker(entry: URL, tsx: string | undefined, options: WorkerOptions, inheriting: boolean): Worker {
  const start = (): Worker => (tsx ? new Worker(bootstrap(tsx, entry.href), { ...options, eval: true }) : new Worker(entry, options));
  try {
    return start();
  } catch (error) {
    if (!inheriting || (error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || !inherited) throw error;
    const invalid = new Set(String((error as Error).message).split(':').pop()!.split(',').map((f) => f.trim()));
    inherited = inherited.filter((flag) => !invalid.has(flag));
    options.execArgv = inherited;
    return start();
  }
}

/** Plain workers do not inherit the tsx loader: register it in the worker, then load the entry. */
function bootstrap(tsx: string, entryUrl: string): string {
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entryUrl)}); });`;
}

/**
 * A pool of worker threads (Python's `ThreadPoolExecutor`, but truly parallel: Node has no
 * GIL). The right model for CPU-bound JavaScript. Typed by the task module:
 *
 * @example
 * const pool = new ThreadPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), { size: 4 });
 * const n = await pool.run('fib', 30);
 * await pool.close();
 */
export class ThreadPool<M = UntypedModule> extends Pool<M> {
  constructor(module: ModuleLocation, options: ThreadPoolOptions = {}) {
    super(new ThreadBackend(options), module, options);
  }
}

/** Options of a {@link Thread}: Node's `Worker` options (as for `ThreadPool`), and an AbortSignal. */
export interface ThreadOptions extends Pick<ThreadPoolOptions, 'resourceLimits' | 'env' | 'argv' | 'execArgv' | 'workerData' | 'name' | 'workerEntry'>, SingleTaskOptions {}

/**
 * One exported task function on its own worker thread (Python's `threading.Thread`, but truly
 * parallel, with the return value handed back by `join()`). The thread stops once the task
 * returns (`exitCode` 0); `terminate()` stops it early and `join()` then rejects with `WorkerExitedError`.
 *
 * @example
 * const t = new Thread<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), 'fib', [30]).start();
 * console.log(await t.join()); // 832040
 */
export class Thread<M = UntypedModule, K extends TaskName<M> = TaskName<M>> extends SingleTaskRunner<TaskResult<M, K>> {
  readonly #options: ThreadOptions;
  #threadId: number | undefined;

  constructor(module: ModuleLocation, name: K, args: TaskArgs<M, K>, options: ThreadOptions = {}) {
    super(module, name, args, options);
    this.#options = options;
  }

  /** @internal */
  protected backend(): ThreadBackend {
    return new ThreadBackend(this.#options);
  }

  /** The worker thread's id once started (`threadId` from node:worker_threads inside it). */
  get threadId(): number | undefined {
    return this.#threadId;
  }

  /** @internal */
  protected spawned(handle: WorkerHandle): void {
    this.#threadId = (handle as ThreadHandle).threadId;
    handle.ref();
  }

  /** @internal */
  protected finish(handle: WorkerHandle): void {
    handle.terminate();
  }

  /** @internal */
  protected override stoppedByUs(): boolean {
    return true;
  }
}
