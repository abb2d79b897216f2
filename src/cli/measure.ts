/**
 * Measures one workload under one model at one concurrency level, and the fixed costs of each
 * model (start-up, one-task hand-off latency).
 */
import { performance } from 'node:perf_hooks';
import { CliError, describe } from './errors.js';
import { createRunner, type ModelName, type Runner } from './models.js';
import { BUILTIN_MODULE, CORES, shapeFor, type Workload } from './plan.js';
import { median, round } from './numbers.js';
import { MemorySampler, childProcesses, cpuMicrosNow } from './proc.js';

/** One measured run: `tasks` calls of the workload's task under `model` with `level` in flight. */
export interface RunResult {
  /** Model name: sequential, async, thread or process. */
  model: ModelName;
  /** Tasks in flight at once. */
  level: number;
  /** Workers of the pool (1 for sequential). */
  workers: number;
  /** Tasks each worker runs at once. */
  perWorker: number;
  /** Tasks measured (warm-up excluded). */
  tasks: number;
  /** Milliseconds from the first task submitted to the last result. */
  wallMs: number;
  /** Tasks per second. */
  throughput: number;
  /** Throughput over the sequential run's (filled in once the baseline is known; 1 for the baseline). */
  speedup: number;
  /** CPU milliseconds used meanwhile by this process (every thread) and its child processes. */
  cpuMs: number;
  /** `cpuMs / (wallMs × cores)`: share of the whole machine's CPU used (0..1). */
  cpuUtilization: number;
  /** Peak resident memory of this process plus its children during the run, in MiB. */
  peakRssMb: number;
}

/** Start-up and hand-off costs of one model. */
export interface OverheadResult {
  model: ModelName;
  /** Milliseconds to create a pool of `workers` and get an empty task back from each (median of the probes). */
  startupMs: number;
  /** Workers started by the start-up probe (the core count). */
  workers: number;
  /** Median microseconds of one empty task's round trip to a warm single-worker pool. */
  latencyMicros: number;
}

/** A task failed during a bench or probe: says which, and how to fix it. */
export class TaskFailedError extends CliError {
  constructor(task: string, model: ModelName, cause: unknown) {
    super(`task '${task}' failed under the ${model} model: ${describe(cause)}; fix the task or its --args (add --verbose for the stack)`, 1, { cause });
  }
}

/**
 * Runs `tasks` calls through `runner`, telling `onTasks` how much of a task got done: 1 as each
 * ends, or, from a task that reports `progress(fraction)` with a number from 0 to 1, the part
 * of it each report adds (the rest when it ends).
 */
async function drive(runner: Runner, task: string, args: unknown[], tasks: number, onTasks: (n: number) => void): Promise<void> {
  const calls: Promise<unknown>[] = [];
  const partial = runner.reportsProgress();
  for (let i = 0; i < tasks; i++) {
    let shown = 0;
    const onProgress = (value: unknown): void => {
      if (typeof value !== 'number' || !(value > shown && value <= 1)) return;
      onTasks(value - shown);
      shown = value;
    };
    calls.push(runner.run(task, args, partial ? onProgress : undefined).then(() => onTasks(1 - shown)));
  }
  await Promise.all(calls);
}

/**
 * Measures one run. The runner first warms every worker to a steady per-call time (start-up
 * and JIT warm-up are excluded from the figures), then runs `workload.tasks` measured tasks.
 */
export async function measureRun(workload: Workload, model: ModelName, level: number, onTask: (n: number) => void): Promise<RunResult> {
  const shape = shapeFor(model, level);
  const runner = createRunner(model, workload.moduleUrl, shape);
  try {
    await runner.warm(workload.task, workload.args, workload.warmup);
    const sampler = new MemorySampler(model === 'process').start();
    const cpu0 = cpuMicrosNow(model === 'process' ? childProcesses() : []);
    const t0 = performance.now();
    await drive(runner, workload.task, workload.args, workload.tasks, (n) => {
      if (model === 'sequential' || model === 'async') sampler.sample();
      onTask(n);
    });
    const wallMs = performance.now() - t0;
    const cpuMs = (cpuMicrosNow(model === 'process' ? childProcesses() : []) - cpu0) / 1000;
    const peak = sampler.stop();
    await runner.close();
    return {
      model, level, workers: shape.size, perWorker: shape.perWorker, tasks: workload.tasks,
      wallMs: round(wallMs), throughput: round(workload.tasks / (wallMs / 1000)), speedup: 1,
      cpuMs: round(cpuMs), cpuUtilization: round(Math.min(1, cpuMs / (wallMs * CORES)), 3), peakRssMb: round(peak / 2 ** 20, 1),
    };
  } catch (error) {
    await runner.terminate();
    if (error instanceof CliError) throw error;
    throw new TaskFailedError(workload.task, model, error);
  }
}

/** Measures start-up (median of `probes`) and one-task latency of a pooled model, with the built-in empty task. */
export async function measureOverhead(model: ModelName, probes: number): Promise<OverheadResult> {
  const startups: number[] = [];
  for (let i = 0; i < probes; i++) {
    const t0 = performance.now();
    const runner = createRunner(model, BUILTIN_MODULE, { size: CORES, perWorker: 1 });
    try {
      await runner.warm('noop', [], false);
      startups.push(performance.now() - t0);
    } finally {
      await runner.close();
    }
  }
  const runner = createRunner(model, BUILTIN_MODULE, { size: 1, perWorker: 1 });
  const trips: number[] = [];
  try {
    await runner.warm('noop', []);
    for (let i = 0; i < 20; i++) await runner.run('noop', []);
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await runner.run('noop', []);
      trips.push((performance.now() - t0) * 1000);
    }
  } finally {
    await runner.close();
  }
  return { model, startupMs: round(median(startups)), workers: CORES, latencyMicros: round(median(trips), 1) };
}
