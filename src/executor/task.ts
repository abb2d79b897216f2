import type { Transferable } from './types.js';
import type { Future } from './future.js';

/** Task lifecycle: waiting in the pool's queue, sent to a worker, or settled. */
export const QUEUED = 0;
export const SENT = 1;
export const SETTLED = 2;

/** One accepted call, from submission until it settles exactly once. Internal. */
export class Task {
  state = QUEUED;
  /** Per-worker send order, compared with the worker's started-counter after a crash. */
  seq = 0;
  /** Worker slot the task was sent to. */
  slot: unknown = null;
  timer: NodeJS.Timeout | undefined = undefined;
  future: Future<unknown> | undefined = undefined;
  /** Times re-queued because its worker died before starting it. */
  bounces = 0;
  retriesLeft: number;
  onAbort: (() => void) | undefined = undefined;
  /** Run time reported by the worker, set just before settling. */
  micros = 0;
  /** Where the values of a streaming task go (`pool.stream`). */
  stream: { push(values: ArrayLike<unknown>): void } | undefined = undefined;
  /** The caller's `onProgress`, when it listens. */
  onProgress: ((value: unknown) => void) | undefined = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly args: unknown[],
    readonly mode: number,
    readonly priority: number,
    readonly queuedAt: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    retries: number,
    readonly transfer: readonly Transferable[] | undefined = undefined,
    readonly signal: AbortSignal | undefined = undefined,
    readonly timeout: number | undefined = undefined,
  ) {
    this.retriesLeft = retries;
  }

  /** Needs a worker to itself: its start time and cancellation must be exact. */
  get exclusive(): boolean {
    return this.signal !== undefined || this.timeout !== undefined;
  }
}
