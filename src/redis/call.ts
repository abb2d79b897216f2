/** One call of a `RedisPool`, from `submit` until it settles. */
import { performance } from 'node:perf_hooks';
import type { JobData } from './wire.js';

/** A call waiting for its job's result. Internal. */
export class Call {
  /** Set once the job is stored in Redis. */
  added = false;
  /** Settled here: later results for it are dropped. */
  settled = false;
  /** Sweeps in a row that found no job and no result. */
  missing = 0;
  /** When the job was added (ms, performance clock), for the sweep. */
  addedAt = 0;
  /** Same-producer calls on the same caller-chosen id: they settle with this one. */
  followers: Call[] | undefined;
  /** The listener on the caller's signal. */
  onAbort: (() => void) | undefined;
  /** Told the run time a worker reports, before the call settles (map chunks use it). */
  onMicros: ((micros: number) => void) | undefined;
  readonly acceptedAt = performance.now();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly data: JobData,
    readonly priority: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** BullMQ's priorities run 1 (first) to 2^21; weft's higher number runs first, 0 in the middle. */
export function bullPriority(priority: number): number {
  return Math.min(2 ** 21, Math.max(1, 2 ** 20 - Math.round(priority)));
}
