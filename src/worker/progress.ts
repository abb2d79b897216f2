/**
 * The worker side of `progress()`: at most one progress record per task in flight to the
 * caller; what the task reports meanwhile is coalesced to its latest value, which goes when
 * the caller answers `{ seen }`, or just before the task's result. So a task may report per
 * item: a slow caller receives fewer, later values, never a backlog.
 */

/** Sends one progress record of task `id`. */
export type SendProgress = (id: number, value: unknown) => void;

/** The progress of one running task that someone listens to. Internal. */
export class ProgressReporter {
  #inFlight = false;
  #pending = false;
  #latest: unknown;
  /** A progress value that could not be sent: the task fails with it once it settles. */
  failure: Error | undefined;

  constructor(
    readonly id: number,
    readonly send: SendProgress,
  ) {}

  /** What `progress(value)` calls in the task. */
  readonly report = (value: unknown): void => {
    if (this.#inFlight) {
      this.#latest = value;
      this.#pending = true;
      return;
    }
    this.#inFlight = true;
    this.send(this.id, value);
  };

  /** The caller has handled the record in flight: send the latest value reported since, if any. */
  seen(): void {
    this.#inFlight = false;
    if (this.#pending) this.report(this.#take());
  }

  /** The task settles: the latest value not yet sent goes just before its result. */
  drain(): void {
    if (this.#pending) this.send(this.id, this.#take());
  }

  #take(): unknown {
    const value = this.#latest;
    this.#pending = false;
    this.#latest = undefined;
    return value;
  }
}
