import { performance } from 'node:perf_hooks';
import { isTagged, shareArgs, type Reviver } from '../shared/tag.js';
import { onMicrotask } from '../thenable.js';
import {
  FLAG_PROGRESS, FLAG_SIGNAL, FLAG_SPREAD, MODE_CALL, MODE_CHUNK, RESULT_STRIDE, STATUS_ASYNC, STATUS_MASK, STATUS_OK, STATUS_SKIPPED, STATUS_YIELD,
  encodeTasks, resultError,
} from '../worker/protocol.js';
import { callRefusal, deliverUpdate, openStream } from './calls.js';
import type { Backend, WorkerExit } from './backend.js';
import { BrokenPoolError, PoolClosedError, PoolTerminatedError, TaskAbortedError, TaskTimeoutError } from './errors.js';
import { dispatch, type Dispatcher } from './dispatch.js';
import { triageExit } from './exit.js';
import { Future } from './future.js';
import { mapTasks, type MapOptions, type MapResults, type SubmitChunk } from './map.js';
import { resolveTaskModule } from './module.js';
import { terminateAfter } from './close.js';
import { checkTimeout, resolvePoolOptions, type CallHooks, type CallOptions, type CloseOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js';
import { TaskQueue } from './queue.js';
import { cloneError, hasBegun, unstart, type Slot } from './slot.js';
import { StatsRecorder, type PoolStats } from './stats.js';
import type { StreamOptions, TaskStream } from './stream.js';
import { QUEUED, SENT, SETTLED, Task } from './task.js';
import type { MapItem, MapTaskName, ModuleLocation, StreamItem, StreamTaskName, TaskArgs, TaskName, TaskResult, Transferable, UntypedModule } from './types.js';
import { Workers, workerInit } from './workers.js';

/** Large batches feed the histograms an evenly spaced sample, not every task. */
const HISTOGRAM_SAMPLES_PER_BATCH = 16;

/**
 * The executor every backend shares (Python's `Executor`): a bounded priority queue, dispatch
 * that batches small tasks and hands single tasks off at once, cancellation, timeouts,
 * crash recovery, `map`, statistics, and graceful or immediate shutdown.
 * Use it through `ThreadPool`, `ProcessPool` or `AsyncPool`.
 *
 * Every accepted task settles exactly once. A task whose worker dies before starting it is
 * re-dispatched; one that was running fails with `WorkerExitedError` (or is retried, see `retries`).
 */
export class Pool<M = UntypedModule> implements AsyncDisposable {
  readonly #opts: ResolvedPoolOptions;
  readonly #workers: Workers;
  readonly #queue = new TaskQueue();
  readonly #stats = new StatsRecorder();
  #nextId = 1;
  /** Accepted tasks not yet settled (queued or sent). */
  #pending = 0;
  #state: 'open' | 'closing' | 'terminated' | 'broken' = 'open';
  #drainScheduled = false;
  /** Time of the first acceptance since the last drain: tasks accepted together share it. */
  #stamp = 0;
  /** Dispatch's view of the pool, with what it learns of the tasks' costs. */
  readonly #dispatcher: Dispatcher;
  /** Set once workers keep failing to start: every call fails with it. */
  #broken: BrokenPoolError | undefined;
  #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #terminating: Promise<void> | undefined;
  readonly #drainBound = (): void => this.#drain();
  /** Rebuilds results that arrive as tagged copies, once the backend's reviver is loaded. */
  #revive: Promise<Reviver> | undefined;

  /** Made by `ThreadPool`, `ProcessPool` and `AsyncPool` over their backend. @internal */
  constructor(backend: Backend, module: ModuleLocation, options: PoolOptions = {}) {
    const opts = (this.#opts = resolvePoolOptions(options));
    const resolved = resolveTaskModule(module);
    this.#workers = new Workers(
      backend,
      workerInit(resolved, opts),
      {
        results: (slot, batch) => this.#onResults(slot, batch),
        exit: (slot, info) => this.#onExit(slot, info),
        respawn: () => {
          this.#spawnToMin();
          this.#drain();
        },
      },
      opts,
    );
    this.#dispatcher = {
      queue: this.#queue,
      workers: this.#workers,
      options: opts,
      micros: 1000,
      asyncNames: new Set(),
      send: (slot, tasks) => this.#send(slot, tasks),
      spawn: () => this.#workers.spawn(),
    };
    // One worker now, the rest once it is up or work waits: a first result never waits for all to boot.
    if (this.#opts.minSize > 0) this.#workers.spawn();
  }

  /** Runs task `name` with `args` in a worker; resolves to its result. */
  run<K extends TaskName<M>>(name: K, ...args: TaskArgs<M, K>): Promise<TaskResult<M, K>> {
    return new Promise((resolve, reject) => {
      this.#accept(name, args, MODE_CALL, resolve as (v: unknown) => void, reject, undefined, true);
    });
  }

  /**
   * Submits a task with per-call options (signal, timeout, transfer, priority, onProgress) and
   * returns a {@link Future}. A task with a signal or timeout gets a worker to itself, so its timeout
   * counts from the moment it starts and cancelling it never disturbs other tasks.
   */
  submit<K extends TaskName<M>>(name: K, args: TaskArgs<M, K>, options: CallOptions = {}): Future<TaskResult<M, K>> {
    let task: Task | undefined;
    const hear = (options as CallHooks).onMicros;
    const promise = new Promise<TaskResult<M, K>>((resolve, reject) => {
      task = hear
        ? this.#accept(name, args, MODE_CALL, (v) => (hear(task!.micros), resolve(v as TaskResult<M, K>)), (e) => (hear(task?.micros ?? 0), reject(e)), options, true)
        : this.#accept(name, args, MODE_CALL, resolve as (v: unknown) => void, reject, options, true);
    });
    const future = new Future(promise, (reason) => (task ? this.#cancel(task, reason) : false), () => (task ? hasBegun(task, this.#workers.backend.sharesMemory) : false));
    if (task) task.future = future as Future<unknown>;
    return future;
  }

  /**
   * Applies task `name` to every item of `input` (sync or async iterable), yielding results in
   * input order (or as they finish with `ordered: false`). Input is pulled lazily with a
   * bounded window, and small items travel in chunks whose size adapts to the task's cost.
   * A failing item throws from the iterator at that item's position; breaking out of the loop
   * stops pulling input. `map(...).chunks()` yields the same results a chunk at a time.
   */
  map<K extends MapTaskName<M>>(name: K, input: Iterable<MapItem<M, K>> | AsyncIterable<MapItem<M, K>>, options: MapOptions = {}): MapResults<TaskResult<M, K>> {
    const submit: SubmitChunk = (items, onDone, transfer) => this.#submitChunk(name, MODE_CHUNK, items, onDone, transfer);
    return mapTasks(submit, input, options, this.#opts.maxSize) as MapResults<TaskResult<M, K>>;
  }

  /** Runs generator task `name` with `args`, yielding its values as the worker makes them: see {@link TaskStream}, and {@link streamWith} for options. */
  stream<K extends StreamTaskName<M>>(name: K, ...args: TaskArgs<M, K>): TaskStream<StreamItem<M, K>> {
    return this.streamWith(name, args);
  }

  /**
   * `stream` with per-call options: those of `submit` (a signal or timeout ends the stream with
   * `TaskAbortedError` or `TaskTimeoutError`; `onProgress`), and `window`. A stream is never retried.
   */
  streamWith<K extends StreamTaskName<M>>(name: K, args: TaskArgs<M, K>, options: StreamOptions = {}): TaskStream<StreamItem<M, K>> {
    const accept = (mode: number, stream: TaskStream<StreamItem<M, K>>): Task | undefined => this.#accept(name, args, mode, stream.resolve, stream.reject, options, true);
    return openStream(options, accept, (task) => this.#cancel(task, undefined), this.#workers.backend.sharesMemory);
  }

  /** `map` for tasks of several arguments: each item is an argument tuple, spread into the call (Python's `Pool.starmap`). */
  starmap<K extends TaskName<M>>(name: K, input: Iterable<TaskArgs<M, K>> | AsyncIterable<TaskArgs<M, K>>, options: MapOptions = {}): MapResults<TaskResult<M, K>> {
    const submit: SubmitChunk = (items, onDone, transfer) => this.#submitChunk(name, MODE_CHUNK | FLAG_SPREAD, items, onDone, transfer);
    return mapTasks(submit, input, options, this.#opts.maxSize) as MapResults<TaskResult<M, K>>;
  }

  /** A snapshot of queue, workers, counters, run/wait-time percentiles (µs) and utilization. */
  stats(): PoolStats {
    const base = { ...this.#workers.describe(), state: this.#state, queued: this.#queue.length, brokenReason: this.#broken?.message };
    return this.#stats.snapshot(base, this.#opts.maxSize);
  }

  /** Workers currently alive. */
  get size(): number {
    return this.#workers.count;
  }

  /**
   * Stops accepting tasks, lets accepted tasks finish, then stops the workers, each after its
   * `finalizer` (Python's `shutdown()`). `cancelPending: true` cancels every call that has not
   * begun (Python's `cancel_futures=True`); running ones finish. With `timeout` (ms), what still
   * runs by then is terminated. Resolves once all workers are gone; the process can then exit by
   * itself. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#terminating) return this.#terminating;
    let timeout: number | undefined;
    try {
      timeout = checkTimeout(options.timeout, 'timeout');
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.cancelPending) {
      const reason = new PoolClosedError('the pool was closed with cancelPending before this call began');
      for (const task of this.#unsettled()) if (task.state === QUEUED || !task.exclusive) this.#cancel(task, reason);
    }
    if (!this.#closing) {
      if (this.#state === 'open') this.#state = 'closing';
      this.#closing = this.#whenIdle().then(() => this.#workers.stopAll(true));
    }
    terminateAfter(this.#closing, timeout, () => this.terminate());
    return this.#closing;
  }

  /**
   * Stops now: rejects every queued and running task with `PoolTerminatedError` and stops the
   * workers (no `finalizer` runs; one running is cut short). Resolves once all workers are gone.
   * Idempotent.
   */
  terminate(): Promise<void> {
    if (this.#terminating) return this.#terminating;
    this.#state = 'terminated';
    for (const task of this.#unsettled()) this.#fail(task, new PoolTerminatedError());
    this.#terminating = this.#workers.stopAll(false);
    return this.#terminating;
  }

  /** `await using pool = new ThreadPool(...)` closes the pool gracefully at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #accept(
    name: string,
    args: unknown[],
    mode: number,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
    options: CallOptions | undefined,
    bounded: boolean,
  ): Task | undefined {
    if ((mode & MODE_CHUNK) === 0) args = shareArgs(args);
    const refusal = this.#refusal(name, options, bounded);
    if (refusal !== undefined) {
      reject(refusal);
      return undefined;
    }
    const signal = options?.signal;
    const timeout = options?.timeout;
    if (signal || timeout !== undefined) mode |= FLAG_SIGNAL;
    if (options?.onProgress) mode |= FLAG_PROGRESS;
    const task = new Task(
      this.#nextId++, name, args, mode, options?.priority ?? 0, this.#drainScheduled ? this.#stamp : (this.#stamp = performance.now()), resolve, reject,
      this.#opts.retries, options?.transfer, signal, timeout,
    );
    if (mode & FLAG_PROGRESS) task.onProgress = options!.onProgress;
    if (signal) {
      task.onAbort = () => this.#cancel(task, signal.reason);
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    if (this.#pending++ === 0) this.#workers.setRef(true);
    this.#queue.push(task);
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      onMicrotask(this.#drainBound);
    }
    return task;
  }

  /** Why a call cannot be accepted now, if it cannot. */
  #refusal(name: string, options: CallOptions | undefined, bounded: boolean): unknown {
    const full = bounded && this.#queue.length >= this.#opts.maxQueue ? this.#opts.maxQueue : undefined;
    return this.#broken ?? callRefusal(name, this.#state, options, full);
  }

  #submitChunk(name: string, mode: number, ...[items, onDone, transfer]: Parameters<SubmitChunk>): () => void {
    let task: Task | undefined; // assigned after #accept returns: it may reject (pool closed) before then
    task = this.#accept(
      name, items as unknown[], mode,
      (value) => onDone(undefined, value, task!.micros),
      (error) => onDone(error, undefined, task?.micros ?? 0),
      transfer ? { transfer } : undefined, false,
    );
    return () => void (task && this.#cancel(task, undefined));
  }

  /** Hands queued tasks to workers: see `dispatch()`. */
  #drain(): void {
    this.#drainScheduled = false;
    if (this.#queue.length === 0 || this.#state === 'terminated' || this.#state === 'broken') return;
    dispatch(this.#dispatcher);
  }

  #send(slot: Slot, tasks: Task[]): void {
    slot.busy();
    const { batch, transfer } = encodeTasks<Transferable>(tasks);
    try {
      slot.handle.send(batch, transfer);
    } catch (error) {
      if (tasks.length === 1) {
        slot.exclusive = false;
        this.#fail(tasks[0]!, cloneError(tasks[0]!, error));
        return;
      }
      // Find the culprits: send each task on its own.
      for (const t of tasks) this.#send(slot, [t]);
      return;
    }
    const now = performance.now();
    const every = Math.ceil(tasks.length / HISTOGRAM_SAMPLES_PER_BATCH);
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      t.state = SENT;
      t.slot = slot;
      t.seq = ++slot.seq;
      slot.inflight.set(t.id, t);
      if (i % every === 0) this.#stats.recordWait(t.queuedAt, now);
      if (slot.ready) this.#begin(t);
    }
  }

  /**
   * The task's worker is up (its module loaded, its initializer done): from here the task runs,
   * so its timeout counts from here. Worker boot, module import and the initializer never count.
   */
  #begin(task: Task): void {
    if (task.timeout !== undefined && task.timer === undefined) task.timer = setTimeout(() => this.#expire(task), task.timeout);
  }

  #onResults(slot: Slot, batch: unknown[]): void {
    if (!slot.ready) {
      this.#workers.markReady(slot);
      for (const task of slot.inflight.values()) this.#begin(task);
      this.#spawnToMin();
    }
    const every = RESULT_STRIDE * Math.ceil(batch.length / RESULT_STRIDE / HISTOGRAM_SAMPLES_PER_BATCH);
    let callMicros = 0;
    let calls = 0;
    let seen: Task[] | undefined;
    for (let i = 0; i < batch.length; i += RESULT_STRIDE) {
      const id = batch[i] as number;
      const task = slot.inflight.get(id);
      if (!task) continue;
      const raw = batch[i + 1] as number;
      if ((raw & STATUS_MASK) >= STATUS_YIELD) {
        if (deliverUpdate(task, raw & STATUS_MASK, batch[i + 2])) (seen ??= []).push(task);
        continue; // a stream's values or a progress value: the task goes on
      }
      slot.inflight.delete(id);
      if (raw === STATUS_SKIPPED) {
        if (task.state !== SETTLED) this.#fail(task, new TaskAbortedError(task.name)); // cancelled before it began: settled already, but for a stream stopped just then
        continue;
      }
      const micros = batch[i + 3] as number;
      task.micros = micros;
      this.#stats.recordRun(micros, i % every === 0);
      if (raw & STATUS_ASYNC) this.#dispatcher.asyncNames.add(task.name);
      else if ((task.mode & MODE_CHUNK) === 0) {
        callMicros += micros;
        calls++;
      }
      if (task.state === SETTLED) continue;
      const status = raw & STATUS_MASK;
      const value = batch[i + 2];
      if (status !== STATUS_OK) this.#fail(task, resultError(status, value, task.name));
      else if (isTagged(value) && this.#workers.backend.loadReviver) this.#fulfilRevived(task, value);
      else this.#fulfil(task, value);
    }
    if (calls > 0) this.#dispatcher.micros = (this.#dispatcher.micros + callMicros / calls) / 2;
    if (seen) for (const t of seen) if (slot.inflight.has(t.id)) slot.handle.control({ seen: t.id });
    if (slot.exclusive && slot.inflight.size === 0) slot.exclusive = false;
    this.#afterProgress(slot);
  }

  #afterProgress(slot: Slot): void {
    if (slot.inflight.size === 0 && slot.seq >= this.#opts.maxTasksPerWorker && !slot.retiring) this.#workers.retireGracefully(slot);
    if (this.#queue.length > 0) this.#drain();
    else if (slot.inflight.size === 0 && !slot.retiring && this.#state === 'open') this.#workers.scheduleIdle(slot);
  }

  #fulfil(task: Task, value: unknown): void {
    this.#settle(task);
    this.#stats.completed++;
    task.resolve(value);
  }

  /** A result that is a shared primitive or a Queue arrives as a tagged copy: rebuild it (loading the reviver on first need). */
  #fulfilRevived(task: Task, value: unknown): void {
    this.#revive ??= this.#workers.backend.loadReviver!();
    this.#revive.then((revive) => revive(value)).then(
      (revived) => this.#fulfil(task, revived),
      (error: unknown) => this.#fail(task, error),
    );
  }

  #fail(task: Task, error: unknown): void {
    this.#settle(task);
    this.#stats.failed++;
    task.reject(error);
  }

  #settle(task: Task): void {
    task.state = SETTLED;
    if (task.timer) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener('abort', task.onAbort);
    if (--this.#pending === 0) {
      this.#workers.setRef(false);
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Cancels a task that has not begun (queued, or sent ahead to a busy worker, which then skips
   * it), or a running task with a signal or timeout (aborted, its worker stopped if it ignores the
   * signal). A running task without one cannot be stopped alone: false, as in Python.
   */
  #cancel(task: Task, reason: unknown): boolean {
    if (task.state === SETTLED) return false;
    const sent = task.state === SENT;
    if (sent && !task.exclusive && !unstart(task, this.#workers.backend.sharesMemory)) return false;
    if (!sent) this.#queue.remove(task);
    this.#settle(task);
    this.#stats.cancelled++;
    task.reject(new TaskAbortedError(task.name, reason));
    if (sent && task.exclusive) this.#workers.stopRunning(task, this.#opts.cancelGrace);
    return true;
  }

  #expire(task: Task): void {
    if (task.state !== SENT) return;
    this.#fail(task, new TaskTimeoutError(task.name, task.timeout!));
    this.#workers.stopRunning(task, this.#opts.cancelGrace);
  }

  #onExit(slot: Slot, info: WorkerExit): void {
    this.#workers.remove(slot);
    const broken = this.#state === 'open' || this.#state === 'closing' ? this.#workers.countStartFailure(slot, info) : undefined;
    const { requeue, failed } = triageExit(slot, slot.startFailure ? { ...info, error: slot.startFailure } : info);
    for (const [task, error] of failed) this.#fail(task, error);
    for (let i = requeue.length - 1; i >= 0; i--) this.#queue.unshift(requeue[i]!);
    slot.markExited();
    if (broken) this.#break(broken);
    if (this.#state === 'terminated' || this.#state === 'broken') return;
    if (this.#state === 'open') this.#spawnToMin();
    if (this.#queue.length > 0) this.#drain();
  }

  /** Workers keep failing to start: fail every pending and future call with `error`, and stop the rest. */
  #break(error: BrokenPoolError): void {
    this.#broken = error;
    this.#state = 'broken';
    for (const task of this.#unsettled()) this.#fail(task, error);
    void this.#workers.stopAll(false);
  }

  /** Takes every queued task out of the queue, with every sent task not yet settled. */
  #unsettled(): Task[] {
    const tasks = this.#queue.drain();
    for (const slot of this.#workers) for (const task of slot.inflight.values()) if (task.state !== SETTLED) tasks.push(task);
    return tasks;
  }

  #spawnToMin(): void {
    for (let i = this.#workers.live(); i < this.#opts.minSize && this.#state === 'open'; i++) this.#workers.spawn();
  }

  #whenIdle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
