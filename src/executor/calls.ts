/** What the pool checks of a call, and hands back of one that runs, apart from the pool's own state. Internal. */
import { QueueFullError } from '../errors.js';
import { UnknownTaskError } from '../worker/errors.js';
import { STATUS_YIELD } from '../worker/protocol.js';
import { PoolClosedError, TaskAbortedError } from './errors.js';
import { checkCallOptions, type CallOptions } from './options.js';
import { hasBegun, type Slot } from './slot.js';
import { TaskStream, streamMode, streamWindow, type StreamOptions } from './stream.js';
import { SENT, SETTLED, type Task } from './task.js';

/**
 * Why a pool in `state` cannot accept a call, if it cannot: it is not open, the name is not a
 * string, the queue is full (`full`: the `maxQueue` it hit), invalid options, an aborted signal.
 */
export function callRefusal(name: unknown, state: string, options: CallOptions | undefined, full: number | undefined): unknown {
  if (state !== 'open') {
    return new PoolClosedError(`the pool is ${state === 'closing' ? 'closed' : 'terminated'}: task '${String(name)}' was not accepted; create a new pool to run more tasks`);
  }
  if (typeof name !== 'string') return new UnknownTaskError(`a task name must be a string naming an export of the task module, got ${typeof name}`);
  if (full !== undefined) {
    return new QueueFullError(`the task queue is full (maxQueue: ${full}): await some results before submitting more, raise maxQueue, or use map() which applies backpressure`);
  }
  if (options === undefined) return undefined;
  try {
    checkCallOptions(options);
  } catch (error) {
    return error;
  }
  return options.signal?.aborted ? new TaskAbortedError(name, options.signal.reason) : undefined;
}

/**
 * Hands a record that does not settle its task to the caller: a stream's values to its
 * stream, a progress value to its listener. True for a progress record: the worker waits for
 * the pool's `{ seen }` before it sends the next one.
 */
export function deliverUpdate(task: Task, status: number, value: unknown): boolean {
  if (status === STATUS_YIELD) {
    if (task.state !== SETTLED) task.stream?.push(value as ArrayLike<unknown>);
    return false;
  }
  const listener = task.onProgress;
  if (listener && task.state !== SETTLED) {
    try {
      listener(value);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
  return true;
}

/**
 * Opens the stream of a task that `accept` makes with the stream's wire mode and its settlers
 * (undefined when the pool refuses it: the stream is then rejected already). Stopping it early
 * `cancel`s a task that has not begun (it never runs); a running one is told to stop, and
 * settles once its generator has returned. A stream is never retried: its values were seen.
 */
export function openStream<T>(
  options: StreamOptions,
  accept: (mode: number, stream: TaskStream<T>) => Task | undefined,
  cancel: (task: Task) => boolean,
  sharesMemory: boolean,
): TaskStream<T> {
  const window = streamWindow(options);
  let task: Task | undefined;
  const stream = new TaskStream<T>(typeof window === 'number' ? window : 1, {
    pull: (taken) => {
      if (task?.state === SENT) (task.slot as Slot).handle.control({ pull: task.id, taken });
    },
    stop: () => {
      if (!task || task.state === SETTLED) return;
      if ((task.state === SENT && hasBegun(task, sharesMemory)) || !cancel(task)) (task.slot as Slot).handle.cancel(task.id);
    },
  });
  if (typeof window !== 'number') stream.reject(window);
  else if ((task = accept(streamMode(window), stream))) {
    task.stream = stream;
    task.retriesLeft = 0;
  }
  return stream;
}
