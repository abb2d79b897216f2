import { performance } from 'node:perf_hooks';
import { isThenable, onMicrotask } from '../thenable.js';
import { hasTagged } from '../shared/tag.js';
import { DataCloneError } from '../errors.js';
import { Moved, taskContextStore, type TaskContext } from './context.js';
import { encodeThrow, type EncodedThrow } from './error-codec.js';
import { GeneratorTaskError, InitializerError, ModuleLoadError, NotAFunctionError, NotAGeneratorError, UnknownTaskError } from './errors.js';
import { ProgressReporter } from './progress.js';
import {
  ChunkError, FLAG_PROGRESS, FLAG_SIGNAL, FLAG_SPREAD, FLAG_STREAM, MODE_CHUNK, PACK_MIN, RESULT_STRIDE, STATUS_CHUNK_ERROR, STATUS_ASYNC, STATUS_CLONE_ERROR,
  STATUS_ERROR, STATUS_OK, STATUS_PROGRESS, STATUS_SKIPPED, STATUS_YIELD, TASK_STRIDE, CANCEL_SLOTS, WINDOW_SHIFT, isCancel, isFinalize, isPull, isSeen, taskArgs,
  type FinalizedMessage, type WorkerInit,
} from './protocol.js';
import { WorkerStream, isGenerator, sourceOf } from './stream.js';
import { callChunk, failure } from './chunk.js';

/** How the runtime talks to its pool: a worker thread's port or a child process's IPC channel. */
export interface Transport {
  /** Sends a result batch; `transfer` lists buffers that may be moved rather than copied. */
  post(message: unknown[], transfer?: ArrayBuffer[]): void;
  /** Sends the answer to a finalize request (a control message, not a result batch). */
  postFinalized(message: FinalizedMessage): void;
  onMessage(handler: (message: unknown) => void): void;
}

/**
 * Loads the function that turns tagged copies among a task's arguments (shared-memory
 * primitives, Queues, PipeEnds) back into live objects, in place. Handed in by whoever starts
 * the runtime, and called on the first tagged argument only, so a worker that never meets one
 * never loads src/shared or src/ipc.
 */
export type LoadArgsReviver = () => Promise<(args: unknown[]) => unknown[]>;

type TaskFn = (...args: unknown[]) => unknown;

/** Milliseconds of work after which the runtime lets its event loop run before the next queued task (so a cancel sent meanwhile is read). */
const YIELD_AFTER_MS = 10;

/**
 * Runs tasks inside a worker: loads the task module, then executes batches in order, at most
 * `concurrency` at once, and posts results back in batches. Idle, it waits on its transport (no
 * spinning). Asked to finalize, it runs the pool's finalizer once its tasks are done. The
 * worker side of the wire in `./protocol.ts`; the pool is the other.
 */
export class WorkerRuntime {
  readonly #init: WorkerInit;
  readonly #transport: Transport;
  readonly #started: Int32Array;
  readonly #cancels: Int32Array;
  /** Ids the pool cancelled by message before they began (processes). */
  readonly #skip = new Set<number>();
  readonly #batches: unknown[][] = [];
  #cursor = 0;
  #active = 0;
  #out: unknown[] = [];
  /** Buffers to move with the next flush: packed chunk results and `move()`d results. */
  #transfer: ArrayBuffer[] = [];
  #flushScheduled = false;
  #pumpScheduled = false;
  #fns = new Map<string, TaskFn>();
  #module: Record<string, unknown> | undefined;
  #failure: Error | undefined;
  #ready = false;
  #controllers = new Map<number, AbortController>();
  /** Running streams, and the progress of tasks someone listens to, by task id. */
  #streams = new Map<number, WorkerStream>();
  #progress = new Map<number, ProgressReporter>();
  readonly #loadReviver: LoadArgsReviver | undefined;
  /** Rebuilds tagged arguments, once loaded. */
  #revive: ((args: unknown[]) => unknown[]) | undefined;
  #loadingRevive = false;
  /** End time of the last measurement: back-to-back sync tasks share one clock read. */
  #now = 0;
  /** The pool asked this worker to finalize: 'requested' until its tasks are done, then 'begun' (at most once). */
  #finalize: 'no' | 'requested' | 'begun' = 'no';

  constructor(init: WorkerInit, transport: Transport, loadReviver?: LoadArgsReviver) {
    this.#init = init;
    this.#transport = transport;
    this.#loadReviver = loadReviver;
    this.#started = new Int32Array(init.started);
    this.#cancels = new Int32Array(init.cancels);
    transport.onMessage((message) => this.#receive(message));
  }

  /**
   * Sends finished results before the worker dies of `process.exit` or an uncaught error, so
   * only the task that was running fails; the tasks queued behind it are re-dispatched.
   */
  flushBeforeExit(): void {
    const exit = process.exit.bind(process);
    process.exit = ((code?: number) => {
      this.#flush();
      return exit(code);
    }) as typeof process.exit;
    process.on('uncaughtExceptionMonitor', () => this.#flush());
  }

  /** Loads the module and runs the initializer; a failure is reported on every task, not thrown. */
  async start(): Promise<void> {
    try {
      this.#module = (await import(this.#init.module)) as Record<string, unknown>;
    } catch (error) {
      this.#failure = new ModuleLoadError(`could not load task module ${this.#init.module}: ${(error as Error)?.message ?? String(error)}`, error);
    }
    if (!this.#failure && this.#init.initializer !== undefined) {
      try {
        const fn = this.#lookup(this.#init.initializer);
        await fn(...(this.#init.initArgs ?? []));
      } catch (error) {
        this.#failure = new InitializerError(
          `the pool's initializer '${this.#init.initializer}' failed in a worker: ${(error as Error)?.message ?? String(error)}`,
          error,
        );
      }
    }
    this.#ready = true;
    this.#transport.post([]); // ready: the pool may start its other workers now
    this.#pump();
  }

  #receive(message: unknown): void {
    if (Array.isArray(message)) {
      this.#batches.push(message);
      // On a microtask: messages that arrived together (a batch, then a cancel of one of its
      // tasks, while this worker was busy) are all received before any of them runs.
      if (this.#ready && !this.#pumpScheduled) {
        this.#pumpScheduled = true;
        onMicrotask(this.#pumpBound);
      }
    } else if (isPull(message)) this.#streams.get(message.pull)?.pull(message.taken);
    else if (isSeen(message)) this.#progress.get(message.seen)?.seen();
    else if (isCancel(message)) {
      const controller = this.#controllers.get(message.cancel);
      const stream = this.#streams.get(message.cancel);
      if (controller) controller.abort(new Error('cancelled by the pool'));
      if (stream) stream.stop();
      else if (!controller) this.#skip.add(message.cancel);
    } else if (isFinalize(message) && this.#finalize === 'no') {
      this.#finalize = 'requested';
      this.#finalizeWhenIdle();
    }
  }

  /** Runs the finalizer once the worker has no task left to run or to start. */
  #finalizeWhenIdle(): void {
    if (this.#finalize !== 'requested' || !this.#ready || this.#active > 0 || this.#batches.length > 0) return;
    this.#finalize = 'begun';
    void this.#runFinalizer().then((error) => this.#transport.postFinalized({ finalized: true, error }));
  }

  /** Calls the pool's finalizer, if any, unless the worker's module or initializer failed; returns what it threw. */
  async #runFinalizer(): Promise<EncodedThrow | undefined> {
    const name = this.#init.finalizer;
    if (name === undefined || this.#failure) return undefined;
    try {
      await this.#lookup(name)(...(this.#init.finalizerArgs ?? []));
      return undefined;
    } catch (error) {
      return encodeThrow(error);
    }
  }

  /**
   * Resumes pumping one full event-loop turn later: the immediate runs before this turn's poll
   * phase has read what arrived meanwhile, the second one after the next poll has.
   */
  readonly #resumeBound = (): void => void setImmediate(this.#pumpBound);
  readonly #pumpBound = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  #pump(): void {
    const concurrency = this.#init.concurrency;
    const start = (this.#now = performance.now());
    while (this.#active < concurrency && this.#batches.length > 0) {
      // After 10 ms of work, let the event loop deliver what waits (a cancel of a task
      // queued here, a result flush) before going on; tiny tasks never pay for it.
      if (this.#now - start > YIELD_AFTER_MS) {
        this.#pumpScheduled = true;
        setImmediate(this.#resumeBound);
        break;
      }
      const batch = this.#batches[0]!;
      const i = this.#cursor;
      const mode = batch[i + 1] as number;
      const args = taskArgs(batch, i);
      if (!this.#revive && this.#loadReviver && Array.isArray(args) && hasTagged(args)) {
        this.#loadRevive();
        break;
      }
      this.#cursor += TASK_STRIDE;
      if (this.#cursor >= batch.length) {
        this.#batches.shift();
        this.#cursor = 0;
      }
      this.#run(batch[i] as number, mode, batch[i + 2] as string, args);
    }
    this.#flush();
    if (this.#finalize === 'requested') this.#finalizeWhenIdle();
  }

  #run(id: number, mode: number, name: string, args: unknown[]): void {
    const n = Atomics.add(this.#started, 0, 1) + 1;
    if (this.#cancelled(id, n)) {
      this.#out.push(id, STATUS_SKIPPED, undefined, 1);
      if (this.#revive && Array.isArray(args) && hasTagged(args)) disposeAll(this.#revive(args)); // a pipe end it carried lets go of its hold
      return;
    }
    const t0 = this.#now;
    let result: unknown;
    let context: TaskContext | undefined;
    try {
      if (this.#failure) throw this.#failure;
      const fn = this.#fns.get(name) ?? this.#lookup(name);
      if (mode & (FLAG_SIGNAL | FLAG_PROGRESS)) {
        const ctx = (context = this.#context(id, mode));
        result = taskContextStore.run(ctx, () => this.#call(fn, mode, this.#reviveArgs(args)));
      } else result = this.#call(fn, mode, this.#reviveArgs(args));
    } catch (error) {
      this.#settle(id, STATUS_ERROR, encodeThrow(error), t0);
      return;
    }
    if (mode & FLAG_STREAM) this.#stream(id, name, mode, result, context, t0);
    else if (typeof result === 'object' && result !== null && !(mode & MODE_CHUNK) && isGenerator(result)) {
      const error = new GeneratorTaskError(`task '${name}' is a generator: its values cannot be returned as one result; call pool.stream('${name}', ...args) to receive them as it yields them`);
      this.#settle(id, STATUS_ERROR, encodeThrow(error), t0);
    } else if (result instanceof ChunkError) this.#settle(id, STATUS_CHUNK_ERROR, [result.done, encodeThrow(result.error)], t0);
    else if (isThenable(result)) {
      this.#now = performance.now();
      this.#active++;
      result.then(
        (value) => this.#finishAsync(id, STATUS_OK, value, t0),
        (error) => {
          const [status, encoded] = failure(error);
          this.#finishAsync(id, status, encoded, t0);
        },
      );
    } else this.#settle(id, STATUS_OK, result, t0);
  }

  /** The context a task with a signal or a progress listener runs in (see `weft/worker`). */
  #context(id: number, mode: number): TaskContext {
    let signal: AbortSignal | undefined;
    if (mode & FLAG_SIGNAL) {
      const controller = new AbortController();
      this.#controllers.set(id, controller);
      signal = controller.signal;
    }
    let progress: ((value: unknown) => void) | undefined;
    if (mode & FLAG_PROGRESS) {
      const reporter = new ProgressReporter(id, this.#sendProgress);
      this.#progress.set(id, reporter);
      progress = reporter.report;
    }
    return { signal, progress };
  }

  readonly #sendProgress = (id: number, value: unknown): void => {
    this.#out.push(id, STATUS_PROGRESS, value, 0);
    this.#scheduleFlush();
  };

  /** Runs a streaming task's iterator (in its context), sending its values as it yields them; it settles once the iterator is done. */
  #stream(id: number, name: string, mode: number, result: unknown, context: TaskContext | undefined, t0: number): void {
    const source = sourceOf(result);
    if (!source) {
      if (isThenable(result)) result.then(undefined, () => {});
      const what = isThenable(result) ? 'a promise' : result === null ? 'null' : `a ${typeof result}`;
      const error = new NotAGeneratorError(
        `task '${name}' returned ${what}, not an iterator: pool.stream() needs an exported function* or async function* (or a function returning an iterable); call it with run() or submit() instead`,
      );
      this.#settle(id, STATUS_ERROR, encodeThrow(error), t0);
      return;
    }
    const stream = new WorkerStream(id, source, mode >>> WINDOW_SHIFT, this.#emitValues);
    this.#streams.set(id, stream);
    this.#active++;
    const run = (): Promise<unknown> => stream.run();
    (context ? taskContextStore.run(context, run) : run()).then(
      (value) => this.#finishAsync(id, STATUS_OK, value, t0),
      (error) => this.#finishAsync(id, STATUS_ERROR, encodeThrow(error), t0),
    );
  }

  /** A stream's batch of values goes out now, behind whatever results wait. */
  readonly #emitValues = (id: number, values: unknown[]): void => {
    this.#out.push(id, STATUS_YIELD, values, 0);
    this.#flush();
  };

  /** True when the pool cancelled task `id`, the n-th this worker received, before it began: claims the cancel mark. */
  #cancelled(id: number, n: number): boolean {
    if (this.#skip.size > 0 && this.#skip.delete(id)) return true;
    const i = n % CANCEL_SLOTS;
    return Atomics.load(this.#cancels, i) === n && Atomics.compareExchange(this.#cancels, i, n, -n) === n;
  }

  /** Shared primitives, Queues and PipeEnds among the arguments arrive as tagged copies: rebuild them (typed-array chunks hold only numbers). */
  #reviveArgs(args: unknown[]): unknown[] {
    return this.#revive && Array.isArray(args) ? this.#revive(args) : args;
  }

  #loadRevive(): void {
    if (this.#loadingRevive) return;
    this.#loadingRevive = true;
    void this.#loadReviver!().then((revive) => {
      this.#revive = revive;
      this.#pump();
    });
  }

  #call(fn: TaskFn, mode: number, args: unknown[]): unknown {
    return (mode & MODE_CHUNK) === 0 ? fn(...args) : callChunk(fn, mode, args, this.#transfer);
  }

  #finishAsync(id: number, status: number, value: unknown, t0: number): void {
    this.#active--;
    this.#settle(id, status | STATUS_ASYNC, value, t0);
    if (this.#batches.length > 0 && !this.#pumpScheduled) this.#pump(); // a scheduled pump (or a yield in progress) takes them
    else this.#scheduleFlush();
  }

  #settle(id: number, status: number, value: unknown, t0: number): void {
    if (this.#controllers.size > 0) this.#controllers.delete(id);
    if (this.#streams.size > 0) this.#streams.delete(id);
    if (this.#progress.size > 0) [status, value] = this.#endProgress(id, status, value);
    if (value instanceof Moved) {
      this.#transfer.push(...value.transfer);
      value = value.value;
    }
    const now = performance.now();
    this.#out.push(id, status, value, Math.max(1, Math.round((now - t0) * 1000)));
    this.#now = now;
  }

  /** Sends the last coalesced progress value of task `id` before its result (which becomes the failure of a value that could not be sent). */
  #endProgress(id: number, status: number, value: unknown): [number, unknown] {
    const reporter = this.#progress.get(id);
    if (!reporter) return [status, value];
    this.#progress.delete(id);
    reporter.drain();
    return reporter.failure ? [STATUS_ERROR | (status & STATUS_ASYNC), encodeThrow(reporter.failure)] : [status, value];
  }

  readonly #flushBound = (): void => {
    this.#flushScheduled = false;
    this.#flush();
    if (this.#finalize === 'requested') this.#finalizeWhenIdle();
  };

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    onMicrotask(this.#flushBound);
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const out = this.#out;
    const transfer = this.#transfer;
    this.#out = [];
    if (transfer.length > 0) this.#transfer = [];
    try {
      this.#transport.post(out, transfer.length > 0 ? transfer : undefined);
    } catch {
      this.#postOneByOne(out);
    }
  }

  /**
   * A batch failed to clone: send each result alone, replacing the ones that cannot be cloned.
   * A stream's values go one by one up to the one that cannot, which then fails the stream; a
   * progress value that cannot fails its task once it settles.
   */
  #postOneByOne(out: unknown[]): void {
    for (let i = 0; i < out.length; i += RESULT_STRIDE) {
      const one = out.slice(i, i + RESULT_STRIDE);
      const id = one[0] as number;
      try {
        this.#transport.post(one);
      } catch (error) {
        const why = (error as Error)?.message ?? String(error);
        if (one[1] === STATUS_YIELD) this.#postValuesOneByOne(id, one[2] as unknown[], why);
        else if (one[1] === STATUS_PROGRESS) {
          const reporter = this.#progress.get(id);
          if (reporter) reporter.failure ??= new DataCloneError(`a progress value of this task cannot be cloned to the caller (${why}); report plain data`);
        } else this.#transport.post([id, STATUS_CLONE_ERROR, why, one[3]]);
      }
    }
  }

  #postValuesOneByOne(id: number, values: unknown[], why: string): void {
    for (const value of values) {
      try {
        this.#transport.post([id, STATUS_YIELD, [value], 0]);
      } catch {
        this.#streams.get(id)?.fail(new DataCloneError(`a value this task yielded cannot be cloned to the caller (${why}); yield plain data`));
        return;
      }
    }
  }

  #lookup(name: string): TaskFn {
    const mod = this.#module!;
    if (!(name in mod)) {
      const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
      throw new UnknownTaskError(
        `the task module ${this.#init.module} has no export named '${name}'; its exported functions are: ${names.join(', ') || '(none)'}`,
      );
    }
    const fn = mod[name];
    if (typeof fn !== 'function') {
      throw new NotAFunctionError(`export '${name}' of ${this.#init.module} is a ${typeof fn}, not a function: only exported functions can run as tasks`);
    }
    this.#fns.set(name, fn as TaskFn);
    return fn as TaskFn;
  }
}

/** Disposes what can be (`Symbol.dispose`): the handles a skipped task received and will never use. */
function disposeAll(values: unknown[]): void {
  for (const v of values) {
    const dispose = (v as { [Symbol.dispose]?: () => void } | null)?.[Symbol.dispose];
    if (typeof dispose === 'function') dispose.call(v);
  }
}
