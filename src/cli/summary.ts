/**
 * What the numbers say: speedups over the sequential baseline, the winner of each workload,
 * and the seed article's three claims checked against this machine's measurements.
 */
import { MODEL_LABELS, type ModelName } from './models.js';
import type { OverheadResult, RunResult } from './measure.js';
import { round } from './numbers.js';

/** A workload's measured runs. */
export interface WorkloadResult {
  /** 'cpu', 'io', 'mixed' or 'custom'. */
  name: string;
  /** What the workload does. */
  description: string;
  /** Task called. */
  task: string;
  /** Arguments of each call. */
  args: unknown[];
  /** Tasks per measured run. */
  tasks: number;
  /** Every run, sequential baseline first. */
  runs: RunResult[];
}

/** The best model for one workload and why. */
export interface Winner {
  workload: string;
  model: ModelName;
  /** Tasks in flight in the winning run. */
  level: number;
  throughput: number;
  speedup: number;
  /** One sentence. */
  reason: string;
}

/** Whether a claim held here. */
export type Verdict = 'confirmed' | 'not confirmed' | 'not measured';

/** One of the seed article's claims, checked. */
export interface Claim {
  /** Stable id: cpu-scaling, io-event-loop, process-startup. */
  id: string;
  /** The claim, in the article's words. */
  claim: string;
  verdict: Verdict;
  /** The numbers behind the verdict. */
  evidence: string;
}

/** Fills in each run's speedup: its throughput over the sequential run's (left at 1 without a baseline). */
export function addSpeedups(workload: WorkloadResult): void {
  const base = workload.runs.find((r) => r.model === 'sequential');
  if (!base || base.throughput <= 0) return;
  for (const r of workload.runs) r.speedup = round(r.throughput / base.throughput);
}

/** The label of a model without its parenthesis, e.g. "ThreadPool". */
export function shortLabel(model: ModelName): string {
  return MODEL_LABELS[model].replace(/ \(.*\)$/, '');
}

/**
 * The run with the best throughput; when another run comes within 5% of it using less CPU,
 * that cheaper run wins instead.
 */
export function pickWinner(workload: WorkloadResult): Winner | undefined {
  if (workload.runs.length === 0) return undefined;
  const best = workload.runs.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  const close = workload.runs.filter((r) => r.throughput >= best.throughput * 0.95);
  const cheapest = close.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  const w = cheapest.cpuMs < best.cpuMs * 0.9 ? cheapest : best;
  const at = w.model === 'sequential' ? '' : ` with ${w.level} task${w.level === 1 ? '' : 's'} in flight`;
  let reason = `${shortLabel(w.model)}${at} had the highest throughput (${w.throughput} tasks/s, ${w.speedup}× sequential)`;
  if (w !== best) {
    reason = `${shortLabel(w.model)}${at} came within 5% of the fastest (${shortLabel(best.model)}) on ${round(w.cpuMs / Math.max(best.cpuMs, 1e-9) * 100, 0)}% of its CPU time`;
  } else if (w.model === 'sequential') {
    reason += ': the tasks are too small for any pool to pay for its hand-off cost';
  }
  return { workload: workload.name, model: w.model, level: w.level, throughput: w.throughput, speedup: w.speedup, reason: `${reason[0]!.toUpperCase()}${reason.slice(1)}.` };
}

function scaling(runs: RunResult[], model: ModelName): { factor: number; top: number } | undefined {
  const mine = runs.filter((r) => r.model === model);
  const one = mine.find((r) => r.level === 1);
  const top = mine.reduce<RunResult | undefined>((a, b) => (!a || b.level > a.level ? b : a), undefined);
  if (!one || !top || top.level === 1 || one.throughput <= 0) return undefined;
  return { factor: round(top.throughput / one.throughput), top: top.level };
}

/** Checks "CPU-bound: threads and processes scale with cores, the event loop does not". */
function cpuClaim(cpu: WorkloadResult | undefined, cores: number): Claim {
  const claim = 'CPU-bound: threads and processes scale with cores, the event loop does not';
  const base = { id: 'cpu-scaling', claim };
  if (!cpu) return { ...base, verdict: 'not measured', evidence: 'the CPU-bound workload was not run' };
  if (cores < 2) return { ...base, verdict: 'not measured', evidence: 'this machine has one core: there is nothing to scale onto' };
  const parts: string[] = [];
  let ok = true;
  let measured = 0;
  for (const model of ['thread', 'process'] as const) {
    const s = scaling(cpu.runs, model);
    if (!s) continue;
    measured++;
    const enough = s.factor >= 1 + 0.5 * (Math.min(s.top, cores) - 1);
    ok &&= enough;
    parts.push(`${shortLabel(model)} ${s.factor}× from 1 to ${s.top} workers`);
  }
  const a = scaling(cpu.runs, 'async');
  if (a) {
    measured++;
    ok &&= a.factor < 1.3;
    parts.push(`AsyncPool ${a.factor}× from 1 to ${a.top} tasks in flight`);
  }
  if (measured < 2) return { ...base, verdict: 'not measured', evidence: 'needs runs at 1 and more workers for threads or processes and the event loop' };
  let busy = '';
  const top = cpu.runs.filter((r) => r.model === 'thread' || r.model === 'process').reduce<RunResult | undefined>((a, b) => (!a || b.level > a.level ? b : a), undefined);
  if (!ok && top && top.cpuUtilization < (0.7 * Math.min(top.level, cores)) / cores) {
    busy = `; the pools got only ${Math.round(top.cpuUtilization * 100)}% of the machine's CPU: other programs were probably busy on the other cores, so run again on an idle machine`;
  }
  return { ...base, verdict: ok ? 'confirmed' : 'not confirmed', evidence: `${parts.join('; ')} (${cores} cores)${busy}` };
}

/** Checks "I/O-bound: the event loop handles many waits cheapest" at the highest level run. */
function ioClaim(io: WorkloadResult | undefined): Claim {
  const base = { id: 'io-event-loop', claim: 'I/O-bound: the event loop handles many waits cheapest' };
  const pooled = io?.runs.filter((r) => r.model !== 'sequential') ?? [];
  const top = Math.max(0, ...pooled.map((r) => r.level));
  const at = pooled.filter((r) => r.level === top);
  const async = at.find((r) => r.model === 'async');
  if (!async || at.length < 2) return { ...base, verdict: 'not measured', evidence: 'needs the I/O workload under AsyncPool and another pool' };
  const perTask = (r: RunResult): number => r.cpuMs / r.tasks;
  const best = Math.max(...at.map((r) => r.throughput));
  const cheapest = at.every((r) => perTask(async) <= perTask(r) * 1.05);
  const fast = async.throughput >= best * 0.8;
  const evidence = `${top} requests in flight: ${at.map((r) => `${shortLabel(r.model)} ${round(perTask(r), 3)} ms CPU/task, ${r.throughput} tasks/s`).join('; ')}`;
  return { ...base, verdict: cheapest && fast ? 'confirmed' : 'not confirmed', evidence };
}

/** Checks "processes cost more to start than threads". */
function startupClaim(overhead: OverheadResult[]): Claim {
  const base = { id: 'process-startup', claim: 'processes cost more to start than threads' };
  const t = overhead.find((o) => o.model === 'thread');
  const p = overhead.find((o) => o.model === 'process');
  if (!t || !p) return { ...base, verdict: 'not measured', evidence: 'needs the start-up of both ThreadPool and ProcessPool' };
  const evidence = `${p.workers} workers: ProcessPool ${p.startupMs} ms vs ThreadPool ${t.startupMs} ms to start; one-task round trip ${p.latencyMicros} µs vs ${t.latencyMicros} µs`;
  return { ...base, verdict: p.startupMs > t.startupMs ? 'confirmed' : 'not confirmed', evidence };
}

/** The seed's three claims, checked against this run. */
export function checkClaims(workloads: WorkloadResult[], overhead: OverheadResult[], cores: number): Claim[] {
  return [
    cpuClaim(workloads.find((w) => w.name === 'cpu'), cores),
    ioClaim(workloads.find((w) => w.name === 'io')),
    startupClaim(overhead),
  ];
}
