import { performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';

/** A latency distribution in microseconds. */
export interface Percentiles {
  /** Samples behind the figures (large batches are sampled, not recorded task by task). */
  count: number;
  /** The shortest. */
  min: number;
  /** The average. */
  mean: number;
  /** The median. */
  p50: number;
  /** 90% took at most this long. */
  p90: number;
  /** 99% took at most this long. */
  p99: number;
  /** The longest. */
  max: number;
}

/** A snapshot of a pool, from `pool.stats()`. Times are in microseconds. */
export interface PoolStats {
  /** 'thread', 'process' or 'inline'. */
  backend: string;
  /** 'open'; 'closing' after `close()`; 'terminated'; 'broken' once workers kept failing to start (see `brokenReason`). */
  state: 'open' | 'closing' | 'terminated' | 'broken';
  /** Workers alive. */
  workers: number;
  /** Workers with at least one task. */
  activeWorkers: number;
  /** Workers with none. */
  idleWorkers: number;
  /** Tasks waiting in the pool's queue. */
  queued: number;
  /** Tasks sent to workers but not yet settled. */
  running: number;
  /** Tasks that returned a value. */
  completed: number;
  /** Tasks that failed (threw, timed out, lost their worker…). */
  failed: number;
  /** Tasks cancelled before or while running. */
  cancelled: number;
  /** Time tasks spent running in a worker. */
  runTime: Percentiles;
  /** Time tasks waited in the queue before being sent to a worker. */
  waitTime: Percentiles;
  /** Share of the pool's worker capacity spent running tasks since it started (0..1). */
  utilization: number;
  /** Workers in a row that died or hung before they started (0 once one starts). */
  startFailures: number;
  /** Why the pool is broken, when it is: the message of the `BrokenPoolError` every call now gets. */
  brokenReason: string | undefined;
}

function summarize(h: Histogram): Percentiles {
  if (h.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    count: h.count,
    min: h.min,
    mean: h.mean,
    p50: h.percentile(50),
    p90: h.percentile(90),
    p99: h.percentile(99),
    max: h.max,
  };
}

/** Counters and histograms behind `stats()`. Internal. */
export class StatsRecorder {
  readonly runTime = new Histogram();
  readonly waitTime = new Histogram();
  completed = 0;
  failed = 0;
  cancelled = 0;
  busyMicros = 0;
  readonly startedAt = performance.now();

  /** Adds a task's run time to the busy total, and to the histogram when `sample` is set. */
  recordRun(micros: number, sample: boolean): void {
    if (sample) this.runTime.record(micros);
    this.busyMicros += micros;
  }

  recordWait(since: number, now: number): void {
    this.waitTime.record((now - since) * 1000);
  }

  snapshot(base: Omit<PoolStats, 'runTime' | 'waitTime' | 'utilization' | 'completed' | 'failed' | 'cancelled'>, capacity: number): PoolStats {
    const elapsedMicros = (performance.now() - this.startedAt) * 1000;
    return {
      ...base,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      runTime: summarize(this.runTime),
      waitTime: summarize(this.waitTime),
      utilization: capacity > 0 && elapsedMicros > 0 ? Math.min(1, this.busyMicros / (elapsedMicros * capacity)) : 0,
    };
  }
}
