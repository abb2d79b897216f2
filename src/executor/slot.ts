import type { WorkerHandle } from './backend.js';
import { DataCloneError } from '../errors.js';
import type { Task } from './task.js';

/** One live worker and the tasks sent to it. Internal. */
export class Slot {
  handle!: WorkerHandle;
  readonly inflight = new Map<number, Task>();
  /** Tasks sent so far, in order (compared with `started` after a crash). */
  seq = 0;
  /** Runs one task with a signal or timeout, alone. */
  exclusive = false;
  /** Told to stop; takes no more tasks. */
  retiring = false;
  /** The worker has loaded its module (its first, empty, message). */
  ready = false;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  readonly exited: Promise<void>;
  markExited!: () => void;

  /** `started[0]` counts the tasks the worker began, written by the worker itself. */
  constructor(readonly started: Int32Array) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  /** Stops the idle countdown (the worker got work, or is going away). */
  clearIdle(): void {
    if (this.idleTimer === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** The error of a task whose arguments cannot be sent to a worker. Internal. */
export function cloneError(task: Task, error: unknown): Error {
  const why = error instanceof Error ? error.message : String(error);
  return new DataCloneError(
    `the arguments of task '${task.name}' cannot be sent to a worker (${why}); pass plain data — functions, symbols and class instances with methods do not cross threads or processes`,
    error,
  );
}
