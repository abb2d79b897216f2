/**
 * The mark weft's cross-boundary objects keep through structured cloning: an own `__weft`
 * field naming the class (`'Lock'`, `'Channel'`, `'Queue'`, `'PipeEnd'`…). Kept apart from the
 * revivers (which load every class) so the pool and the worker runtime can test for it
 * without loading src/shared or src/ipc.
 */

/** True for a weft primitive or channel handle, or a posted copy of one. */
export function isTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { __weft?: unknown }).__weft === 'string';
}

/** True when an argument list holds a {@link isTagged} value at its top level. */
export function hasTagged(args: readonly unknown[]): boolean {
  for (const a of args) if (isTagged(a)) return true;
  return false;
}

/** Rebuilds the live object a tagged posted copy stands for; anything else comes back unchanged. */
export type Reviver = (value: unknown) => unknown;

/**
 * A tagged object with a method under this key is replaced, when a pool accepts it as a task
 * argument, by the plain copy that method returns: a pipe end reserves the hold of the copy it
 * sends at once, so closing one's own copy right after `run()` cannot close the pipe before
 * the task is sent.
 */
export const SHARE = Symbol.for('weft.share');

/** `args`, with each top-level argument that has a {@link SHARE} method replaced by its copy (a new array only then). */
export function shareArgs(args: unknown[]): unknown[] {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as { [SHARE]?: () => unknown } | null;
    if (typeof a !== 'object' || a === null || typeof a[SHARE] !== 'function') continue;
    if (out === args) out = args.slice();
    out[i] = a[SHARE]();
  }
  return out;
}
