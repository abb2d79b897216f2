/**
 * The worker's side of progress on Redis: what a task reports with `progress()` reaches the
 * `RedisWorker` from its local pool (coalesced there already), and goes on two ways. To the
 * caller, as records on its result list: at most one push in flight per task, what the task
 * reports meanwhile coalesced to its latest value, which goes once the push is done or just
 * before the result (so the last value always arrives, in order, before the call settles).
 * And to BullMQ, as the job's progress (`job.updateProgress`, at most every
 * {@link BULL_PROGRESS_MS} ms, the latest value last), so BullMQ's own tools see it.
 */
import type { Job } from 'bullmq';
import { DataCloneError } from '../errors.js';

/** Milliseconds between two updates of a job's progress in BullMQ. */
export const BULL_PROGRESS_MS = 250;

/** Pushes one progress record to the caller (rejects when it could not). Throws for a value that cannot be serialized. */
export type PushProgress = (value: unknown) => Promise<unknown>;

/** The progress of one job a caller listens to. Internal. */
export class ProgressRelay {
  #inFlight = false;
  #pending = false;
  #latest: unknown;
  #done = false;
  #bullTimer: NodeJS.Timeout | undefined;
  #bullPending = false;
  #bullLatest: unknown;
  /** A value that could not be serialized: the task fails with it once it settles. */
  failure: DataCloneError | undefined;

  constructor(
    private readonly job: Job,
    private readonly push: PushProgress,
  ) {}

  /** What the local pool's `onProgress` calls. */
  readonly report = (value: unknown): void => {
    if (this.#done || this.failure) return;
    this.#toBull(value);
    if (this.#inFlight) {
      this.#latest = value;
      this.#pending = true;
      return;
    }
    this.#send(value);
  };

  /** The task settled: the latest value not yet pushed goes now, before the result. Idempotent. */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#bullTimer);
    if (this.#pending) this.#send(this.#take());
  }

  #send(value: unknown): void {
    let pushed: Promise<unknown>;
    try {
      pushed = this.push(value);
    } catch (error) {
      this.failure = new DataCloneError(`a progress value of task '${this.job.name}' cannot be serialized to Redis (${(error as Error)?.message ?? String(error)}); report plain data`, error);
      return;
    }
    this.#inFlight = true;
    pushed.then(
      () => this.#sent(),
      () => this.#sent(), // Redis is gone: the result's own push tells
    );
  }

  #sent(): void {
    this.#inFlight = false;
    if (this.#pending && !this.#done) this.#send(this.#take());
  }

  #take(): unknown {
    const value = this.#latest;
    this.#pending = false;
    this.#latest = undefined;
    return value;
  }

  /** Leading and trailing throttle of BullMQ's progress (it stores JSON: a value JSON cannot carry is skipped). */
  #toBull(value: unknown): void {
    if (this.#bullTimer) {
      this.#bullLatest = value;
      this.#bullPending = true;
      return;
    }
    this.job.updateProgress(value as object).catch(() => {});
    this.#bullTimer = setTimeout(() => {
      this.#bullTimer = undefined;
      if (!this.#bullPending || this.#done) return;
      this.#bullPending = false;
      this.#toBull(this.#bullLatest);
    }, BULL_PROGRESS_MS);
    this.#bullTimer.unref();
  }
}
