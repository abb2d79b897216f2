/**
 * `weft advise`: probes a task in this thread once it is warm (CPU vs wall time, of its own
 * thread and of the whole process, event-loop blocking, the cost of its data crossing a
 * thread), classifies it and predicts a model and pool size; `--verify` measures them in a
 * short bench and recommends the fastest measured.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import type { Command } from './args.js';
import { describe } from './errors.js';
import { measureRun, TaskFailedError, type RunResult } from './measure.js';
import { median, round } from './numbers.js';
import type { ModelName } from './models.js';
import { CORES, type Workload } from './plan.js';
import { threadTimes } from './proc.js';
import { createProgress, wantsBar } from './progress.js';
import { busyCores, classify, settle, shapeLabel, type Classification, type Probe, type Recommendation } from './recommend.js';
import { shortLabel } from './summary.js';
import { table } from './table.js';
import { loadUserTask } from './user-module.js';
import { warmUntilSteady } from './warmup.js';

type AdviseCommand = Extract<Command, { kind: 'advise' }>;

/** What `weft advise --json` prints. */
export interface AdviseResult {
  module: string;
  task: string;
  args: unknown[];
  cores: number;
  probe: Probe;
  classification: Classification;
  /** What the probe predicts. */
  prediction: Recommendation;
  /** The advice: the prediction, or with --verify the fastest model the verification measured. */
  recommendation: Recommendation;
  /** Sentences explaining the classification and the prediction. */
  reasons: string[];
  /**
   * With --verify: the short bench's runs (sequential first and last; speedups are over the
   * faster of the two), the speedup measured for the prediction, and sentences explaining the
   * recommendation; otherwise null.
   */
  verify: { runs: RunResult[]; measuredSpeedup: number; reasons: string[] } | null;
}

/** Warm-ups of the probe and of each verified runner: V8 optimizes short calls over many of them, so a second at least. */
const VERIFY_WARMUP = { minMs: 1000 };

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

/**
 * Calls the task until its per-call time stops falling (for 1 to 12 s), then measures at
 * least 5 calls for at least 300 ms (at most 50 calls or about 3 s).
 */
export async function probeTask(fn: (...args: unknown[]) => unknown, args: unknown[], task: string): Promise<Probe> {
  let result: unknown;
  const call = async (): Promise<unknown> => {
    try {
      return await fn(...args);
    } catch (e) {
      throw new TaskFailedError(task, 'sequential', e);
    }
  };
  result = await call(); // loads and compiles what the task needs: not a warm-up round to compare with
  const warmup = await warmUntilSteady(async () => (result = await call()), VERIFY_WARMUP);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const walls: number[] = [];
  const cpus: number[] = [];
  const queued: number[] = [];
  const processCpus: number[] = [];
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
    const own = threadTimes();
    const t = performance.now();
    const pending = call();
    syncMax = Math.max(syncMax, performance.now() - t); // the part that ran before the task's first await
    result = await pending;
    const wall = performance.now() - t;
    const used = process.cpuUsage(c);
    const ownAfter = threadTimes();
    walls.push(wall);
    processCpus.push((used.user + used.system) / 1000);
    // without /proc, this thread's share is unknown: the whole process's, at most the wall time
    cpus.push(own && ownAfter ? (ownAfter.cpuMicros - own.cpuMicros) / 1000 : Math.min(wall, (used.user + used.system) / 1000));
    queued.push(own && ownAfter ? (ownAfter.queuedMicros - own.queuedMicros) / 1000 : 0);
  }
  await yieldToLoop();
  loop.disable();
  const wallMs = median(walls);
  const cpuMs = Math.min(median(cpus), wallMs);
  const queuedMs = Math.min(median(queued), wallMs - cpuMs);
  const runnableMs = wallMs - queuedMs; // the wall time had a core been free whenever the task could run
  const processCpuMs = Math.max(median(processCpus), cpuMs);
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
    warmupCalls: 1 + warmup.length, calls: walls.length, wallMs: round(wallMs, 3), queuedMs: round(queuedMs, 3),
    cpuMs: round(cpuMs, 3), cpuRatio: round(runnableMs > 0 ? cpuMs / runnableMs : 1, 3),
    processCpuMs: round(processCpuMs, 3), processCores: round(runnableMs > 0 ? Math.min(CORES, processCpuMs / runnableMs) : 1, 3),
    loopBlockMaxMs: round(Math.max(syncMax, loop.max / 1e6 - 5), 2), argsBytes: a.bytes, resultBytes: r.bytes,
    argsCloneMicros: a.micros, resultCloneMicros: r.micros, crossable: crossError === null, crossError,
  };
}

/**
 * The short bench of `--verify`: sequential calls, the prediction, another model at the same
 * level, then sequential calls again. The main thread keeps warming up across the runs that use
 * it, so the baseline is the faster of the two sequential runs: a later model does not win by
 * having run on a warmer main thread.
 */
async function verify(workload: Workload, rec: Recommendation, json: boolean): Promise<RunResult[]> {
  const level = rec.size * rec.perWorker;
  const plan: [ModelName, number][] = [['sequential', 1]];
  if (rec.model !== 'sequential') {
    plan.push([rec.model, level], [rec.model === 'async' ? 'thread' : 'async', level], ['sequential', 1]);
  }
  const progress = createProgress(json ? 'plain' : wantsBar() ? 'live' : 'plain');
  const phase = progress.phase('verify', plan.length * workload.tasks);
  const runs: RunResult[] = [];
  try {
    for (const [model, l] of plan) {
      phase.note(`${model} ×${l} (warming up)`);
      runs.push(await measureRun({ ...workload, levels: [l] }, model, l, (n) => phase.tick(n)));
    }
  } finally {
    phase.end();
  }
  const base = Math.max(...runs.filter((r) => r.model === 'sequential').map((r) => r.throughput));
  if (base > 0) for (const r of runs) r.speedup = round(r.throughput / base);
  return runs;
}

/** Runs `weft advise`. */
export async function adviseCommand(cmd: AdviseCommand): Promise<void> {
  const user = await loadUserTask(cmd.module, cmd.task);
  const probe = await probeTask(user.fn, cmd.args, cmd.task);
  const { classification, recommendation: prediction, reasons } = classify(probe, CORES);
  let recommendation = prediction;
  let checked: AdviseResult['verify'] = null;
  if (cmd.verify) {
    const level = prediction.size * prediction.perWorker;
    const tasks = Math.min(256, Math.max(4 * level, Math.round(2000 / Math.max(probe.wallMs, 0.01))));
    const workload: Workload = { name: 'verify', description: '', moduleUrl: user.moduleUrl, task: cmd.task, args: cmd.args, tasks, levels: [], warmup: VERIFY_WARMUP };
    const runs = await verify(workload, prediction, cmd.json);
    const settled = settle(prediction, runs, CORES, probe.loopBlockMaxMs >= 20);
    recommendation = settled.recommendation;
    const measured = runs.find((r) => r.model === prediction.model)?.speedup ?? 1;
    checked = { runs, measuredSpeedup: measured, reasons: settled.reasons };
  }
  const result: AdviseResult = {
    module: cmd.module, task: cmd.task, args: cmd.args, cores: CORES, probe, classification, prediction, recommendation, reasons, verify: checked,
  };
  process.stdout.write(cmd.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderAdvice(result)}\n`);
}

function renderAdvice(r: AdviseResult): string {
  const p = r.probe;
  const pred = r.prediction;
  const out = [
    `weft advise: ${r.task}(${r.args.map((a) => JSON.stringify(a)).join(', ')}) from ${r.module}, ${p.calls} calls probed after ${p.warmupCalls} to warm up, ${r.cores} cores`,
    table(['measure', 'value'], [
      ['wall time per call', `${p.wallMs} ms`],
      ['waiting for a core per call', `${p.queuedMs} ms`],
      ['CPU time per call', `${p.cpuMs} ms (${Math.round(p.cpuRatio * 100)}%)`],
      ['whole process CPU per call', `${p.processCpuMs} ms (${round(p.processCores, 2)} cores)`],
      ['longest event-loop block', `${p.loopBlockMaxMs} ms`],
      ['arguments / result size', `${p.argsBytes} / ${p.resultBytes} bytes`],
      ['copy across a thread', p.crossable ? `${p.argsCloneMicros} + ${p.resultCloneMicros} µs` : `impossible: ${p.crossError}`],
    ]),
    '',
    `classification: ${r.classification}`,
    `${r.verify ? 'prediction' : 'recommendation'}: ${shapeLabel(pred)}, expected speedup about ${pred.expectedSpeedup}× over sequential calls`,
    ...r.reasons.map((x) => `  - ${x}`),
  ];
  if (r.verify) {
    const rec = r.recommendation;
    out.push('', 'verify (short bench, every worker warmed up first):');
    const label = (x: RunResult, i: number): string => `${shortLabel(x.model)}${x.model === 'sequential' && i > 0 ? ' again' : ''}`;
    out.push(table(['model', 'in flight', 'tasks/s', 'speedup', 'CPU cores'], r.verify.runs.map((x, i) => [label(x, i), x.level, x.throughput, `${x.speedup}×`, round(busyCores(x), 2)])));
    out.push(`measured speedup of the prediction: ${r.verify.measuredSpeedup}× (expected about ${pred.expectedSpeedup}×)`);
    out.push('', `recommendation: ${shapeLabel(rec)}, measured ${rec.expectedSpeedup}× over sequential calls`);
    out.push(...r.verify.reasons.map((x) => `  - ${x}`));
  }
  return out.join('\n');
}
