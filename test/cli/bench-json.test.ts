import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { browserSkipReason, findChromium } from './browser.js';
import { runCli, type CliRun } from './helpers.js';

const CHROMIUM = findChromium();
const MODELS = ['sequential', 'async', 'thread', 'process'];

describe('weft bench --quick --json --report', () => {
  let dir: string;
  let report: string;
  let run: CliRun;
  let json: Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-cli-test-'));
    report = join(dir, 'report.html');
    run = await runCli(['bench', '--quick', '--json', '--report', report]);
    assert.equal(run.code, 0, run.stderr);
    json = JSON.parse(run.stdout) as Record<string, unknown>;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints only JSON on stdout and progress lines on stderr', () => {
    assert.match(run.stderr, /^\[cpu\] starting: \d+ tasks$/m);
    assert.match(run.stderr, /^\[io\] thread ×8: 24 tasks in [\d.]+ ms \(\d+\/\d+ tasks, ETA [\d.]+ s\)$/m);
    assert.match(run.stderr, /^\[overhead\] done in [\d.]+ s$/m);
  });

  it('describes the machine and the run', () => {
    assert.match(json.weft as string, /^\d+\.\d+\.\d+$/);
    assert.equal(json.node, process.version);
    assert.equal(json.platform, `${process.platform}-${process.arch}`);
    assert.ok(Number.isInteger(json.cores) && (json.cores as number) >= 1);
    assert.equal(typeof json.cpuModel, 'string');
    assert.equal(json.mode, 'quick');
    assert.equal(json.childrenMeasured, process.platform === 'linux');
    assert.equal(json.delayMs, 5);
    assert.ok(!Number.isNaN(Date.parse(json.startedAt as string)));
    assert.ok((json.durationMs as number) > 0);
    assert.deepEqual(Object.keys(json).sort(), [
      'childrenMeasured', 'claims', 'cores', 'cpuModel', 'delayMs', 'durationMs', 'mode', 'node', 'overhead', 'platform', 'startedAt', 'weft', 'winners', 'workloads',
    ]);
  });

  it('has the three built-in workloads, each with a sequential baseline and every model at every level', () => {
    const workloads = json.workloads as Record<string, unknown>[];
    assert.deepEqual(workloads.map((w) => w.name), ['cpu', 'io', 'mixed']);
    const cores = json.cores as number;
    const levels: Record<string, number[]> = { cpu: [...new Set([1, cores])], io: [1, 8], mixed: [1, 2 * cores] };
    for (const w of workloads) {
      assert.deepEqual(Object.keys(w).sort(), ['args', 'description', 'name', 'runs', 'task', 'tasks']);
      assert.equal(typeof w.description, 'string');
      assert.equal(w.task, { cpu: 'fib', io: 'io', mixed: 'mixed' }[w.name as string]);
      assert.ok(Array.isArray(w.args));
      const runs = w.runs as Record<string, unknown>[];
      assert.equal(runs[0]!.model, 'sequential');
      assert.equal(runs[0]!.speedup, 1);
      const expected = [['sequential', 1], ...levels[w.name as string]!.flatMap((l) => ['async', 'thread', 'process'].map((m) => [m, l]))];
      assert.deepEqual(runs.map((r) => [r.model, r.level]), expected);
      for (const r of runs) {
        assert.deepEqual(Object.keys(r).sort(), ['cpuMs', 'cpuUtilization', 'level', 'model', 'peakRssMb', 'perWorker', 'speedup', 'tasks', 'throughput', 'wallMs', 'workers']);
        assert.equal(r.tasks, w.tasks);
        assert.ok((r.wallMs as number) > 0 && (r.throughput as number) > 0 && (r.speedup as number) > 0);
        assert.ok((r.cpuMs as number) >= 0);
        assert.ok((r.cpuUtilization as number) >= 0 && (r.cpuUtilization as number) <= 1);
        assert.ok((r.peakRssMb as number) > 1);
        assert.ok(Number.isInteger(r.workers) && Number.isInteger(r.perWorker));
        assert.ok((r.workers as number) * (r.perWorker as number) >= (r.level as number));
      }
    }
  });

  it('measures start-up and hand-off latency of every pooled model', () => {
    const overhead = json.overhead as Record<string, unknown>[];
    assert.deepEqual(overhead.map((o) => o.model), ['async', 'thread', 'process']);
    for (const o of overhead) {
      assert.deepEqual(Object.keys(o).sort(), ['latencyMicros', 'model', 'startupMs', 'workers']);
      assert.ok((o.startupMs as number) > 0 && (o.latencyMicros as number) > 0);
      assert.equal(o.workers, json.cores);
    }
  });

  it('names a winner per workload with a one-sentence reason', () => {
    const winners = json.winners as Record<string, unknown>[];
    assert.deepEqual(winners.map((w) => w.workload), ['cpu', 'io', 'mixed']);
    for (const w of winners) {
      assert.deepEqual(Object.keys(w).sort(), ['level', 'model', 'reason', 'speedup', 'throughput', 'workload']);
      assert.ok(MODELS.includes(w.model as string));
      assert.match(w.reason as string, /^[A-Z].*\.$/);
    }
  });

  it('checks the seed article\'s three claims', () => {
    const claims = json.claims as Record<string, unknown>[];
    assert.deepEqual(claims.map((c) => c.id), ['cpu-scaling', 'io-event-loop', 'process-startup']);
    for (const c of claims) {
      assert.deepEqual(Object.keys(c).sort(), ['claim', 'evidence', 'id', 'verdict']);
      assert.ok(['confirmed', 'not confirmed', 'not measured'].includes(c.verdict as string));
      assert.ok((c.evidence as string).length > 0);
    }
    // Every model ran, so each claim could be judged (unless the machine has a single core).
    assert.notEqual(claims[1]!.verdict, 'not measured');
    assert.notEqual(claims[2]!.verdict, 'not measured');
  });

  it('writes a self-contained HTML report whose charts render in headless Chromium without errors', { skip: browserSkipReason(CHROMIUM) }, async () => {
    assert.ok(CHROMIUM, 'no Chromium found and CI=true requires one: run .ci/system-deps (apt-get install chromium) as root, or set CHROME_PATH');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
      await page.goto(pathToFileURL(report).href);
      // Browser-side code as strings: the tests type-check without the DOM library.
      await page.waitForFunction('window.weftCharts !== undefined');
      const canvases = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { id: c.id, painted };
      })`)) as { id: string; painted: number }[];
      assert.deepEqual(canvases.map((c) => c.id), ['speedup-cpu', 'throughput-cpu', 'speedup-io', 'throughput-io', 'speedup-mixed', 'throughput-mixed', 'startup', 'latency']);
      for (const c of canvases) assert.ok(c.painted > 500, `chart ${c.id} drew ${c.painted} pixels`);
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(join(dir, 'report.png'), shot);
      assert.ok(shot.length > 10_000);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], 'the report loads nothing from the network');
      const text = await page.textContent('body');
      assert.match(text ?? '', /the seed's claims on this machine/);
    } finally {
      await browser.close();
    }
  });
});
