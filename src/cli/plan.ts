/**
 * What `weft bench` runs: the workloads, the concurrency levels of each, and the task counts,
 * for the quick, default and full modes, or for the user's own task.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fib } from './tasks.js';
import type { ModelName, RunnerShape } from './models.js';
import type { WarmupLimits } from './warmup.js';

/** How long a bench runs: `quick` (seconds, for smoke tests), `default` (about a minute on 2 cores) or `full`. */
export type BenchMode = 'quick' | 'default' | 'full';

/** One workload: a task, its arguments, how many times to run it, and at which concurrency levels. */
export interface Workload {
  /** 'cpu', 'io', 'mixed', or 'custom' for the user's task. */
  name: string;
  /** One sentence saying what the workload does. */
  description: string;
  /** File URL of the task module. */
  moduleUrl: string;
  /** Exported function to call. */
  task: string;
  /** Arguments of every call. */
  args: unknown[];
  /** Calls per measured run. */
  tasks: number;
  /** Tasks in flight at once, for each measured run of a pooled model. */
  levels: number[];
  /** Bounds of each runner's warm-up before it is measured (default: `WARMUP_LIMITS`). */
  warmup?: Partial<WarmupLimits>;
}

/** Cores the bench may use (`os.availableParallelism()`). */
export const CORES = Math.max(1, availableParallelism());

/** The URL of the built-in task module (compiled .js beside this file, or .ts under tsx). */
export const BUILTIN_MODULE = new URL(`./tasks${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * How a model holds `level` tasks in flight: AsyncPool with `level` slots; threads and
 * processes with at most one worker per core, each running `level / workers` async tasks at once.
 */
export function shapeFor(model: ModelName, level: number): RunnerShape {
  if (model === 'sequential') return { size: 1, perWorker: 1 };
  if (model === 'async') return { size: level, perWorker: 1 };
  const size = Math.min(level, CORES);
  return { size, perWorker: Math.ceil(level / size) };
}

/** 1, 2, 4, … up to `max`, always ending at `max`. */
export function powersUpTo(max: number): number[] {
  const out: number[] = [];
  for (let n = 1; n < max; n *= 2) out.push(n);
  out.push(max);
  return out;
}

/** The smallest `n` for which `fib(n)` takes at least `ms` in this thread (median of three). */
export function calibrateFib(ms: number): number {
  for (let i = 0; i < 20; i++) fib(20); // let the JIT settle first
  for (let n = 16; n < 40; n++) {
    const times = [0, 1, 2].map(() => {
      const t = performance.now();
      fib(n);
      return performance.now() - t;
    });
    times.sort((a, b) => a - b);
    if (times[1]! >= ms) return n;
  }
  return 40;
}

interface ModeSettings {
  fibMs: number;
  cpuTasks: number;
  cpuLevels: number[];
  ioTasks: number;
  ioLevels: number[];
  mixedFibMs: number;
  mixedTasks: number;
  mixedLevels: number[];
  /** Default server delay, ms. */
  delay: number;
  /** Repeats of the start-up and latency probes. */
  probes: number;
}

/** The settings of each mode. */
export function modeSettings(mode: BenchMode): ModeSettings {
  switch (mode) {
    case 'quick':
      return {
        fibMs: 2, cpuTasks: 4 * CORES, cpuLevels: [1, CORES], ioTasks: 24, ioLevels: [1, 8], mixedFibMs: 1,
        mixedTasks: 16, mixedLevels: [1, 2 * CORES], delay: 5, probes: 1,
      };
    case 'full':
      return {
        fibMs: 40, cpuTasks: 32 * CORES, cpuLevels: [...new Set([...Array.from({ length: CORES }, (_, i) => i + 1), 2 * CORES])],
        ioTasks: 512, ioLevels: [1, 8, 64, 256], mixedFibMs: 5, mixedTasks: 256, mixedLevels: [1, CORES, 4 * CORES, 16 * CORES],
        delay: 20, probes: 5,
      };
    default:
      return {
        fibMs: 15, cpuTasks: 16 * CORES, cpuLevels: powersUpTo(CORES), ioTasks: 96, ioLevels: [1, 8, 64], mixedFibMs: 3,
        mixedTasks: 64, mixedLevels: [1, CORES, 4 * CORES], delay: 10, probes: 3,
      };
  }
}

/** The three built-in workloads of a mode, talking to the server at `url` and reading `file`. */
export function builtinWorkloads(mode: BenchMode, url: string, file: string): Workload[] {
  const s = modeSettings(mode);
  const cpuN = calibrateFib(s.fibMs);
  const mixedN = calibrateFib(s.mixedFibMs);
  return [
    {
      name: 'cpu', description: `CPU-bound: fib(${cpuN}), about ${s.fibMs} ms of pure computation per task`,
      moduleUrl: BUILTIN_MODULE, task: 'fib', args: [cpuN], tasks: s.cpuTasks, levels: s.cpuLevels,
    },
    {
      name: 'io', description: 'I/O-bound: one HTTP request to a local server that answers after a delay, then one file read, per task',
      moduleUrl: BUILTIN_MODULE, task: 'io', args: [url, file], tasks: s.ioTasks, levels: s.ioLevels,
    },
    {
      name: 'mixed', description: `mixed: one delayed HTTP request and a file read, then fib(${mixedN}) (about ${s.mixedFibMs} ms of CPU), per task`,
      moduleUrl: BUILTIN_MODULE, task: 'mixed', args: [url, file, mixedN], tasks: s.mixedTasks, levels: s.mixedLevels,
    },
  ];
}
