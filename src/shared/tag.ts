/**
 * The marks weft's cross-boundary objects keep through structured cloning: an own `__weft`
 * field naming a shared-memory primitive's class, or `__weftIpc` naming a process Queue or
 * PipeEnd. Kept apart from the revivers (which load every class) so the pool and the worker
 * runtime can test for them without loading src/shared or src/process.
 */
export function isSharedTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { __weft?: unknown }).__weft === 'string';
}

/** True for a posted copy of a weft Queue or PipeEnd (see src/process/revive.ts). */
export function isIpcTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { __weftIpc?: unknown }).__weftIpc === 'string';
}
