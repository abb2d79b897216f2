/**
 * What a task can ask about the call it is running, from inside a worker (`weft/worker`).
 * @packageDocumentation
 */
import { taskSignalStore } from './runtime.js';

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
