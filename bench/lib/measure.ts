// Generic measurement helpers for weft's benchmarks: clocks, statistics, repeated rounds,
// and resident-set-size sampling. Nothing here knows about pools.

import { performance } from 'node:perf_hooks';

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Nanoseconds from a monotonic clock, as a bigint (for per-sample latency). */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Runs `fn` once and returns the elapsed wall time in ms. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = now();
  await fn();
  return now() - start;
}

/** Sorted copy, ascending. */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Median of `values` (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The `p`-th percentile (0..100) of `values`, nearest-rank on the sorted samples.
 * Pass `isSorted` to skip the sort when the caller already sorted them.
 */
export function percentile(values: readonly number[], p: number, isSorted = false): number {
  if (values.length === 0) return Number.NaN;
  const s = isSorted ? values : sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Runs `fn` `count` times in sequence and returns each result (e.g. one rate per round). */
export async function rounds<T>(count: number, fn: (round: number) => Promise<T> | T): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await fn(i));
  return out;
}

/** Events per second given a count and a duration in ms. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY;
}

export const MB = 1024 * 1024;

/** Current resident set size of this process (all threads), in MB. */
export function rssMB(): number {
  return process.memoryUsage.rss() / MB;
}

/** The kernel's high-water mark of this process's RSS so far, in MB (`resourceUsage().maxRSS` is in KiB). */
export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Gives the event loop a turn (lets timers such as the RSS sampler run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `global.gc` when the process was started with --expose-gc; returns whether it did. */
export function tryGc(): boolean {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc === 'function') {
    (gc as () => void)();
    return true;
  }
  return false;
}

/**
 * Samples RSS on an interval and keeps the peak. The interval only fires when the main
 * thread yields, so `peakMB()` also folds in `resourceUsage().maxRSS`, the kernel's own
 * high-water mark (which covers the whole process lifetime: measure in a fresh process).
 */
export class RssSampler {
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;
  #samples = 0;

  constructor(readonly intervalMs = 5) {}

  start(): this {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
    return this;
  }

  sample(): number {
    const mb = rssMB();
    this.#samples++;
    if (mb > this.#peak) this.#peak = mb;
    return mb;
  }

  stop(): this {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return this;
  }

  /** Peak RSS in MB seen by the interval sampling alone. */
  sampledPeakMB(): number {
    return this.#peak;
  }

  /** Peak RSS in MB: the larger of the sampled peak and the kernel's maxRSS. */
  peakMB(): number {
    return Math.max(this.#peak, maxRssMB());
  }

  get samples(): number {
    return this.#samples;
  }
}
