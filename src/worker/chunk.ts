/** A map chunk inside a worker: the task called once per item, its results collected (numbers packed). */
import { isThenable } from '../thenable.js';
import { encodeThrow } from './error-codec.js';
import { ChunkError, FLAG_SPREAD, PACK_MIN, STATUS_CHUNK_ERROR, STATUS_ERROR } from './protocol.js';

type TaskFn = (...args: unknown[]) => unknown;

/**
 * Calls `fn` on every item of a chunk (spreading each, for `starmap`): the results, a moved
 * Float64Array of them when all are numbers (its buffer pushed on `transfer`), a promise of
 * them when some await, or a {@link ChunkError} at the first item that threw.
 */
export function callChunk(fn: TaskFn, mode: number, args: unknown[], transfer: ArrayBuffer[]): unknown {
  const results: unknown[] = []; // packed, not new Array(n): a holey array is cloned as a sparse one, slowly
  const spread = (mode & FLAG_SPREAD) !== 0;
  let numbers = args.length >= PACK_MIN;
  let pending = false;
  for (let i = 0; i < args.length; i++) {
    try {
      const r = spread ? fn(...(args[i] as unknown[])) : fn(args[i]);
      if (typeof r !== 'number') {
        numbers = false;
        if (isThenable(r)) pending = true;
      }
      results.push(r);
    } catch (error) {
      if (!pending) return new ChunkError(results, error);
      results.push(Promise.reject(error));
      break;
    }
  }
  if (pending) return settleChunk(results);
  if (!numbers) return results;
  const packed = new Float64Array(results as number[]);
  transfer.push(packed.buffer);
  return packed;
}

async function settleChunk(results: unknown[]): Promise<unknown> {
  for (let i = 0; i < results.length; i++) {
    try {
      results[i] = await results[i];
    } catch (error) {
      throw new ChunkError(results.slice(0, i), error);
    }
  }
  return results;
}

/** The status and wire value of what an async task (or chunk) rejected with. */
export function failure(error: unknown): [number, unknown] {
  if (error instanceof ChunkError) return [STATUS_CHUNK_ERROR, [error.done, encodeThrow(error.error)]];
  return [STATUS_ERROR, encodeThrow(error)];
}
