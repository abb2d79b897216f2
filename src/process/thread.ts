import type { WorkerHandle } from '../executor/backend.js';
import type { ModuleLocation, TaskArgs, TaskName, TaskResult, UntypedModule } from '../executor/types.js';
import { ThreadBackend, type ThreadHandle, type ThreadPoolOptions } from '../backends/thread.js';
import { Runner, type RunnerOptions } from './runner.js';

/** Options of a {@link Thread}: Node's `Worker` options (as for `ThreadPool`), and an AbortSignal. */
export interface ThreadOptions extends Pick<ThreadPoolOptions, 'resourceLimits' | 'env' | 'argv' | 'execArgv' | 'workerData' | 'name'>, RunnerOptions {}

/**
 * One exported task function on its own worker thread (Python's `threading.Thread`, but truly
 * parallel, with the return value handed back by `join()`). The thread stops once the task
 * returns (`exitCode` 0); `terminate()` stops it early and `join()` then rejects with `WorkerExitedError`.
 *
 * @example
 * const t = new Thread<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), 'fib', [30]).start();
 * console.log(await t.join()); // 832040
 */
export class Thread<M = UntypedModule, K extends TaskName<M> = TaskName<M>> extends Runner<TaskResult<M, K>> {
  readonly #options: ThreadOptions;
  #threadId: number | undefined;

  constructor(module: ModuleLocation, name: K, args: TaskArgs<M, K>, options: ThreadOptions = {}) {
    super(module, name, args, options);
    this.#options = options;
  }

  protected backend(): ThreadBackend {
    return new ThreadBackend(this.#options);
  }

  /** The worker thread's id once started (`threadId` from node:worker_threads inside it). */
  get threadId(): number | undefined {
    return this.#threadId;
  }

  protected spawned(handle: WorkerHandle): void {
    this.#threadId = (handle as ThreadHandle).threadId;
    handle.ref();
  }

  protected finish(handle: WorkerHandle): void {
    handle.terminate();
  }

  protected override stoppedByUs(): boolean {
    return true;
  }
}
