import { CancelledError, InvalidStateError } from '../errors.js';
import { TaskGroupError } from './errors.js';
import { cancelled } from './waiters.js';

/** A task of a `TaskGroup`: receives the group's signal, which aborts when the group is cancelled. */
export type Task<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** Options of a `TaskGroup`. */
export interface TaskGroupOptions {
  /** Cancels the whole group (and so every child) when it aborts. */
  signal?: AbortSignal | undefined;
}

/** True for the errors a task throws because it was cancelled rather than because it failed. */
export function isCancellation(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted &&
    (error === signal.reason || error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError'))
  );
}

/**
 * Structured concurrency (Python 3.11's `TaskGroup`, trio's nursery): tasks spawned into the
 * group run concurrently and `wait()` (or the end of an `await using` block) waits for all.
 *
 * - Error: the first task to fail aborts the group's `signal`, cancelling its siblings; once
 *   every task has settled, `wait()` rejects with that error, or with a `TaskGroupError`
 *   listing each failure when several failed. Rejections caused by the cancellation itself
 *   (`CancelledError`, `AbortError`, or the signal's reason) are not counted as failures.
 * - Cancel: when `options.signal` aborts or `cancel()` is called, the children are cancelled
 *   the same way and `wait()` rejects with `CancelledError` (`cause` = the reason), unless a
 *   task failed, whose error wins. Spawning into a cancelled group does not run the task: its
 *   promise rejects with `CancelledError`.
 * - The group always waits for every child, even cancelled ones; tasks that ignore the signal
 *   delay it. Spawning after `wait()` has settled throws `InvalidStateError`.
 *
 * @example
 * await using group = new TaskGroup();
 * const a = group.spawn((signal) => fetch(urlA, { signal }));
 * const b = group.spawn((signal) => fetch(urlB, { signal }));
 * // leaving the block waits for both; if one fails, the other is aborted
 */
export class TaskGroup implements AsyncDisposable {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  #pending = 0;
  #errors: unknown[] = [];
  #cancelReason: { reason: unknown } | undefined;
  #idle: (() => void) | undefined;
  #waiting: Promise<void> | undefined;
  #closed = false;

  constructor(options: TaskGroupOptions = {}) {
    const parent = options.signal;
    this.#parent = parent;
    if (parent === undefined) return;
    if (parent.aborted) this.#onParentAbort();
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** The signal handed to every task; it aborts when the group is cancelled or a task fails. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Number of tasks still running. */
  get pending(): number {
    return this.#pending;
  }

  /** Starts `fn(signal)` in the group; the returned promise settles with its result. */
  spawn<T>(fn: Task<T>): Promise<Awaited<T>> {
    const p = this.#start(fn);
    if (p === undefined) {
      const rejected = Promise.reject(cancelled(this.#controller.signal));
      rejected.catch(ignore);
      return rejected;
    }
    // Attaching both handlers also marks `p` as handled: a failure is reported by wait().
    p.then(this.#onFulfilled, this.#onRejected);
    return p;
  }

  /**
   * @internal For `gather`: starts `fn(signal)` in the group and stores its value at
   * `results[i]`, with one reaction per task where `spawn(fn).then(...)` needs two.
   */
  _spawnInto(fn: Task<unknown>, results: unknown[], i: number): void {
    this.#start(fn)?.then((value) => {
      results[i] = value;
      this.#settled();
    }, this.#onRejected);
  }

  /** Calls `fn` and counts it as pending; `undefined` (not called) when the group is cancelled. */
  #start<T>(fn: Task<T>): Promise<Awaited<T>> | undefined {
    if (this.#closed) throw new InvalidStateError('this TaskGroup has finished: spawn into a new group, or spawn before wait() settles');
    const signal = this.#controller.signal;
    if (signal.aborted) return undefined;
    let p: Promise<Awaited<T>>;
    try {
      const r = fn(signal);
      p = r instanceof Promise ? r : Promise.resolve(r);
    } catch (error) {
      p = Promise.reject(error);
    }
    this.#pending++;
    return p;
  }

  /** Cancels every task of the group; `wait()` will reject with `CancelledError` (unless a task failed). */
  cancel(reason: unknown = new CancelledError('the TaskGroup was cancelled')): void {
    if (this.#controller.signal.aborted) return;
    this.#cancelReason = { reason };
    this.#controller.abort(reason);
  }

  /** Waits for every task, then rejects with the failure(s) or the cancellation, if any. */
  wait(): Promise<void> {
    this.#waiting ??= this.#finish();
    return this.#waiting;
  }

  /** Same as `wait()`, for `await using group = new TaskGroup()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.wait();
  }

  async #finish(): Promise<void> {
    if (this.#pending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#closed = true;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    const errors = this.#errors;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new TaskGroupError(errors);
    if (this.#cancelReason !== undefined) throw new CancelledError('the TaskGroup was cancelled; see `cause` for the reason', { cause: this.#cancelReason.reason });
  }

  #settled(): void {
    if (--this.#pending === 0 && this.#idle !== undefined) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  readonly #onFulfilled = (): void => this.#settled();

  readonly #onRejected = (error: unknown): void => {
    // The same error may surface twice (a task, and a parent awaiting it): count it once.
    if (!isCancellation(error, this.#controller.signal) && !this.#errors.includes(error)) {
      this.#errors.push(error);
      if (this.#errors.length === 1 && !this.#controller.signal.aborted) {
        this.#controller.abort(new CancelledError('a sibling task of the TaskGroup failed; see `cause`', { cause: error }));
      }
    }
    this.#settled();
  };

  readonly #onParentAbort = (): void => this.cancel(this.#parent?.reason);
}

/**
 * Runs `body(group)` as the first task of a new `TaskGroup` and waits for the group; resolves to
 * what `body` returns. If `body` throws, the group is cancelled like for any failing task.
 *
 * @example
 * const [a, b] = await taskGroup(async (g) => Promise.all([g.spawn(loadA), g.spawn(loadB)]));
 */
export async function taskGroup<T>(body: (group: TaskGroup) => T | PromiseLike<T>, options: TaskGroupOptions = {}): Promise<Awaited<T>> {
  const group = new TaskGroup(options);
  const result = group.spawn(() => body(group));
  await group.wait();
  return result;
}

function ignore(): void {}
