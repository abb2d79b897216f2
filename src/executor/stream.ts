/**
 * The caller's side of a streaming task (`pool.stream`): an async iterator over the values the
 * worker yields, fed by whoever runs the task (a pool, a remote backend) through `push`,
 * `resolve` and `reject`, and talking back through a {@link StreamControl}. The worker's side
 * is `worker/stream.ts`.
 */
import { CancelledError, InvalidOptionError } from '../errors.js';
import { FLAG_SIGNAL, FLAG_STREAM, MAX_WINDOW, WINDOW_SHIFT } from '../worker/protocol.js';
import type { CallOptions } from './options.js';

/** Values a streaming task's worker may make ahead of the caller by default. */
export const DEFAULT_WINDOW = 64;

/** Options of `pool.streamWith`: those of `submit`, and the stream's window. */
export interface StreamOptions extends CallOptions {
  /**
   * Most values the worker makes ahead of what the caller has taken (default 64): the task's
   * generator pauses at a `yield` once it is that far ahead, and resumes as the caller takes
   * values. Values travel in batches of up to a quarter window.
   */
  window?: number;
}

/** What a stream asks of whoever runs its task. */
export interface StreamControl {
  /** The caller has taken `taken` values in all (said each time it has taken a quarter window more): the task may run up to a window ahead of that. */
  pull(taken: number): void;
  /** The caller stopped early (`break`, `return()`): end the task; its generator's `finally` runs. The task then settles as usual. */
  stop(): void;
}

/** The stream's window from its options (an integer from 1 to 2^23 - 1), or the error that says why it is not valid. */
export function streamWindow(options: StreamOptions): number | InvalidOptionError {
  if (options === null || typeof options !== 'object') return new InvalidOptionError(`stream options must be an object, got ${String(options)}`);
  const window = options.window ?? DEFAULT_WINDOW;
  if (!(Number.isInteger(window) && window >= 1 && window <= MAX_WINDOW)) return new InvalidOptionError(`window must be an integer from 1 to ${MAX_WINDOW}, got ${String(window)}`);
  return window;
}

/** The wire mode of a stream with `window`: every stream gets an AbortSignal, which stopping it aborts. */
export function streamMode(window: number): number {
  return FLAG_STREAM | FLAG_SIGNAL | (window << WINDOW_SHIFT);
}

/**
 * What `pool.stream()` returns: the task's yielded values, in order, as they are made. The
 * worker runs at most `window` values ahead of what has been taken. Breaking out of a
 * `for await` (or calling `return()`) stops the task's generator: its `finally` runs in the
 * worker, and the loop exits once it has (an error thrown there is thrown by the `break`). A
 * failure of the task throws at its position, after the values yielded before it; a cancelled
 * stream (its `signal`, `terminate()`) throws `TaskAbortedError` / `PoolTerminatedError` at
 * the next step, dropping values not yet taken. The iterator's `done` result carries the
 * generator's return value.
 *
 * @example
 * for await (const line of pool.stream('grep', 'big.log', /error/)) {
 *   if (line.includes('fatal')) break; // the worker's generator is returned: its finally runs
 * }
 */
export class TaskStream<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  readonly #control: StreamControl;
  readonly #ackEvery: number;
  /** Batches received and not yet reached, oldest first. */
  #batches: ArrayLike<unknown>[] = [];
  #buffer: ArrayLike<unknown> = [];
  #pos = 0;
  #taken = 0;
  #acked = 0;
  /** A relay forwards its own caller's credit (see `relayCredit`): this stream's taking is not credit. */
  #relayed = false;
  #end: { failed: boolean; value: unknown } | undefined;
  /** The end was handed out (done, or its error thrown) or the caller stopped: nothing more is yielded. */
  #closed = false;
  #wake: (() => void) | undefined;
  /** Resolves a `return()` waiting for the task to end. */
  #ended: (() => void) | undefined;

  /** @internal made by pools (and remote backends) with a window and a way to talk back */
  constructor(window: number, control: StreamControl) {
    this.#control = control;
    this.#ackEvery = Math.max(1, Math.ceil(window / 4));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next value, or `done` (with the generator's return value) once the task has finished; throws the task's failure at its position. */
  next(): Promise<IteratorResult<T>> {
    if (this.#pos < this.#buffer.length) return Promise.resolve({ value: this.#take(), done: false });
    return this.#next();
  }

  /**
   * Stops the stream early (what `break` calls): the task's generator is returned, and this
   * resolves once its `finally` has run in the worker; it rejects with what the `finally` threw,
   * or with a failure (a timeout) that ended the task meanwhile. At once when the stream is over.
   */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    const live = this.#end === undefined;
    this.#close();
    if (live) {
      this.#control.stop();
      if (this.#end === undefined) await new Promise<void>((resolve) => (this.#ended = resolve));
      const end = this.#end!;
      if (end.failed && !(end.value instanceof CancelledError)) throw end.value;
    }
    return { value, done: true };
  }

  /** Stops the stream as `return()` does, then throws `error`. */
  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  /** `await using stream = pool.stream(...)` stops the stream at scope exit, as `return()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /**
   * @internal for a relay that forwards this stream's values to a caller further away (a
   * `RedisWorker`): this stream stops telling its worker what it hands out; the function
   * returned tells it what the far caller has taken, so the generator runs at most a window
   * ahead of that caller, not of the relay.
   */
  relayCredit(): (taken: number) => void {
    this.#relayed = true;
    return (taken) => {
      if (this.#end === undefined && !this.#closed) this.#control.pull(taken);
    };
  }

  /** @internal values the task yielded, in order */
  push(values: ArrayLike<unknown>): void {
    if (this.#closed || values.length === 0) return;
    this.#batches.push(values);
    this.#wake?.();
  }

  /** @internal the task is done: `value` is its generator's return value */
  readonly resolve = (value: unknown): void => this.#settle(false, value);

  /** @internal the task failed (or was cancelled) */
  readonly reject = (error: unknown): void => this.#settle(true, error);

  #settle(failed: boolean, value: unknown): void {
    if (this.#end) return;
    this.#end = { failed, value };
    if (failed && value instanceof CancelledError) this.#drop();
    this.#wake?.();
    this.#ended?.();
  }

  async #next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.#pos < this.#buffer.length) return { value: this.#take(), done: false };
      if (this.#batches.length > 0) {
        this.#buffer = this.#batches.shift()!;
        this.#pos = 0;
        continue;
      }
      if (this.#closed) return { value: undefined, done: true };
      if (this.#end) {
        this.#closed = true;
        if (this.#end.failed) throw this.#end.value;
        return { value: this.#end.value as T, done: true };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  #take(): T {
    const i = this.#pos++;
    const value = this.#buffer[i] as T;
    if (Array.isArray(this.#buffer)) this.#buffer[i] = undefined; // let go of what was handed out
    if (++this.#taken - this.#acked >= this.#ackEvery && this.#end === undefined && !this.#relayed) {
      this.#acked = this.#taken;
      this.#control.pull(this.#taken);
    }
    return value;
  }

  #close(): void {
    this.#closed = true;
    this.#drop();
  }

  #drop(): void {
    this.#batches = [];
    this.#buffer = [];
    this.#pos = 0;
  }
}
