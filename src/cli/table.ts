/** Plain-text rendering of results: aligned tables, winners and claims. */
import type { BenchResult } from './bench.js';
import { shortLabel } from './summary.js';

/** Renders rows as an aligned table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: (string | number)[][], indent = '  '): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => indent + r.map((c, i) => (i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** The bench report a person reads: one table per workload, overheads, winners, the seed's claims. */
export function renderBench(r: BenchResult): string {
  const out: string[] = [];
  out.push(`weft bench (${r.mode}): Node ${r.node}, ${r.platform}, ${r.cores} cores (${r.cpuModel}), ${(r.durationMs / 1000).toFixed(1)} s`);
  if (!r.childrenMeasured) out.push('note: child processes\' CPU and memory could not be read on this platform (ProcessPool figures cover the parent only)');
  for (const w of r.workloads) {
    out.push('', `${w.name}: ${w.description}; ${w.tasks} tasks per run`);
    out.push(
      table(
        ['model', 'in flight', 'workers', 'wall ms', 'tasks/s', 'speedup', 'CPU %', 'peak MiB'],
        w.runs.map((x) => [
          shortLabel(x.model), x.level, x.perWorker > 1 ? `${x.workers}×${x.perWorker}` : x.workers, x.wallMs, x.throughput,
          `${x.speedup}×`, Math.round(x.cpuUtilization * 100), x.peakRssMb,
        ]),
      ),
    );
  }
  if (r.overhead.length > 0) {
    out.push('', `overhead: start-up of ${r.cores} workers (each answering one empty task), and one empty task's round trip`);
    out.push(table(['model', 'start-up ms', 'round trip µs'], r.overhead.map((o) => [shortLabel(o.model), o.startupMs, o.latencyMicros])));
  }
  if (r.winners.length > 0) {
    out.push('', 'winners');
    for (const w of r.winners) out.push(`  ${w.workload}: ${w.reason}`);
  }
  out.push('', 'the seed\'s claims on this machine');
  for (const c of r.claims) out.push(`  [${c.verdict}] ${c.claim}`, `      ${c.evidence}`);
  return out.join('\n');
}
