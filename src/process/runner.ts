import { EventEmitter } from 'node:events';
import type { Backend, WorkerExit, WorkerHandle } from '../executor/backend.js';
import { DataCloneError, TaskAbortedError, WorkerExitedError, ResourceLimitError } from '../executor/errors.js';
import type { ModuleLocation } from '../executor/types.js';
import { decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import { MODE_CALL, STATUS_CLONE_ERROR, STATUS_ERROR, STATUS_OK } from '../worker/protocol.js';
import { resolveTaskModule } from '../worker/module.js';
import { ProcessStateError } from './errors.js';

/** Options every runner takes. */
export interface RunnerOptions {
  /** Aborting stops the worker; `join()` rejects with `TaskAbortedError` (the signal's reason as cause). */
  signal?: AbortSignal;
}

/** Lifecycle of a {@link Process} or {@link Thread}. */
export type RunnerState = 'created' | 'running' | 'finished';

/**
 * One task function in its own worker (the shared core of `Process` and `Thread`). Events:
 * `'spawn'` once started, `'result'` with the value, `'error'` with the task's error (emitted
 * only when someone listens: `join()` rejects either way), `'exit'` with `(code, signal)`.
 */
export abstract class Runner<R> extends EventEmitter {
  readonly #module: ModuleLocation;
  readonly #name: string;
  readonly #args: unknown[];
  readonly #signal: AbortSignal | undefined;
  #state: RunnerState = 'created';
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

  protected constructor(module: ModuleLocation, name: string, args: readonly unknown[], options: RunnerOptions) {
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

  /** The backend that starts the worker. */
  protected abstract backend(): Backend;
  /** Stops the worker once its task has returned. */
  protected abstract finish(handle: WorkerHandle): void;
  /** Called with the handle right after the worker is spawned. */
  protected abstract spawned(handle: WorkerHandle): void;

  /** 'created', 'running' or 'finished'. */
  get state(): RunnerState {
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
    const handle = this.backend().spawn(
      { module: url, concurrency: 1, started: new SharedArrayBuffer(4), tsx },
      { results: (batch) => this.#onResults(batch), exit: (info) => this.#onExit(info) },
    );
    this.#handle = handle;
    this.spawned(handle);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    try {
      handle.send([1, MODE_CALL, this.#name, this.#args]);
    } catch (error) {
      this.#fail(new DataCloneError(`the arguments of '${this.#name}' cannot be sent to its worker (${(error as Error)?.message}); pass plain data`, error));
      handle.terminate();
    }
    this.emit('spawn');
    return this;
  }

  /** Resolves to the task's result once it has returned (Python's `join()`, with the value); rejects with its error. */
  async join(): Promise<R> {
    if (this.#state === 'created') throw new ProcessStateError(`${this.constructor.name}.join() before start(): call start() first`);
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
    const status = batch[1] as number;
    const value = batch[2];
    if (status === STATUS_OK) {
      this.#settled = true;
      this.#resolve(value as R);
      this.emit('result', value);
    } else if (status === STATUS_ERROR) this.#fail(decodeThrow(value as EncodedThrow, this.#name));
    else if (status === STATUS_CLONE_ERROR) this.#fail(new DataCloneError(`the result of '${this.#name}' cannot be cloned back (${String(value)})`));
    this.finish(this.#handle!);
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
      this.#fail(info.outOfMemory ? new ResourceLimitError(this.#name, info.error) : new WorkerExitedError(this.#name, info.code, info.signal, info.error));
    }
    this.exitCode = clean && info.signal === null && this.stoppedByUs() ? 0 : info.code;
    this.signalCode = info.signal;
    this.#state = 'finished';
    this.#markExited();
    this.emit('exit', this.exitCode, this.signalCode);
  }

  /** True when weft stops the worker itself after its task returned (a terminated thread reports code 1: shown as 0). */
  protected stoppedByUs(): boolean {
    return false;
  }
}
