import type { WorkerHandle } from './backend.js';
import { DataCloneError, WeftError } from '../errors.js';
import { CANCEL_SLOTS } from '../worker/protocol.js';
import { SENT, type Task } from './task.js';

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
  /**
   * Counts down `idleTimeout` once the worker is idle. Armed at most once per idle spell and
   * never cleared when work comes (that would cost a timer per call): when it fires, it looks
   * at `idleSince` and retires the worker, waits out the rest, or does nothing if it is busy.
   */
  idleTimer: NodeJS.Timeout | undefined = undefined;
  /** When the worker last became idle (performance.now()); undefined while it has work. */
  idleSince: number | undefined = undefined;
  /** Stops a worker that does not get going within the pool's `startTimeout`. */
  startTimer: NodeJS.Timeout | undefined = undefined;
  /** Why the worker was stopped before it started, when it was. */
  startFailure: Error | undefined = undefined;
  /** Set while the worker, retired gracefully, runs the pool's finalizer: stops it after `finalizerTimeout`. */
  finalizeTimer: NodeJS.Timeout | undefined = undefined;
  readonly exited: Promise<void>;
  markExited!: () => void;

  /**
   * `started[0]` counts the tasks the worker began, written by the worker itself; `cancels` is
   * the ring through which the pool cancels a task that has not begun (see `CANCEL_SLOTS`).
   */
  constructor(
    readonly started: Int32Array,
    readonly cancels: Int32Array,
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  /** Retired gracefully, the worker is running (or about to run) the pool's finalizer. */
  get finalizing(): boolean {
    return this.finalizeTimer !== undefined;
  }

  /** The worker got work: its idle spell ends (a pending countdown sees that when it fires). */
  busy(): void {
    this.idleSince = undefined;
  }

  /** Stops the idle countdown: the worker is going away. */
  clearIdle(): void {
    this.idleSince = undefined;
    if (this.idleTimer === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** The error of a task whose arguments cannot be sent to a worker (weft's own errors, which say why, pass as they are). Internal. */
export function cloneError(task: Task, error: unknown): Error {
  if (error instanceof WeftError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new DataCloneError(
    `the arguments of task '${task.name}' cannot be sent to a worker (${why}); pass plain data — functions, symbols and class instances with methods do not cross threads or processes`,
    error,
  );
}

/**
 * True once the task's worker has begun it: from the worker's started-counter, exact when the
 * worker shares this process's memory. A child process reports its count only with results, so
 * there the oldest call a ready child holds counts as begun too: the child works through its
 * calls in order. Internal.
 */
export function hasBegun(task: Task, sharesMemory: boolean): boolean {
  if (task.state !== SENT) return false;
  const slot = task.slot as Slot;
  if (task.exclusive) return slot.ready;
  if (Atomics.load(slot.started, 0) >= task.seq) return true;
  return !sharesMemory && slot.ready && slot.inflight.keys().next().value === task.id;
}

/**
 * Stops a task sent ahead to a busy worker from beginning; false when it already began. With
 * shared memory this is exact: the pool marks the task in the worker's `cancels` ring, then
 * reads its started-counter; the worker counts a task, then claims its mark (Dekker's pattern:
 * one of the two sees the other). A child process learns of it by message, which it reads
 * between tasks once it has worked 10 ms in a row; a task it begins before then still runs, its
 * result discarded. Internal.
 */
export function unstart(task: Task, sharesMemory: boolean): boolean {
  const slot = task.slot as Slot;
  const n = task.seq;
  if (!sharesMemory) {
    if (hasBegun(task, false)) return false;
    slot.handle.cancel(task.id);
    return true;
  }
  const i = n % CANCEL_SLOTS;
  Atomics.store(slot.cancels, i, n);
  if (Atomics.load(slot.started, 0) < n) return true;
  return Atomics.compareExchange(slot.cancels, i, n, 0) !== n; // -n: the worker claimed the mark and skips it
}

