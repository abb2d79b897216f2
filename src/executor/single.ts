/**
 * The parent's side of one task in its own worker: the shared core of `Thread` and `Process`
 * (Python's `threading.Thread` and `multiprocessing.Process`), over the same `Backend` seam
 * and wire as the pools. Its partner inside the worker is `WorkerRuntime`.
 */
import { EventEmitter } from 'node:events';
import { DataCloneError } from '../errors.js';
import { isTagged } from '../shared/tag.js';
import { CANCEL_SLOTS, MODE_CALL, STATUS_MASK, STATUS_OK, encodeTasks, resultError } from '../worker/protocol.js';
import type { Backend, WorkerExit, WorkerHandle } from './backend.js';
import { ProcessStateError, TaskAbortedError, exitError } from './errors.js';
import { resolveTaskModule } from './module.js';
import { checkTimeout } from './options.js';
import type { ModuleLocation } from './types.js';

/** What `join({ timeout })` sees when the worker is still running. */
const TIMED_OUT = Symbol('timed out');

/** Options every single-task runner takes. */
export interface SingleTaskOptions {
  /** Aborting stops the worker; `join()` rejects with `TaskAbortedError` (the signal's reason as cause). */
  signal?: AbortSignal;
}

/** Lifecycle of a {@link Process} or {@link Thread}. */
export type SingleTaskState = 'created' | 'running' | 'finished';

/**
 * One task function in its own worker, seen from the parent (the shared core of `Process` and
 * `Thread`). Events:
 * `'spawn'` once started, `'result'` with the value, `'error'` with the task's error (emitted
 * only when someone listens: `join()` rejects either way), `'exit'` with `(code, signal)`.
 */
export abstract class SingleTaskRunner<R> extends EventEmitter {
  readonly #module: ModuleLocation;
  readonly #name: string;
  readonly #args: unknown[];
  readonly #signal: AbortSignal | undefined;
  #state: SingleTaskState = 'created';
  #backend: Backend | undefined;
  #handle: WorkerHandle | undefined;
  #settled = false;
  #result: Promise<R>;
  #resolve!: (value: R) => void;
  #reject!: (error: unknown) => void;
  #exited: Promise<void>;
  #markExited!: () => void;
  /** Exit code once the worker is gone (0 after a normal return), or null. */
  exitCode: number | null = null;
  /** Signal that ended a child process, or null. */
  signalCode: NodeJS.Signals | null = null;

  protected constructor(module: ModuleLocation, name: string, args: readonly unknown[], options: SingleTaskOptions) {
    super();
    this.#module = module;
    this.#name = name;
    this.#args = [...args];
    this.#signal = options.signal;
    this.#result = new Promise<R>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#result.catch(() => {}); // a rejection is reported by join(), not as unhandled
    this.#exited = new Promise((resolve) => (this.#markExited = resolve));
  }

  /** The backend that starts the worker. @internal */
  protected abstract backend(): Backend;
  /** Stops the worker once its task has returned. @internal */
  protected abstract finish(handle: WorkerHandle): void;
  /** Called with the handle right after the worker is spawned. @internal */
  protected abstract spawned(handle: WorkerHandle): void;

  /** 'created', 'running' or 'finished'. */
  get state(): SingleTaskState {
    return this.#state;
  }

  /** True from `start()` until the worker is gone. */
  isAlive(): boolean {
    return this.#state === 'running';
  }

  /** Starts the worker and its task. Throws `ProcessStateError` if already started. Returns `this`. */
  start(): this {
    if (this.#state !== 'created') throw new ProcessStateError(`${this.constructor.name} was already started: create a new one to run again`);
    this.#state = 'running';
    if (this.#signal?.aborted) {
      this.#fail(new TaskAbortedError(this.#name, this.#signal.reason));
      this.#state = 'finished';
      this.#markExited();
      return this;
    }
    const { url, tsx } = resolveTaskModule(this.#module);
    const backend = (this.#backend = this.backend());
    const handle = backend.spawn(
      { module: url, concurrency: 1, started: new SharedArrayBuffer(4), cancels: new SharedArrayBuffer(4 * CANCEL_SLOTS), tsx },
      { results: (batch) => this.#onResults(batch), exit: (info) => this.#onExit(info) },
    );
    this.#handle = handle;
    this.spawned(handle);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    try {
      handle.send(encodeTasks([{ id: 1, mode: MODE_CALL, name: this.#name, args: this.#args }]).batch);
    } catch (error) {
      this.#fail(new DataCloneError(`the arguments of '${this.#name}' cannot be sent to its worker (${(error as Error)?.message}); pass plain data`, error));
      handle.terminate();
    }
    this.emit('spawn');
    return this;
  }

  /**
   * Resolves to the task's result once it has returned and its worker is gone (Python's
   * `join()`, with the value); rejects with its error. With `timeout` (ms), resolves to
   * `undefined` if the worker is still running by then, and leaves it running (as Python's
   * `join(timeout)`): check `isAlive()`, or join again.
   */
  join(): Promise<R>;
  join(options: { timeout?: number }): Promise<R | undefined>;
  async join(options: { timeout?: number } = {}): Promise<R | undefined> {
    if (this.#state === 'created') throw new ProcessStateError(`${this.constructor.name}.join() before start(): call start() first`);
    const timeout = checkTimeout(options.timeout, 'timeout');
    if (timeout !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, timeout, TIMED_OUT)));
      try {
        const first = await Promise.race([this.#joined(), late]);
        return first === TIMED_OUT ? undefined : first;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.#joined();
  }

  async #joined(): Promise<R> {
    try {
      return await this.#result;
    } finally {
      await this.#exited;
    }
  }

  /** Stops the worker now; `join()` rejects with `WorkerExitedError` unless the task had already returned. */
  terminate(): Promise<void> {
    if (this.#handle && this.#state === 'running') this.#handle.terminate();
    return this.#exited;
  }

  #onAbort = (): void => {
    this.#fail(new TaskAbortedError(this.#name, this.#signal?.reason));
    this.#handle?.terminate();
  };

  #onResults(batch: unknown[]): void {
    if (batch.length < 4 || this.#settled) return; // the empty "ready" message
    const status = (batch[1] as number) & STATUS_MASK;
    const value = batch[2];
    if (status === STATUS_OK) this.#succeed(value);
    else this.#fail(resultError(status, value, this.#name));
    this.finish(this.#handle!);
  }

  /** A result that is a tagged copy (a shared primitive, a Queue) comes back live, as from a pool. */
  #succeed(value: unknown): void {
    this.#settled = true;
    const backend = this.#backend!;
    if (!backend.loadReviver || !isTagged(value)) return this.#deliver(value);
    backend.loadReviver().then((revive) => revive(value)).then(
      (revived) => this.#deliver(revived),
      (error: unknown) => this.#reject(error),
    );
  }

  #deliver(value: unknown): void {
    this.#resolve(value as R);
    this.emit('result', value);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #onExit(info: WorkerExit): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const clean = this.#settled;
    if (!clean) {
      this.#fail(exitError(this.#name, info));
    }
    this.exitCode = clean && info.signal === null && this.stoppedByUs() ? 0 : info.code;
    this.signalCode = info.signal;
    this.#state = 'finished';
    this.#markExited();
    this.emit('exit', this.exitCode, this.signalCode);
  }

  /** True when weft stops the worker itself after its task returned (a terminated thread reports code 1: shown as 0). @internal */
  protected stoppedByUs(): boolean {
    return false;
  }
}
