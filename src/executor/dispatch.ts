/**
 * Which queued task goes to which worker. `concurrent.futures` promises that up to `maxSize`
 * tasks run at once, so every idle worker takes one task first; while tasks still wait, the
 * pool grows to `maxSize`; only when every worker is busy and the pool is full are tasks
 * pipelined into busy workers. A task therefore never waits behind another while a worker
 * could run it, and tasks that wait on each other (at a Barrier) always meet. Internal.
 */
import type { ResolvedPoolOptions } from './options.js';
import type { TaskQueue } from './queue.js';
import type { Slot } from './slot.js';
import type { Task } from './task.js';
import type { Workers } from './workers.js';

/** Target worker-side backlog, in microseconds of work, when pipelining small synchronous tasks. */
const PIPELINE_TARGET_MICROS = 2000;
/** Most tasks sent ahead to one worker (below `CANCEL_SLOTS`, so every one of them can be cancelled). */
const MAX_PIPELINE = 512;

/** What dispatch needs from its pool, and what the pool has learned about its tasks. */
export interface Dispatcher {
  readonly queue: TaskQueue;
  readonly workers: Workers;
  readonly options: Pick<ResolvedPoolOptions, 'maxSize' | 'maxTasksPerWorker' | 'concurrentTasksPerWorker'>;
  /** Running estimate of one synchronous call's run time, in µs: starts cautious (little pipelining), learnt from results. */
  micros: number;
  /** Names of the tasks seen to return a promise: they await, so their workers can overlap them. */
  readonly asyncNames: Set<string>;
  send(slot: Slot, tasks: Task[]): void;
  spawn(): void;
}

/** Hands queued tasks to workers, starting workers up to `maxSize` while tasks wait. */
export function dispatch(d: Dispatcher): void {
  const { queue, workers } = d;
  const { maxSize, maxTasksPerWorker: max } = d.options;
  let idle = 0;
  for (const s of workers) if (isIdle(s, max)) idle++;
  const live = workers.live();
  if (queue.length > idle && live < maxSize) {
    const want = Math.min(maxSize - live, queue.length - idle);
    for (let i = 0; i < want; i++) d.spawn();
  }
  for (const slot of workers) {
    if (queue.length === 0) return;
    if (!isIdle(slot, max)) continue;
    const task = queue.shift()!;
    if (task.exclusive) slot.exclusive = true;
    d.send(slot, [task]);
  }
  if (queue.length > 0 && workers.live() >= maxSize) pipeline(d);
}

/** The worker has nothing in flight and may take a task (it is not retiring, nor at `maxTasksPerWorker`). */
function isIdle(slot: Slot, max: number): boolean {
  return slot.inflight.size === 0 && !slot.retiring && slot.seq < max;
}

/**
 * Every worker is busy and the pool is full: send tasks ahead, sharing them out. Synchronous
 * tasks go deep when tiny (to about 2 ms of work per worker) and one at a time when long, so
 * load stays balanced; async tasks go up to `concurrentTasksPerWorker` per worker, whose
 * event loop overlaps their waits. A task with a signal or timeout waits for a worker of its own.
 */
function pipeline(d: Dispatcher): void {
  const { queue } = d;
  const { maxTasksPerWorker: max, concurrentTasksPerWorker } = d.options;
  const head = queue.peek();
  if (!head || head.exclusive) return;
  const sync = Math.max(1, Math.min(MAX_PIPELINE, Math.floor(PIPELINE_TARGET_MICROS / Math.max(1, d.micros))));
  const depth = d.asyncNames.has(head.name) ? Math.min(MAX_PIPELINE, Math.max(sync, concurrentTasksPerWorker)) : sync;
  let eligible = 0;
  for (const s of d.workers) if (!s.retiring && !s.exclusive && s.inflight.size < depth && s.seq < max) eligible++;
  if (eligible === 0) return;
  const share = Math.ceil(queue.length / eligible);
  for (const slot of d.workers) {
    if (queue.length === 0) break;
    if (slot.retiring || slot.exclusive) continue;
    const room = Math.min(depth - slot.inflight.size, share, max - slot.seq);
    if (room <= 0) continue;
    const tasks: Task[] = [];
    while (tasks.length < room) {
      const task = queue.peek();
      if (!task || task.exclusive) break;
      tasks.push(queue.shift()!);
    }
    if (tasks.length > 0) d.send(slot, tasks);
  }
}
