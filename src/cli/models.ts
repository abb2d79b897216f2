/**
 * The concurrency models `weft` compares, behind one small runner interface: `sequential`
 * (one call after another in the main thread, the baseline), `async` (AsyncPool: the event
 * loop), `thread` (ThreadPool), `process` (ProcessPool), and `redis` (RedisPool, on request:
 * redis-model.ts). Every runner is tracked until it stops, so Ctrl-C can stop them all.
 */
import { pathToFileURL } from 'node:url';
import { AsyncPool, ProcessPool, ThreadPool, type Pool, type PoolOptions } from '../index.js';
import { resolveTaskModule } from '../executor/module.js';
import { CliError } from './errors.js';
import { childProcesses, cpuMicrosNow } from './proc.js';
import { redisRunner } from './redis-model.js';
import { poolCalls, type ModelName, type Runner, type RunnerShape } from './runner.js';
import { warmUntilSteady, type WarmupLimits } from './warmup.js';


/** Every model, baseline first. */
export const MODEL_NAMES: readonly ModelName[] = ['sequential', 'async', 'thread', 'process', 'redis'];

/** The models `--models` means when not given: every local one (`redis` needs a server). */
export const DEFAULT_MODELS: readonly ModelName[] = ['async', 'thread', 'process'];

/** How a model is shown to people. */
export const MODEL_LABELS: Record<ModelName, string> = {
  sequential: 'sequential (main thread)',
  async: 'AsyncPool (event loop)',
  thread: 'ThreadPool (worker threads)',
  process: 'ProcessPool (child processes)',
  redis: 'RedisPool (BullMQ on Redis)',
};

export type { ModelName, Runner, RunnerShape } from './runner.js';

type PoolClass = new (module: string, options: PoolOptions) => Pool;

/** The pool class of each pooled model: one constructor and one API, so the model is a one-word change. */
const POOLS: Record<Exclude<ModelName, 'sequential' | 'redis'>, PoolClass> = { async: AsyncPool, thread: ThreadPool, process: ProcessPool };

const live = new Set<Runner>();

function track(runner: Runner): Runner {
  live.add(runner);
  const forget = <T>(p: Promise<T>): Promise<T> => p.finally(() => live.delete(runner));
  return { ...runner, close: () => forget(runner.close()), terminate: () => forget(runner.terminate()) };
}

/** Stops every runner still alive (Ctrl-C, or a failure mid-run); resolves once their workers are gone. */
export async function terminateAll(): Promise<void> {
  await Promise.allSettled([...live].map((r) => r.terminate()));
  live.clear();
}

/**
 * Holds the event loop open until `promise` settles. A pool lets its idle workers go unref'd,
 * so an awaited `close()` could otherwise leave nothing keeping the process alive mid-command.
 */
function keepAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1 << 30);
  return promise.finally(() => clearInterval(timer));
}

/** Workers left idle after a run have nothing to finish: a close that takes longer than this is stuck, and terminates. */
const CLOSE_PATIENCE_MS = 10_000;

async function closeOrTerminate(pool: Pool): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), CLOSE_PATIENCE_MS)));
  try {
    if ((await Promise.race([pool.close(), stuck])) === 'stuck') await pool.terminate();
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a runner of `model` for the task module at `moduleUrl`. */
export function createRunner(model: ModelName, moduleUrl: string, shape: RunnerShape): Runner {
  if (model === 'sequential') return track(sequentialRunner(moduleUrl));
  if (model === 'redis') return track(redisRunner(moduleUrl, shape));
  // Default options, as a user would start: a thread or process worker overlaps the waits of
  // async tasks by itself (up to its default concurrentTasksPerWorker, above `perWorker`).
  const pool = new POOLS[model](moduleUrl, { size: shape.size });
  // A task submitted with a signal gets a worker to itself, so a round of `size` of them
  // occupies every worker.
  const calls = poolCalls(shape, new AbortController().signal);
  return track({
    model,
    run: (name, args, onProgress) => calls.run(pool, name, args, onProgress),
    reportsProgress: calls.reportsProgress,
    warm: async (name, args, limits = {}) => {
      // Pools start their first worker, then the rest once it is ready: the later rounds run
      // when all of them exist, until the per-call time is steady.
      const round = (): Promise<unknown> => calls.round(pool, name, args);
      await round();
      for (const deadline = Date.now() + 60_000; pool.size < shape.size && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (limits) await warmUntilSteady(round, limits, () => cpuMicrosNow(model === 'process' ? childProcesses() : []));
      else await round();
    },
    close: () => keepAlive(closeOrTerminate(pool)),
    terminate: () => keepAlive(pool.terminate()),
  });
}

/** Calls the module's functions in the main thread, one at a time. */
function sequentialRunner(moduleUrl: string): Runner {
  let tail: Promise<unknown> = Promise.resolve();
  let module: Promise<TaskModule> | undefined;
  const run = (name: string, args: unknown[]): Promise<unknown> => {
    const next = tail.then(async () => {
      module ??= loadModule(moduleUrl);
      const fn = (await module)[name];
      if (typeof fn !== 'function') throw new CliError(`the task module has no exported function '${name}'`, 2);
      return fn(...args);
    });
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    model: 'sequential',
    run,
    reportsProgress: () => false,
    warm: async (name, args, limits = {}) => void (limits ? await warmUntilSteady(() => run(name, args), limits) : await run(name, args)),
    close: () => tail.then(() => undefined),
    terminate: async () => {},
  };
}

/** A task module's exports. */
export type TaskModule = Record<string, unknown>;

let tsxRegistered = false;

/**
 * Imports a task module into this thread, loading TypeScript as the pools' workers do: with
 * Node's own type stripping where it is on, through tsx otherwise (registered here unless weft
 * itself already runs under it).
 */
export async function loadModule(moduleUrl: string): Promise<TaskModule> {
  const url = moduleUrl.startsWith('file:') ? moduleUrl : pathToFileURL(moduleUrl).href;
  const { tsx } = resolveTaskModule(url);
  if (tsx !== undefined && !import.meta.url.endsWith('.ts') && !tsxRegistered) {
    const api = (await import(tsx)) as { register: () => unknown };
    api.register();
    tsxRegistered = true;
  }
  return (await import(url)) as TaskModule;
}
