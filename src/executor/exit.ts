import type { WorkerExit } from './backend.js';
import { ResourceLimitError, WorkerExitedError } from './errors.js';
import type { Slot } from './slot.js';
import { QUEUED, SETTLED, type Task } from './task.js';

/** Most times a task goes back to the queue because workers died before starting it (a worker that never gets going). */
const MAX_BOUNCES = 3;

/**
 * Sorts the unsettled tasks of a worker that is gone, using its started-counter: tasks it
 * never began are re-queued (in send order); a task it was running is re-queued while it has
 * `retries` left, and otherwise fails with `WorkerExitedError` (`ResourceLimitError` when the
 * worker ran out of memory). Resets the re-queued tasks to `QUEUED` and empties `inflight`.
 * Internal.
 */
export function triageExit(slot: Slot, info: WorkerExit): { requeue: Task[]; failed: [Task, Error][] } {
  const started = Atomics.load(slot.started, 0);
  const requeue: Task[] = [];
  const failed: [Task, Error][] = [];
  for (const task of slot.inflight.values()) {
    if (task.state === SETTLED) continue;
    if (task.timer) clearTimeout(task.timer);
    task.timer = undefined;
    task.state = QUEUED;
    task.slot = null;
    // A worker that never started is the pool's to count (it breaks after a few in a row);
    // one that started but ran nothing may have died of the task itself: bounce a few times, then fail.
    if (task.seq > started && (started > 0 || !slot.ready || ++task.bounces <= MAX_BOUNCES)) requeue.push(task);
    else if (task.seq <= started && task.retriesLeft > 0) {
      task.retriesLeft--;
      requeue.push(task);
    } else {
      failed.push([task, info.outOfMemory ? new ResourceLimitError(task.name, info.error) : new WorkerExitedError(task.name, info.code, info.signal, info.error)]);
    }
  }
  slot.inflight.clear();
  return { requeue, failed };
}
