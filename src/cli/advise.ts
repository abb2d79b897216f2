/**
 * `weft advise`: probes a task in this thread (CPU vs wall time, event-loop blocking, the cost
 * of its data crossing a thread), classifies it and recommends a model and pool size;
 * `--verify` confirms with a short bench.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import type { Command } from './args.js';
import { describe } from './errors.js';
import { measureRun, median, round, TaskFailedError, type RunResult } from './measure.js';
import type { ModelName } from './models.js';
import { CORES, type Workload } from './plan.js';
import { createProgress, wantsBar } from './progress.js';
import { addSpeedups, shortLabel } from './summary.js';
import { table } from './table.js';
import { loadUserTask } from './user-module.js';

type AdviseCommand = Extract<Command, { kind: 'advise' }>;

/** What the probe measured, per call (medians over `calls`). */
export interface Probe {
  /** Calls measured (after one warm-up call). */
  calls: number;
  /** Median wall milliseconds per call. */
  wallMs: number;
  /** Median CPU milliseconds per call (this thread). */
  cpuMs: number;
  /** cpuMs / wallMs, 0..1: near 1 computes, near 0 waits. */
  cpuRatio: number;
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

/** The model and pool shape `weft advise` recommends. */
export interface Recommendation {
  /** sequential, async, thread or process. */
  model: ModelName;
  /** Pool size (workers). */
  size: number;
  /** Tasks each worker runs at once (`concurrentTasksPerWorker`). */
  perWorker: number;
  /** Expected throughput over calling the task one after another in the main thread. */
  expectedSpeedup: number;
}

/** What `weft advise --json` prints. */
export interface AdviseResult {
  module: string;
  task: string;
  args: unknown[];
  cores: number;
  probe: Probe;
  classification: Classification;
  recommendation: Recommendation;
  /** Sentences explaining the classification and the recommendation. */
  reasons: string[];
  /** With --verify: the short bench's runs, sequential first, and the speedup it measured; otherwise null. */
  verify: { runs: RunResult[]; measuredSpeedup: number } | null;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function cloneCost(value: unknown): { bytes: number; micros: number } {
  const bytes = serialize(value).byteLength;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    structuredClone(value);
    times.push((performance.now() - t) * 1000);
  }
  return { bytes, micros: round(median(times), 1) };
}

/** Calls the task at least 5 times and for at least 300 ms (at most 50 calls or about 3 s). */
export async function probeTask(fn: (...args: unknown[]) => unknown, args: unknown[], task: string): Promise<Probe> {
  let result: unknown;
  const call = async (): Promise<unknown> => {
    try {
      return await fn(...args);
    } catch (e) {
      throw new TaskFailedError(task, 'sequential', e);
    }
  };
  result = await call();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const walls: number[] = [];
  const cpus: number[] = [];
  let syncMax = 0;
  loop.enable();
  await yieldToLoop();
  loop.reset();
  const t0 = performance.now();
  while (walls.length < 50) {
    const elapsed = performance.now() - t0;
    if (walls.length >= 5 && elapsed >= 300) break;
    if (walls.length >= 3 && elapsed >= 3000) break;
    await yieldToLoop();
    const c = process.cpuUsage();
    const t = performance.now();
    const pending = call();
    syncMax = Math.max(syncMax, performance.now() - t); // the part that ran before the task's first await
    result = await pending;
    walls.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpus.push((used.user + used.system) / 1000);
  }
  await yieldToLoop();
  loop.disable();
  const wallMs = median(walls);
  const cpuMs = Math.min(median(cpus), wallMs);
  let crossError: string | null = null;
  let a = { bytes: 0, micros: 0 };
  let r = { bytes: 0, micros: 0 };
  try {
    a = cloneCost(args);
    r = cloneCost(result);
  } catch (e) {
    crossError = describe(e);
  }
  return {
    calls: walls.length, wallMs: round(wallMs, 3), cpuMs: round(cpuMs, 3), cpuRatio: round(wallMs > 0 ? cpuMs / wallMs : 1, 3),
    loopBlockMaxMs: round(Math.max(syncMax, loop.max / 1e6 - 5), 2), argsBytes: a.bytes, resultBytes: r.bytes,
    argsCloneMicros: a.micros, resultCloneMicros: r.micros, crossable: crossError === null, crossError,
  };
}

/** Classifies a probed task and recommends a model, a pool shape and the speedup to expect, with reasons. */
export function classify(p: Probe, cores: number): { classification: Classification; recommendation: Recommendation; reasons: string[] } {
  const reasons: string[] = [];
  const handoffMs = 0.05 + (p.argsCloneMicros + p.resultCloneMicros) / 1000;
  const pct = Math.round(p.cpuRatio * 100);
  reasons.push(`each call takes ${p.wallMs} ms, ${pct}% of it on the CPU (${p.cpuMs} ms)`);
  if (!p.crossable) reasons.push(`its arguments or result cannot be copied to another thread (${p.crossError}): only AsyncPool can run it`);
  if (p.loopBlockMaxMs >= 20) {
    reasons.push(`it blocks the event loop for up to ${p.loopBlockMaxMs} ms at a time: on the main thread every other callback (timers, sockets) waits that long, so keep it off the main thread`);
  }
  if (p.wallMs < 0.1 || handoffMs >= 0.5 * p.wallMs) {
    reasons.push(`handing it to a worker costs about ${round(handoffMs, 3)} ms (round trip plus copying ${p.argsBytes + p.resultBytes} bytes), as much as the task itself: batch many items per task (pool.map with chunkSize) or call it directly`);
    return { classification: 'too small to parallelize', recommendation: { model: 'sequential', size: 1, perWorker: 1, expectedSpeedup: 1 }, reasons };
  }
  const efficiency = p.wallMs / (p.wallMs + handoffMs);
  if (!p.crossable || p.cpuRatio <= 0.25) {
    const size = Math.min(256, Math.max(4, Math.floor(p.wallMs / Math.max(p.cpuMs, 0.01))));
    const expected = round(Math.min(size, p.wallMs / Math.max(p.cpuMs, 0.01)), 1);
    reasons.push(`it mostly waits, so one event loop can keep about ${size} calls in flight before its CPU share fills one core; AsyncPool does that without threads, copies or start-up cost (if the service it waits on keeps up)`);
    return { classification: p.crossable ? 'io-bound' : 'mixed', recommendation: { model: 'async', size, perWorker: 1, expectedSpeedup: expected }, reasons };
  }
  if (p.cpuRatio >= 0.75) {
    reasons.push(
      cores > 1
        ? `it computes, and worker threads run JavaScript truly in parallel (no GIL): ${cores} workers, one per core; use ProcessPool instead if the task may crash or leak and must be isolated`
        : 'it computes, and this machine has one core: a pool will not speed it up, but a ThreadPool of 1 keeps the main thread responsive',
    );
    return { classification: 'cpu-bound', recommendation: { model: 'thread', size: cores, perWorker: 1, expectedSpeedup: round(cores * efficiency, 1) }, reasons };
  }
  const perWorker = Math.max(1, Math.ceil(1 / p.cpuRatio));
  reasons.push(`it both computes and waits: ${cores} worker thread(s) with ${perWorker} calls in flight each overlap the waits and use every core`);
  const expected = round(Math.min(cores * perWorker, cores / p.cpuRatio) * efficiency, 1);
  return { classification: 'mixed', recommendation: { model: 'thread', size: cores, perWorker, expectedSpeedup: expected }, reasons };
}

async function verify(workload: Workload, rec: Recommendation, json: boolean): Promise<{ runs: RunResult[]; measuredSpeedup: number }> {
  const level = rec.size * rec.perWorker;
  const plan: [ModelName, number][] = [['sequential', 1]];
  if (rec.model !== 'sequential') plan.push([rec.model, level]);
  const other: ModelName = rec.model === 'async' ? 'thread' : 'async';
  if (rec.model !== 'sequential') plan.push([other, level]);
  const progress = createProgress(json ? 'plain' : wantsBar() ? 'live' : 'plain');
  const phase = progress.phase('verify', plan.length * workload.tasks);
  const runs: RunResult[] = [];
  try {
    for (const [model, l] of plan) {
      phase.note(`${model} ×${l}`);
      runs.push(await measureRun({ ...workload, levels: [l] }, model, l, () => phase.tick()));
    }
  } finally {
    phase.end();
  }
  const w = { name: 'custom', description: '', task: workload.task, args: workload.args, tasks: workload.tasks, runs };
  addSpeedups(w);
  return { runs, measuredSpeedup: runs[1]?.speedup ?? 1 };
}

/** Runs `weft advise`. */
export async function adviseCommand(cmd: AdviseCommand): Promise<void> {
  const user = await loadUserTask(cmd.module, cmd.task);
  const probe = await probeTask(user.fn, cmd.args, cmd.task);
  const { classification, recommendation, reasons } = classify(probe, CORES);
  let checked: AdviseResult['verify'] = null;
  if (cmd.verify) {
    const tasks = Math.min(256, Math.max(2 * recommendation.size * recommendation.perWorker, Math.round(1000 / Math.max(probe.wallMs, 0.01))));
    const workload: Workload = { name: 'verify', description: '', moduleUrl: user.moduleUrl, task: cmd.task, args: cmd.args, tasks, levels: [] };
    checked = await verify(workload, recommendation, cmd.json);
  }
  const result: AdviseResult = { module: cmd.module, task: cmd.task, args: cmd.args, cores: CORES, probe, classification, recommendation, reasons, verify: checked };
  process.stdout.write(cmd.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderAdvice(result)}\n`);
}

function renderAdvice(r: AdviseResult): string {
  const p = r.probe;
  const rec = r.recommendation;
  const shape = rec.model === 'sequential' ? 'call it directly (no pool)' : `${shortLabel(rec.model)} { size: ${rec.size}${rec.perWorker > 1 ? `, concurrentTasksPerWorker: ${rec.perWorker}` : ''} }`;
  const out = [
    `weft advise: ${r.task}(${r.args.map((a) => JSON.stringify(a)).join(', ')}) from ${r.module}, ${p.calls} calls probed, ${r.cores} cores`,
    table(['measure', 'value'], [
      ['wall time per call', `${p.wallMs} ms`],
      ['CPU time per call', `${p.cpuMs} ms (${Math.round(p.cpuRatio * 100)}%)`],
      ['longest event-loop block', `${p.loopBlockMaxMs} ms`],
      ['arguments / result size', `${p.argsBytes} / ${p.resultBytes} bytes`],
      ['copy across a thread', p.crossable ? `${p.argsCloneMicros} + ${p.resultCloneMicros} µs` : `impossible: ${p.crossError}`],
    ]),
    '',
    `classification: ${r.classification}`,
    `recommendation: ${shape}, expected speedup about ${rec.expectedSpeedup}× over sequential calls`,
    ...r.reasons.map((x) => `  - ${x}`),
  ];
  if (r.verify) {
    out.push('', 'verify (short bench):');
    out.push(table(['model', 'in flight', 'tasks/s', 'speedup'], r.verify.runs.map((x) => [shortLabel(x.model), x.level, x.throughput, `${x.speedup}×`])));
    out.push(`measured speedup of the recommendation: ${r.verify.measuredSpeedup}× (expected about ${rec.expectedSpeedup}×)`);
  }
  return out.join('\n');
}
