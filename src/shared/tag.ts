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
