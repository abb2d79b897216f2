import type { WorkerHandle } from '../executor/backend.js';
import type { ModuleLocation, TaskArgs, TaskName, TaskResult, UntypedModule } from '../executor/types.js';
import { ProcessBackend, type ProcessHandle } from '../backends/process.js';
import type { ChildOptions } from './fork.js';
import { Runner, type RunnerOptions } from './runner.js';

/** Options of a {@link Process}: how its child is started, and an AbortSignal. */
export interface ProcessOptions extends ChildOptions, RunnerOptions {}

/**
 * One exported task function in its own child process (Python's `multiprocessing.Process`,
 * with the return value handed back by `join()`). The child exits once the task returns.
 * A crash, `process.exit` or `kill()` rejects `join()` with `WorkerExitedError` (exit code or signal).
 *
 * @example
 * const p = new Process<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), 'fib', [30]).start();
 * console.log(p.pid, await p.join(), p.exitCode); // 12345 832040 0
 */
export class Process<M = UntypedModule, K extends TaskName<M> = TaskName<M>> extends Runner<TaskResult<M, K>> {
  readonly #options: ProcessOptions;
  #handle: ProcessHandle | undefined;

  constructor(module: ModuleLocation, name: K, args: TaskArgs<M, K>, options: ProcessOptions = {}) {
    super(module, name, args, options);
    this.#options = options;
  }

  /** The child's process id once started. */
  get pid(): number | undefined {
    return this.#handle?.pid;
  }

  /** Sends `signal` (default SIGTERM) to the child; `join()` rejects with `WorkerExitedError` if the task had not returned. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    return this.#handle?.child.kill(signal) ?? false;
  }

  protected backend(): ProcessBackend {
    return new ProcessBackend(this.#options);
  }

  protected spawned(handle: WorkerHandle): void {
    this.#handle = handle as ProcessHandle;
    this.#handle.ref();
  }

  protected finish(handle: WorkerHandle): void {
    (handle as ProcessHandle).stop();
  }
}
