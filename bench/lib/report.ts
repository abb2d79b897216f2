// Generic reporting for weft's benchmarks: one JSON line per measurement, aligned text
// tables, a summary with ratios against reference implementations, and target checks.

/** Which direction is better for a metric. */
export type Better = 'higher' | 'lower';

export interface Measurement {
  /** Benchmark name, e.g. `tiny-100k`. */
  bench: string;
  /** Which figure of the benchmark, when it reports several (e.g. `p50`, `p99`, `peak-rss`). */
  metric?: string;
  /** Implementation measured, e.g. `piscina`. */
  impl: string;
  /** The headline value: the median over rounds. */
  value: number;
  unit: string;
  better: Better;
  /** Per-round values the median was taken from. */
  rounds?: number[];
  note?: string;
  /** Anything else worth keeping in the JSON line. */
  extra?: Record<string, unknown>;
}

/** Prints `m` as one JSON line (`{"bench":...,"impl":...,"value":...,"unit":...}`). */
export function emit(m: Measurement): void {
  const { extra, ...rest } = m;
  const line: Record<string, unknown> = { ...rest, ...extra };
  if (typeof line.value === 'number') line.value = round(line.value, 4);
  if (Array.isArray(m.rounds)) line.rounds = m.rounds.map((r) => round(r, 4));
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function round(v: number, significant: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const digits = Math.max(0, significant - Math.floor(Math.log10(Math.abs(v))) - 1);
  return Number(v.toFixed(Math.min(digits, 6)));
}

/** Human formatting: thousands/millions suffixes for rates, fixed decimals otherwise. */
export function formatValue(v: number, unit = ''): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (unit.endsWith('/s')) {
    if (abs >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
    if (abs >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
    return v.toFixed(1);
  }
  if (abs >= 1000) return v.toFixed(0);
  if (abs >= 100) return v.toFixed(1);
  if (abs >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

/** A ratio like `3.42x`, or `-` when it cannot be computed. */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '-';
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

const isNumeric = (s: string): boolean => /^[-+]?[\d.]+(e[-+]?\d+)?[kMx%]?$/.test(s.trim());

/** Prints an aligned text table; numeric-looking cells are right-aligned. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[], title?: string): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (isNumeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (title) out.push('', title);
  out.push(fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(fmt(r));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Key of a (bench, metric) pair. */
export function seriesKey(m: Pick<Measurement, 'bench' | 'metric'>): string {
  return m.metric ? `${m.bench} ${m.metric}` : m.bench;
}

/**
 * `value / reference value` for the same series: above 1 means "more than the reference"
 * (better for `higher` metrics, worse for `lower` ones; the table header says which).
 */
export function ratioTo(all: readonly Measurement[], m: Measurement, refImpl: string): number | undefined {
  const ref = all.find((o) => seriesKey(o) === seriesKey(m) && o.impl === refImpl);
  if (!ref || !(ref.value > 0) || !(m.value > 0) || !Number.isFinite(ref.value)) return undefined; // ratios of signed values (e.g. RSS growth) mean nothing
  return m.value / ref.value;
}

/**
 * Prints every measurement grouped by series, with a ratio column per reference
 * implementation (e.g. `['weft', 'raw']`). `order` fixes the row order of implementations.
 */
export function printSummary(
  all: readonly Measurement[],
  refs: readonly string[],
  order: readonly string[] = [],
  title = 'Summary (value = median of rounds; ratio = value / reference)',
): void {
  const series: string[] = [];
  for (const m of all) if (!series.includes(seriesKey(m))) series.push(seriesKey(m));
  const rank = (impl: string): number => {
    const i = order.indexOf(impl);
    return i < 0 ? order.length : i;
  };
  const rows: string[][] = [];
  for (const key of series) {
    const group = all.filter((m) => seriesKey(m) === key).sort((a, b) => rank(a.impl) - rank(b.impl));
    for (const m of group) {
      rows.push([
        key,
        `${m.unit} ${m.better === 'higher' ? '(higher=better)' : '(lower=better)'}`,
        m.impl,
        formatValue(m.value, m.unit),
        ...refs.map((r) => (r === m.impl ? '1.00x' : formatRatio(ratioTo(all, m, r)))),
        m.note ?? '',
      ]);
    }
  }
  printTable(['bench', 'unit', 'impl', 'value', ...refs.map((r) => `vs ${r}`), 'note'], rows, title);
}

export interface Target {
  /** Text such as `tiny-100k: weft >= 4x poolifier`. */
  label: string;
  /**
   * Returns the figure compared (for display) and whether the target is met, or
   * `undefined` when it cannot be evaluated (a measurement is missing).
   */
  check(all: readonly Measurement[]): { met: boolean; shown: string } | undefined;
}

/** Finds the value of `impl` in series (`bench`, `metric`). */
export function valueOf(all: readonly Measurement[], bench: string, impl: string, metric?: string): number | undefined {
  return all.find((m) => m.bench === bench && m.impl === impl && (m.metric ?? undefined) === metric)?.value;
}

/** Prints one line per target: MET / NOT MET / n/a, with the figure that decided it. */
export function printTargets(all: readonly Measurement[], targets: readonly Target[], title = 'Targets'): void {
  const rows = targets.map((t) => {
    const r = t.check(all);
    return [t.label, r === undefined ? 'n/a' : r.met ? 'MET' : 'NOT MET', r?.shown ?? 'not measured'];
  });
  printTable(['target', 'status', 'measured'], rows, title);
}
