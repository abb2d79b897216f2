/**
 * Warming a runner to a steady per-call time before it is measured. A fresh worker compiles
 * the task module and its dependencies from scratch, and V8 keeps optimizing hot code for many
 * calls (minifying 30 KB with terser takes 30 calls or more to settle, at a sixth of the first
 * call's time); measuring it early compares a cold worker with a main thread the probe has
 * already warmed up. The per-call time watched is CPU time: on a busy machine the wall time
 * also counts the waits for a free core, which hide the trend.
 */
import { performance } from 'node:perf_hooks';
import { median } from './numbers.js';
import { cpuMicrosNow } from './proc.js';

/** Bounds of a warm-up. */
export interface WarmupLimits {
  /** Rounds per median compared (default 8). */
  window: number;
  /** Milliseconds of rounds at least, however steady they look (default 0). */
  minMs: number;
  /** Rounds at most (default 100). */
  maxRounds: number;
  /** Milliseconds at most, checked between rounds (default 12 000). */
  maxMs: number;
  /** How much faster than the best earlier window the last may be and still count as not faster, 0..1 (default 0.02). */
  tolerance: number;
}

/** The limits every warm-up uses unless told otherwise. */
export const WARMUP_LIMITS: WarmupLimits = { window: 8, minMs: 0, maxRounds: 100, maxMs: 12_000, tolerance: 0.02 };

/**
 * True once the per-round time has stopped falling: the median of the last `window` rounds is
 * no lower (less `tolerance`) than the lowest median of any `window` consecutive rounds before
 * them. Noise alone soon leaves the last window above the best earlier one; a slow, steady
 * improvement (V8 still optimizing) keeps it below.
 */
export function isSteady(times: readonly number[], window = WARMUP_LIMITS.window, tolerance = WARMUP_LIMITS.tolerance): boolean {
  if (times.length < 2 * window) return false;
  const last = median(times.slice(-window));
  let best = Infinity;
  for (let end = window; end <= times.length - window; end++) best = Math.min(best, median(times.slice(end - window, end)));
  return last >= best * (1 - tolerance);
}

/**
 * Runs `round` (one call on each worker) until its CPU time is steady or a limit is reached;
 * returns the CPU milliseconds of each round. `cpuMicros` is the clock to read: this process
 * (every thread), plus its child processes for a ProcessPool.
 */
export async function warmUntilSteady(
  round: () => Promise<unknown>,
  limits: Partial<WarmupLimits> = {},
  cpuMicros: () => number = () => cpuMicrosNow([]),
): Promise<number[]> {
  const l = { ...WARMUP_LIMITS, ...limits };
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < l.maxRounds || performance.now() - t0 < l.minMs) {
    const c = cpuMicros();
    await round();
    times.push((cpuMicros() - c) / 1000);
    const elapsed = performance.now() - t0;
    if ((elapsed >= l.minMs && isSteady(times, l.window, l.tolerance)) || elapsed >= l.maxMs) break;
  }
  return times;
}
