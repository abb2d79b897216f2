import { PipeEnd } from './pipe.js';
import { Queue } from './queue.js';

/**
 * Turns posted copies of a `Queue` or `PipeEnd` among task arguments back into live handles (top level only, in place).
 * weft's worker runtime does this for every task, in threads and child processes alike; call it
 * (or `Queue.from`, `PipeEnd.from`) yourself on values received through raw `postMessage`.
 */
export function reviveEnds(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) {
    const v = args[i] as { __weftIpc?: unknown } | null;
    if (typeof v !== 'object' || v === null) continue;
    if (v.__weftIpc === 'Queue' && !(v instanceof Queue)) args[i] = Queue.from(v as unknown as Queue);
    else if (v.__weftIpc === 'PipeEnd' && !(v instanceof PipeEnd)) args[i] = PipeEnd.from(v as unknown as PipeEnd);
  }
  return args;
}
