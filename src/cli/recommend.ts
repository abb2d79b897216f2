/**
 * From measured figures to advice, as pure functions: `classify` turns a probe into a
 * prediction (the speedup bounded by the cores actually free once V8's own threads have taken
 * theirs), and `settle` turns the runs of `--verify` into the recommendation, which is never a
 * model the verification measured slower than another.
 */
import type { RunResult } from './measure.js';
import { round } from './numbers.js';
import type { ModelName } from './models.js';
import { shortLabel } from './summary.js';

/** What the probe measured, per call (medians over `calls`). */
export interface Probe {
  /** Calls run before measuring, until the per-call time stopped falling (JIT warm-up). */
  warmupCalls: number;
  /** Calls measured. */
  calls: number;
  /** Median wall milliseconds per call. */
  wallMs: number;
  /** Median milliseconds per call the task's thread was ready to run but waited for a core (other programs, or V8's own threads, had them). */
  queuedMs: number;
  /** Median CPU milliseconds per call of the thread running the task. */
  cpuMs: number;
  /** cpuMs over the wall time less queuedMs, 0..1: near 1 computes, near 0 waits (waiting for a core does not count). */
  cpuRatio: number;
  /** Median CPU milliseconds per call of the whole process: V8's garbage collector and optimizing compiler threads included. */
  processCpuMs: number;
  /** processCpuMs over the wall time less queuedMs: cores the process keeps busy calling the task one after another. */
  processCores: number;
  /** Longest stretch the task kept the event loop from running anything else, ms. */
  loopBlockMaxMs: number;
  /** Bytes of the arguments and of the result once serialized (what a worker receives and sends back). */
  argsBytes: number;
  resultBytes: number;
  /** Microseconds to copy the arguments and the result across a thread (structuredClone). */
  argsCloneMicros: number;
  resultCloneMicros: number;
  /** Whether arguments and result can cross a thread or process boundary at all; if not, why. */
  crossable: boolean;
  crossError: string | null;
}

/** How a task behaves. */
export type Classification = 'cpu-bound' | 'io-bound' | 'mixed' | 'too small to parallelize';

/** A model and pool shape, with the speedup expected (or, once verified, measured). */
export interface Recommendation {
  /** sequential, async, thread or process. */
  model: ModelName;
  /** Pool size (workers). */
  size: number;
  /** Tasks each worker runs at once (`concurrentTasksPerWorker`). */
  perWorker: number;
  /** Throughput over calling the task one after another in the main thread. */
  expectedSpeedup: number;
}

/** Above this many cores busy during sequential calls, V8's own threads are said to limit the gain. */
export const V8_BUSY_CORES = 1.3;

/**
 * The most `concurrency` streams of calls can gain over one on `cores` cores when one stream
 * keeps `streamCores` of them busy (its own thread plus V8's background threads): each extra
 * stream needs that much again, and only what is free is there to take.
 */
export function cpuBound(concurrency: number, streamCores: number, cores: number): number {
  const need = Math.max(streamCores, 1e-3);
  return Math.min(concurrency * need, cores) / Math.min(need, cores);
}

/** The sentence saying that V8's own threads limit the gain, or undefined when they do not (`busyCores` ≤ {@link V8_BUSY_CORES}). */
export function v8Note(busyCores: number, cores: number, workers: number): string | undefined {
  if (busyCores <= V8_BUSY_CORES) return undefined;
  const room = round(cpuBound(workers, busyCores, cores), 2);
  return `V8's own threads (concurrent garbage collection, the optimizing compiler) keep the CPU busy beside the task: one call at a time used ${round(busyCores, 2)} cores, so ${cores} cores leave room for about ${room}× with ${workers} workers, not ${Math.min(workers, cores)}× (allocating less per call helps more than adding workers)`;
}

/** Classifies a probed task and predicts the best model, pool shape and speedup, with reasons. */
export function classify(p: Probe, cores: number): { classification: Classification; recommendation: Recommendation; reasons: string[] } {
  const reasons: string[] = [];
  const handoffMs = 0.05 + (p.argsCloneMicros + p.resultCloneMicros) / 1000;
  const pct = Math.round(p.cpuRatio * 100);
  const queued = p.queuedMs >= 0.1 * p.wallMs ? `, not counting ${p.queuedMs} ms waiting for a core` : '';
  reasons.push(`each call takes ${p.wallMs} ms, ${pct}% of it on the CPU of the thread running it (${p.cpuMs} ms${queued}); the whole process used ${p.processCpuMs} ms of CPU per call (${round(p.processCores, 2)} cores)`);
  if (p.queuedMs >= 0.2 * p.wallMs) {
    reasons.push(`the machine is busy: for ${Math.round((p.queuedMs / p.wallMs) * 100)}% of each call the task's thread was ready to run but had no core, so measured speedups will be lower and noisier than on an idle machine`);
  }
  if (!p.crossable) reasons.push(`its arguments or result cannot be copied to another thread (${p.crossError}): only AsyncPool can run it`);
  if (p.loopBlockMaxMs >= 20) {
    reasons.push(`it blocks the event loop for up to ${p.loopBlockMaxMs} ms at a time: on the main thread every other callback (timers, sockets) waits that long, so keep it off the main thread`);
  }
  if (p.wallMs < 0.1 || handoffMs >= 0.5 * p.wallMs) {
    reasons.push(`handing it to a worker costs about ${round(handoffMs, 3)} ms (round trip plus copying ${p.argsBytes + p.resultBytes} bytes), as much as the task itself: batch many items per task (pool.map with chunkSize) or call it directly`);
    return { classification: 'too small to parallelize', recommendation: { model: 'sequential', size: 1, perWorker: 1, expectedSpeedup: 1 }, reasons };
  }
  const efficiency = p.wallMs / (p.wallMs + handoffMs);
  const streamCores = Math.max(p.processCores, p.cpuRatio);
  // How much of a call computes. The task's thread also stops while it waits for V8's own
  // threads (a garbage collection finishing), which on a busy machine wait for a core: the
  // whole process's CPU says whether the call really waited on something outside.
  const computes = Math.min(1, streamCores);
  if (!p.crossable || computes <= 0.25) {
    const size = Math.min(256, Math.max(4, Math.floor(p.wallMs / Math.max(p.cpuMs, 0.01))));
    // one event loop: bounded by its own thread, and by the cores the whole process may take
    const expected = round(Math.min(size, p.wallMs / Math.max(p.cpuMs, 0.01), cpuBound(size, streamCores, cores)), 1);
    reasons.push(`it mostly waits, so one event loop can keep about ${size} calls in flight before its CPU share fills one core; AsyncPool does that without threads, copies or start-up cost (if the service it waits on keeps up)`);
    return { classification: p.crossable ? 'io-bound' : 'mixed', recommendation: { model: 'async', size, perWorker: 1, expectedSpeedup: expected }, reasons };
  }
  if (computes >= 0.75) {
    reasons.push(
      cores > 1
        ? `it computes, and worker threads run JavaScript truly in parallel (no GIL): ${cores} workers, one per core; use ProcessPool instead if the task may crash or leak and must be isolated`
        : 'it computes, and this machine has one core: a pool will not speed it up, but a ThreadPool of 1 keeps the main thread responsive',
    );
    const note = v8Note(p.processCores, cores, cores);
    if (note) reasons.push(note);
    const expected = round(cpuBound(cores, streamCores, cores) * efficiency, 1);
    return { classification: 'cpu-bound', recommendation: { model: 'thread', size: cores, perWorker: 1, expectedSpeedup: expected }, reasons };
  }
  const perWorker = Math.max(1, Math.ceil(1 / computes));
  reasons.push(`it both computes and waits: ${cores} worker thread(s) with ${perWorker} calls in flight each overlap the waits and use every core`);
  const note = v8Note(p.processCores, cores, cores);
  if (note) reasons.push(note);
  const expected = round(Math.min(cores * perWorker, cpuBound(cores * perWorker, streamCores, cores)) * efficiency, 1);
  return { classification: 'mixed', recommendation: { model: 'thread', size: cores, perWorker, expectedSpeedup: expected }, reasons };
}

/** Cores a run kept busy: its CPU time (every thread, child processes included) over its wall time. */
export function busyCores(run: RunResult): number {
  return run.wallMs > 0 ? run.cpuMs / run.wallMs : 0;
}

/** How a recommendation is shown, e.g. "ThreadPool { size: 2 }" or "call it directly (no pool)". */
export function shapeLabel(r: Recommendation): string {
  if (r.model === 'sequential') return 'call it directly (no pool)';
  return `${shortLabel(r.model)} { size: ${r.size}${r.perWorker > 1 ? `, concurrentTasksPerWorker: ${r.perWorker}` : ''} }`;
}

/**
 * The recommendation once `--verify` has measured `runs` (sequential first): the run with the
 * highest throughput, so a model measured slower than another, sequential calls included, is
 * never recommended. `blocksLoop`: the task holds the event loop long enough that a server
 * would rather keep it off the main thread even without a speedup.
 */
export function settle(prediction: Recommendation, runs: RunResult[], cores: number, blocksLoop: boolean): { recommendation: Recommendation; reasons: string[] } {
  const reasons: string[] = [];
  if (runs.length === 0) return { recommendation: prediction, reasons };
  const best = runs.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  const predicted = runs.find((r) => r.model === prediction.model);
  const recommendation: Recommendation = best.model === 'sequential'
    ? { model: 'sequential', size: 1, perWorker: 1, expectedSpeedup: best.speedup }
    : { model: best.model, size: best.workers, perWorker: best.perWorker, expectedSpeedup: best.speedup };
  if (predicted === best) {
    reasons.push(`the verification measured it the fastest: ${best.speedup}× over sequential calls`);
  } else {
    const others = new Map<ModelName, number>();
    for (const r of runs) if (r.model !== best.model) others.set(r.model, Math.max(others.get(r.model) ?? 0, r.speedup));
    const slower = [...others].map(([m, x]) => `${m === 'sequential' ? 'sequential' : shortLabel(m)} ${x}×`).join(', ');
    reasons.push(`the verification measured ${best.model === 'sequential' ? 'sequential calls' : `${shortLabel(best.model)} with ${best.level} in flight`} the fastest (${best.speedup}×; ${slower}), so that is the recommendation instead of the prediction`);
    if (best.model === 'sequential') {
      reasons.push(
        blocksLoop
          ? 'no pool paid for its hand-off here; if the main thread must stay responsive (a server), a ThreadPool { size: 1 } keeps it free, without a speedup'
          : 'no pool paid for its hand-off here',
      );
    }
  }
  const sequential = runs.find((r) => r.model === 'sequential');
  const pooled = predicted && (predicted.model === 'thread' || predicted.model === 'process') ? predicted : undefined;
  if (pooled && sequential && busyCores(sequential) >= 0.8 && busyCores(pooled) < 0.7 * Math.min(pooled.workers, cores)) {
    reasons.push(`${shortLabel(pooled.model)} kept only ${round(busyCores(pooled), 2)} cores busy with ${pooled.workers} workers: other programs probably had the rest, so run again on an idle machine to see what it gains`);
  }
  const note = sequential && cores > 1 ? v8Note(busyCores(sequential), cores, cores) : undefined;
  if (note) reasons.push(`measured: ${note}`);
  return { recommendation, reasons };
}
