/**
 * What a task can ask about the call it is running, from inside a worker (`weft/worker`).
 * @packageDocumentation
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransferListItem } from 'node:worker_threads';

// A task module may import another copy of weft than the worker runs (a global `weft` command
// and the project's own, or weft's sources and its build): the context store and the brand of
// `Moved` live on the thread's global object under registered symbols, so every copy agrees.
const STORE = Symbol.for('weft.taskContextStore');
const MOVED = Symbol.for('weft.moved');

/** A task result to be moved, not copied, back to the caller; made by {@link move}. Internal. */
export class Moved {
  readonly [MOVED] = true;

  constructor(
    /** The result. */
    readonly value: unknown,
    /** What moves with it. */
    readonly transfer: ArrayBuffer[],
  ) {}

  /** Recognizes the `Moved` of any copy of weft. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [MOVED]?: unknown })[MOVED] === true;
  }
}

/** What a running task can reach: its signal, and where its progress goes. Internal. */
export interface TaskContext {
  readonly signal: AbortSignal | undefined;
  readonly progress: ((value: unknown) => void) | undefined;
}

/**
 * The context of the running task, for tasks submitted with a signal, a timeout or an
 * `onProgress` listener (others run outside it, at no cost). Internal: read it through
 * {@link taskSignal} and {@link progress}.
 */
export const taskContextStore: AsyncLocalStorage<TaskContext> = ((globalThis as { [STORE]?: AsyncLocalStorage<TaskContext> })[STORE] ??= new AsyncLocalStorage<TaskContext>());

/**
 * The AbortSignal of the running task, when it was submitted with a `signal` or `timeout`;
 * undefined otherwise. A task that honours it stops cleanly instead of having its worker
 * stopped after the pool's `cancelGrace`.
 *
 * @example
 * export async function download(url: string) {
 *   return (await fetch(url, { signal: taskSignal() })).text();
 * }
 */
export function taskSignal(): AbortSignal | undefined {
  return taskContextStore.getStore()?.signal;
}

/**
 * Reports how the running task is getting on: the caller's `onProgress` (a `submit` or
 * `streamWith` option) receives each value, in order, before the call settles. Cheap enough to
 * call per item: the worker keeps one progress message per task in flight and coalesces what is
 * reported meanwhile to its latest value (the last one always arrives before the result).
 * When nobody listens, it does nothing. The value crosses as a result does (structured clone).
 *
 * @example
 * export async function resize(paths: string[]) {
 *   for (let i = 0; i < paths.length; i++) {
 *     await resizeOne(paths[i]);
 *     progress({ done: i + 1, total: paths.length });
 *   }
 * }
 */
export function progress(value: unknown): void {
  taskContextStore.getStore()?.progress?.(value);
}

/**
 * Returns `value` from a task so that the objects in `transfer` (ArrayBuffers, MessagePorts…)
 * are moved to the caller instead of copied — the result-side twin of `submit`'s `transfer`.
 * The worker must not use them afterwards. (Child processes copy them; there is no moving
 * memory between processes.)
 *
 * @example
 * export function render(): ArrayBuffer {
 *   const pixels = new ArrayBuffer(4 * 1024 * 1024);
 *   return move(pixels, [pixels]);
 * }
 */
export function move<T>(value: T, transfer: readonly TransferListItem[]): T {
  return new Moved(value, transfer as ArrayBuffer[]) as unknown as T;
}
