import type { ThreadPool } from '../backends/thread.js';
import type { ModuleLocation, TaskArgs, TaskName, TaskResult, UntypedModule } from '../executor/types.js';
import { resolveTaskModule } from '../executor/module.js';

const pools = new Map<string, Promise<ThreadPool>>();

/**
 * Runs an exported function of `module` on a worker thread and awaits its result — asyncio's
 * `to_thread`, for CPU-bound work that would otherwise block the event loop. (Node cannot
 * send a function to a thread, so the function is named by module and export.)
 *
 * Calls share one default `ThreadPool` per module, created on first use with up to one worker
 * per core; idle workers stop after a second and an idle pool never keeps the process alive,
 * so it closes with the program. {@link shutdownDefaultExecutor} closes them explicitly.
 *
 * @example
 * const digest = await toThread<typeof import('./hash.js')>(new URL('./hash.js', import.meta.url), 'sha256', data);
 */
export async function toThread<M = UntypedModule, K extends TaskName<M> = TaskName<M>>(
  module: ModuleLocation,
  name: K,
  ...args: TaskArgs<M, K>
): Promise<TaskResult<M, K>> {
  const { url } = resolveTaskModule(module);
  let pool = pools.get(url);
  if (!pool) {
    pool = import('../backends/thread.js').then(({ ThreadPool }) => new ThreadPool(url, { minSize: 0, idleTimeout: 1000 }));
    pools.set(url, pool);
  }
  return ((await pool) as unknown as ThreadPool<M>).run(name, ...args);
}

/** Closes the default pools behind {@link toThread}, after their running calls finish (asyncio's `shutdown_default_executor`). */
export async function shutdownDefaultExecutor(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map(async (p) => (await p).close()));
}
