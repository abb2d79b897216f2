/**
 * `weft bench`: runs the built-in workloads (or the user's task) under each model at several
 * concurrency levels, measures start-up and hand-off costs, and sums it up.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { addCleanup } from './lifecycle.js';
import { measureOverhead, measureRun, type OverheadResult, type RunResult } from './measure.js';
import { round } from './numbers.js';
import type { ModelName } from './models.js';
import { CORES, builtinWorkloads, modeSettings, type BenchMode, type Workload } from './plan.js';
import { canMeasureChildren } from './proc.js';
import type { Progress } from './progress.js';
import { startDelayServer } from './server.js';
import { addSpeedups, checkClaims, pickWinner, type Claim, type Winner, type WorkloadResult } from './summary.js';
import { version } from '../index.js';

/** What to bench. */
export interface BenchOptions {
  mode: BenchMode;
  /** Pooled models to compare (the sequential baseline always runs). */
  models: ModelName[];
  /** Delay of the local HTTP server in ms (default: the mode's). */
  delay?: number;
  /** The user's workload instead of the built-in ones. */
  custom?: Workload;
  progress: Progress;
}

/** Everything a bench measured; the shape `--json` prints. */
export interface BenchResult {
  /** weft's version. */
  weft: string;
  /** Node's version, e.g. v20.11.0. */
  node: string;
  /** `process.platform`-`process.arch`. */
  platform: string;
  /** Cores used (`os.availableParallelism()`). */
  cores: number;
  /** CPU model name. */
  cpuModel: string;
  /** quick, default or full. */
  mode: BenchMode;
  /** Whether child processes' CPU and memory were counted (Linux /proc). */
  childrenMeasured: boolean;
  /** HTTP server delay in ms (built-in workloads), or null for a custom one. */
  delayMs: number | null;
  /** ISO time the bench started. */
  startedAt: string;
  /** Milliseconds the whole bench took. */
  durationMs: number;
  workloads: WorkloadResult[];
  overhead: OverheadResult[];
  winners: Winner[];
  claims: Claim[];
}

async function runWorkload(workload: Workload, models: ModelName[], progress: Progress): Promise<WorkloadResult> {
  const plan: [ModelName, number][] = [['sequential', 1]];
  for (const level of workload.levels) for (const m of models) if (m !== 'sequential') plan.push([m, level]);
  const phase = progress.phase(workload.name, plan.length * workload.tasks);
  const runs: RunResult[] = [];
  try {
    for (const [model, level] of plan) {
      phase.note(`${model} ×${level}`);
      const run = await measureRun(workload, model, level, (n) => phase.tick(n));
      runs.push(run);
      phase.note(`${model} ×${level}: ${run.tasks} tasks in ${run.wallMs} ms`);
    }
  } finally {
    phase.end();
  }
  const result: WorkloadResult = { name: workload.name, description: workload.description, task: workload.task, args: workload.args, tasks: workload.tasks, runs };
  addSpeedups(result);
  return result;
}

async function runOverhead(models: ModelName[], probes: number, progress: Progress): Promise<OverheadResult[]> {
  const pooled = models.filter((m) => m !== 'sequential');
  const phase = progress.phase('overhead', pooled.length);
  const out: OverheadResult[] = [];
  try {
    for (const model of pooled) {
      phase.note(`${model} start-up and latency`);
      const o = await measureOverhead(model, probes);
      out.push(o);
      phase.tick();
      phase.note(`${model}: start-up ${o.startupMs} ms, round trip ${o.latencyMicros} µs`);
    }
  } finally {
    phase.end();
  }
  return out;
}

/** Runs a bench and returns its results. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const settings = modeSettings(options.mode);
  const delay = options.delay ?? settings.delay;
  let workloads: Workload[];
  if (options.custom) {
    workloads = [options.custom];
  } else {
    const server = await startDelayServer(delay);
    const stopServer = addCleanup(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
    const removeDir = addCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'data.bin');
    writeFileSync(file, Buffer.alloc(64 * 1024, 1));
    workloads = builtinWorkloads(options.mode, server.url, file);
    try {
      const results = await runAll(workloads, options, settings.probes);
      return finish(results, options, delay, startedAt, t0);
    } finally {
      await stopServer();
      await removeDir();
    }
  }
  return finish(await runAll(workloads, options, settings.probes), options, null, startedAt, t0);
}

async function runAll(workloads: Workload[], options: BenchOptions, probes: number): Promise<[WorkloadResult[], OverheadResult[]]> {
  const results: WorkloadResult[] = [];
  for (const w of workloads) results.push(await runWorkload(w, options.models, options.progress));
  const overhead = await runOverhead(options.models, probes, options.progress);
  return [results, overhead];
}

function finish(
  [workloads, overhead]: [WorkloadResult[], OverheadResult[]],
  options: BenchOptions,
  delay: number | null,
  startedAt: string,
  t0: number,
): BenchResult {
  return {
    weft: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: CORES,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    mode: options.mode,
    childrenMeasured: canMeasureChildren,
    delayMs: delay,
    startedAt,
    durationMs: round(performance.now() - t0, 0),
    workloads,
    overhead,
    winners: workloads.map(pickWinner).filter((w): w is Winner => w !== undefined),
    claims: checkClaims(workloads, overhead, CORES),
  };
}
