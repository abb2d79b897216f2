/**
 * The safety net under a `RedisPool`'s result list: every second while calls are outstanding,
 * it reads the state of the oldest jobs (a bounded batch, round robin). A job BullMQ failed
 * (it stalled too often) fails its call with `JobFailedError`; a job found missing twice in a
 * row, with no result, fails it with `JobLostError`; and when Redis has been unreachable for
 * longer than `connectTimeout`, every outstanding call fails with `RedisUnavailableError`.
 */
import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import type { Call } from './call.js';
import type { Link } from './connection.js';
import { bounded } from './bounded.js';
import { JobFailedError, JobLostError, RedisUnavailableError } from './errors.js';

/** Milliseconds between sweeps. */
const SWEEP_MS = 1000;
/** A job younger than this is not checked (its result is on its way). */
const MIN_AGE_MS = 2000;
/** Jobs checked per sweep. */
const BATCH = 100;

/** What the sweep needs of its pool. */
export interface SweepHost {
  /** Outstanding calls, oldest first. */
  calls(): Iterable<Call>;
  /** Moves a checked call to the back of the line. */
  touch(call: Call): void;
  fail(call: Call, error: unknown): void;
}

/** The periodic check of outstanding jobs. Internal. */
export class Sweep {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #downSince: number | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly link: Link,
    private readonly connectTimeout: number,
    private readonly where: string,
    private readonly host: SweepHost,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#run(), SWEEP_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#downSince = undefined;
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#check();
    } catch {
      // Redis went away mid-sweep: the next one sees it
    } finally {
      this.#running = false;
    }
  }

  async #check(): Promise<void> {
    const now = performance.now();
    if (this.link.redis.status !== 'ready') {
      this.#downSince ??= now;
      if (now - this.#downSince < this.connectTimeout) return;
      const why = this.link.lastError ? ` (${this.link.lastError.message})` : '';
      const error = new RedisUnavailableError(`lost Redis at ${this.where} for more than ${this.connectTimeout} ms (connectTimeout)${why}; the call's job may still run once Redis is back`);
      for (const call of [...this.host.calls()]) this.host.fail(call, error);
      return;
    }
    this.#downSince = undefined;
    const due: Call[] = [];
    for (const call of this.host.calls()) {
      if (call.added && now - call.addedAt >= MIN_AGE_MS) due.push(call);
      if (due.length === BATCH) break;
    }
    if (due.length === 0) return;
    for (const call of due) this.host.touch(call);
    const reads = new Map<string, Promise<string>>(); // the calls of one pack share a job: one read
    const read = (job: string) => reads.get(job) ?? reads.set(job, this.queue.getJobState(job)).get(job)!;
    const states = await bounded(Promise.all(due.map((c) => read(c.job))), this.connectTimeout);
    for (let i = 0; i < due.length; i++) {
      const call = due[i]!;
      if (call.settled) continue;
      const state = states[i];
      if (state === 'failed') {
        const job = await this.queue.getJob(call.job);
        const reason = job?.failedReason || 'no reason given';
        // Every call the job carries (a pack carries several) fails with it, before the job goes.
        for (const c of [...this.host.calls()]) if (c.job === call.job && !c.settled) this.host.fail(c, new JobFailedError(c.name, c.job, reason));
        await job?.remove().catch(() => {});
      } else if (state === 'unknown') {
        if (++call.missing >= 2) this.host.fail(call, new JobLostError(call.name, call.job));
      } else call.missing = 0;
    }
  }
}
