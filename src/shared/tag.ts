/**
 * The mark a shared-memory primitive keeps through structured cloning: an own `__weft` field
 * naming its class. Kept apart from revive.ts (which loads every primitive) so the pool and
 * the worker runtime can test for it without loading src/shared.
 */
export function isSharedTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { __weft?: unknown }).__weft === 'string';
}
