/**
 * weft/async: asyncio's counterpart for one event loop. Structured concurrency (`TaskGroup`,
 * `timeout`, `sleep`, `gather`, `race`) and in-loop primitives (`Lock`, `Semaphore`,
 * `BoundedSemaphore`, `Event`, `Condition`, `Barrier`, `Queue`, `PriorityQueue`, `LifoQueue`).
 * Every waiting call takes `{ signal, timeout }`; waiters are served FIFO; a waiter that gives
 * up leaves no trace.
 */
export { Barrier, type BarrierOptions } from './barrier.js';
export { Condition } from './condition.js';
export {
  BrokenBarrierError,
  CancelledError,
  InvalidArgumentError,
  InvalidStateError,
  NotHeldError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TimeoutError,
  TooManyReleasesError,
  WeftError,
} from '../errors.js';
export { TaskGroupError } from './errors.js';
export { Event } from './event.js';
export { gather, race, type GatherOptions, type Results } from './gather.js';
export { Guard } from '../guard.js';
export { Lock } from './lock.js';
export { Queue, type QueueOptions } from './queue.js';
export { LifoQueue, PriorityQueue, type PriorityQueueOptions } from './queues.js';
export { BoundedSemaphore, Semaphore } from './semaphore.js';
export { TaskGroup, taskGroup, type Task, type TaskGroupOptions } from './task-group.js';
export { sleep, timeout, type SignalOptions } from './timeout.js';
export type { WaitOptions } from './waiters.js';
export { toThread, shutdownDefaultExecutor } from './to-thread.js';
