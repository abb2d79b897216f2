/** The queue-wide figures a `RedisPool`'s `stats()` shows: job counts and workers, read from Redis in the background. */
import type { Queue } from 'bullmq';
import type { PoolStats } from '../executor/stats.js';
import type { Link } from './connection.js';

/** Job counts of a whole queue (every producer); `at` is when they were read (0: not yet). */
export interface JobCounts {
  waiting: number;
  prioritized: number;
  delayed: number;
  active: number;
  failed: number;
  at: number;
}

/** `stats()` of a `RedisPool`: the pool's figures, with the queue's job counts as last read from Redis. */
export interface RedisPoolStats extends PoolStats {
  /** Calls of this pool not yet settled. */
  outstanding: number;
  /** Job counts of the whole queue (every producer), refreshed in the background. */
  jobs: JobCounts;
}

/** The last figures read, and the reading. Internal. */
export class QueueFigures {
  jobs: JobCounts = { waiting: 0, prioritized: 0, delayed: 0, active: 0, failed: 0, at: 0 };
  workers = 0;
  #reading = false;
  #last = 0;

  constructor(
    private readonly queue: Queue,
    private readonly link: Link,
  ) {}

  /** Reads the job counts now. */
  async read(): Promise<JobCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
    this.jobs = {
      waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0, failed: counts.failed ?? 0, at: Date.now(),
    };
    return this.jobs;
  }

  /** Starts a refresh of counts and workers unless one ran in the last quarter second, runs, or Redis is away; the figures change when it ends. */
  refresh(): void {
    const now = Date.now();
    if (this.#reading || now - this.#last < 250 || this.link.redis.status !== 'ready') return;
    this.#reading = true;
    this.#last = now;
    void (async () => {
      try {
        await this.read();
        this.workers = await this.queue.getWorkersCount();
      } catch {
        // keep the last figures
      } finally {
        this.#reading = false;
      }
    })();
  }
}
