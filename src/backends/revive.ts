/**
 * How the thread and process backends revive tagged values (shared-memory primitives,
 * Queues, PipeEnds): `src/ipc/revive.ts`, loaded on the first tagged value, for the task
 * arguments a worker receives and the results a pool or a `Thread`/`Process` receives.
 */
import type { Reviver } from '../shared/tag.js';

/** Loads the reviver of single values (results). */
export function loadReviver(): Promise<Reviver> {
  return import('../ipc/revive.js').then((m) => m.revive);
}

/** Loads the in-place reviver of argument lists (the worker side). */
export function loadArgsReviver(): Promise<(args: unknown[]) => unknown[]> {
  return import('../ipc/revive.js').then((m) => m.reviveArgs);
}
