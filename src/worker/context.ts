/**
 * What a task can ask about the call it is running, from inside a worker (`weft/worker`).
 * @packageDocumentation
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransferListItem } from 'node:worker_threads';

/** A task result to be moved, not copied, back to the caller; made by {@link move}. Internal. */
export class Moved {
  constructor(
    /** The result. */
    readonly value: unknown,
    /** What moves with it. */
    readonly transfer: ArrayBuffer[],
  ) {}
}

/** The AbortSignal of the running task, for tasks submitted with a signal or timeout. Internal: read it through {@link taskSignal}. */
export const taskSignalStore = new AsyncLocalStorage<AbortSignal>();

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
  return taskSignalStore.getStore();
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
