/**
 * The HTML report of `--report`: one self-contained file (chart.js's UMD build inlined from
 * node_modules, the results embedded as JSON) that opens without a network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchResult } from './bench.js';
import { CliError } from './errors.js';
import { MODEL_LABELS } from './models.js';

/** chart.js's browser build, read from the installed package. */
function chartJs(): string {
  try {
    const main = createRequire(import.meta.url).resolve('chart.js');
    return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  } catch (e) {
    throw new CliError('cannot find chart.js for the HTML report: reinstall weft (npm install) so its dependencies are present', 1, { cause: e });
  }
}

/** Text safe inside a `<script>` element. */
function scriptSafe(text: string): string {
  return text.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Runs in the browser: draws the charts from the embedded results.
const DRAW = `
const data = JSON.parse(document.getElementById('weft-data').textContent);
const labels = ${JSON.stringify(MODEL_LABELS)};
const colors = { sequential: '#777777', async: '#1f77b4', thread: '#2ca02c', process: '#d62728', redis: '#9467bd' };
Chart.defaults.animation = false;
Chart.defaults.responsive = false;
const charts = [];
function chart(id, config) { charts.push(new Chart(document.getElementById(id), config)); }
for (const w of data.workloads) {
  const levels = [...new Set(w.runs.map((r) => r.level))].sort((a, b) => a - b);
  const models = [...new Set(w.runs.map((r) => r.model))];
  chart('speedup-' + w.name, {
    type: 'line',
    data: { labels: levels, datasets: models.map((m) => ({
      label: labels[m], borderColor: colors[m], backgroundColor: colors[m],
      data: levels.map((l) => { const r = w.runs.find((x) => x.model === m && (m === 'sequential' || x.level === l)); return r ? r.speedup : null; }),
    })) },
    options: { plugins: { title: { display: true, text: w.name + ': speedup over sequential vs tasks in flight' } },
      scales: { x: { title: { display: true, text: 'tasks in flight' } }, y: { beginAtZero: true, title: { display: true, text: 'speedup (×)' } } } },
  });
  const best = models.map((m) => Math.max(...w.runs.filter((r) => r.model === m).map((r) => r.throughput)));
  chart('throughput-' + w.name, {
    type: 'bar',
    data: { labels: models.map((m) => labels[m]), datasets: [{ label: 'best throughput (tasks/s)', data: best, backgroundColor: models.map((m) => colors[m]) }] },
    options: { plugins: { title: { display: true, text: w.name + ': best throughput per model (tasks/s)' } }, scales: { y: { beginAtZero: true } } },
  });
}
if (data.overhead.length > 0) {
  const names = data.overhead.map((o) => labels[o.model]);
  const bg = data.overhead.map((o) => colors[o.model]);
  chart('startup', { type: 'bar', data: { labels: names, datasets: [{ label: 'start-up (ms)', data: data.overhead.map((o) => o.startupMs), backgroundColor: bg }] },
    options: { plugins: { title: { display: true, text: 'pool start-up, ' + data.cores + ' workers (ms)' } }, scales: { y: { beginAtZero: true } } } });
  chart('latency', { type: 'bar', data: { labels: names, datasets: [{ label: 'round trip (µs)', data: data.overhead.map((o) => o.latencyMicros), backgroundColor: bg }] },
    options: { plugins: { title: { display: true, text: 'one-task hand-off latency (µs)' } }, scales: { y: { beginAtZero: true } } } });
}
window.weftCharts = charts.length;
`;

function runTable(r: BenchResult['workloads'][number]): string {
  const head = ['model', 'in flight', 'workers', 'wall ms', 'tasks/s', 'speedup', 'CPU %', 'peak MiB'].map((h) => `<th>${h}</th>`).join('');
  const rows = r.runs
    .map((x) =>
      [MODEL_LABELS[x.model], x.level, x.perWorker > 1 ? `${x.workers}×${x.perWorker}` : x.workers, x.wallMs, x.throughput, `${x.speedup}×`, Math.round(x.cpuUtilization * 100), x.peakRssMb]
        .map((c) => `<td>${escapeHtml(String(c))}</td>`)
        .join(''),
    )
    .map((row) => `<tr>${row}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The whole report as one HTML document. */
export function renderReport(result: BenchResult): string {
  const sections = result.workloads
    .map(
      (w) => `<section><h2>${escapeHtml(w.name)}</h2><p>${escapeHtml(w.description)}; ${w.tasks} tasks per run.</p>
<div class="charts"><canvas id="speedup-${escapeHtml(w.name)}" width="560" height="320"></canvas><canvas id="throughput-${escapeHtml(w.name)}" width="560" height="320"></canvas></div>
${runTable(w)}</section>`,
    )
    .join('\n');
  const overhead =
    result.overhead.length > 0
      ? `<section><h2>overhead</h2><div class="charts"><canvas id="startup" width="560" height="320"></canvas><canvas id="latency" width="560" height="320"></canvas></div></section>`
      : '';
  const winners = result.winners.map((w) => `<li><b>${escapeHtml(w.workload)}</b>: ${escapeHtml(w.reason)}</li>`).join('');
  const claims = result.claims
    .map((c) => `<li class="${c.verdict.replace(' ', '-')}"><b>[${c.verdict}]</b> ${escapeHtml(c.claim)}<br><small>${escapeHtml(c.evidence)}</small></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weft bench report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; } .charts { display: flex; flex-wrap: wrap; gap: 1em; }
.confirmed b { color: #2a7d2a; } .not-confirmed b { color: #b02a2a; } .not-measured b { color: #777; }
</style></head><body>
<h1>weft bench</h1>
<p>${escapeHtml(`${result.mode} run on ${result.startedAt}: Node ${result.node}, ${result.platform}, ${result.cores} cores (${result.cpuModel}), ${(result.durationMs / 1000).toFixed(1)} s.`)}</p>
<h2>winners</h2><ul>${winners}</ul>
<h2>the seed's claims on this machine</h2><ul>${claims}</ul>
${sections}
${overhead}
<script id="weft-data" type="application/json">${scriptSafe(JSON.stringify(result))}</script>
<script>${scriptSafe(chartJs())}</script>
<script>${scriptSafe(DRAW)}</script>
</body></html>
`;
}
