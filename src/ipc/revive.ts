/**
 * The one reviver for everything weft tags with `__weft`: the shared-memory primitives of
 * `weft/shared` and the channel handles of this folder. Pools and the worker entries load it on
 * the first tagged value they meet, for task arguments and results alike.
 */
import { reviveShared } from '../shared/revive.js';
import { PipeEnd } from './pipe.js';
import { Queue } from './queue.js';

/**
 * Returns the live weft object a posted copy stands for — a `weft/shared` primitive, a
 * `Queue` or a `PipeEnd`, connected to the same memory or broker; anything else (and an
 * object already live) comes back unchanged. Pools and workers do this for task arguments and
 * results; call it yourself on values received through raw `postMessage`.
 *
 * @example
 * parentPort.on('message', (m) => { const queue = revive(m.queue); });
 */
export function revive<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const tag = (value as { __weft?: unknown }).__weft;
  if (tag === 'Queue') return (value instanceof Queue ? value : Queue.from(value as unknown as Queue)) as T;
  if (tag === 'PipeEnd') return (value instanceof PipeEnd ? value : PipeEnd.from(value as unknown as PipeEnd)) as T;
  return reviveShared(value);
}

/** Revives each element of `args` in place (top level only) and returns the same array. */
export function reviveArgs(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) args[i] = revive(args[i]);
  return args;
}
