import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, runCli } from './helpers.js';

const tasks = join(FIXTURES, 'tasks.mjs');

describe('weft bench (text)', () => {
  it('prints a table per workload, the overheads, a winner per workload and the seed\'s claims', async () => {
    const run = await runCli(['bench', '--quick']);
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, /^weft bench \(quick\): Node v\d+/);
    for (const w of ['cpu: CPU-bound', 'io: I/O-bound', 'mixed: mixed']) assert.ok(out.includes(`\n${w}`), w);
    assert.match(out, /model +in flight +workers +wall ms +tasks\/s +speedup +CPU % +peak MiB/);
    for (const m of ['sequential', 'AsyncPool', 'ThreadPool', 'ProcessPool']) assert.match(out, new RegExp(`^  ${m} +\\d+ `, 'm'));
    assert.match(out, /^  ProcessPool +[\d.]+ +[\d.]+$/m, 'overhead row');
    assert.match(out, /^winners\n  cpu: .+\.\n  io: .+\.\n  mixed: .+\.$/m);
    assert.match(out, /^the seed's claims on this machine$/m);
    for (const claim of ['CPU-bound: threads and processes scale with cores, the event loop does not', 'I/O-bound: the event loop handles many waits cheapest', 'processes cost more to start than threads']) {
      assert.match(out, new RegExp(`^  \\[(confirmed|not confirmed|not measured)\\] ${claim}$`, 'm'));
    }
  });

  it('benches a user\'s TypeScript task under the chosen models', async () => {
    const run = await runCli(['bench', join(FIXTURES, 'tasks.ts'), 'square', '--args', '2000', '--tasks', '6', '--levels', '1,2', '--models', 'thread,process', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { delayMs: null; workloads: { name: string; task: string; args: unknown[]; tasks: number; runs: { model: string; level: number }[] }[]; overhead: { model: string }[] };
    assert.equal(json.delayMs, null);
    assert.equal(json.workloads.length, 1);
    const w = json.workloads[0]!;
    assert.deepEqual([w.name, w.task, w.args, w.tasks], ['custom', 'square', [2000], 6]);
    assert.deepEqual(w.runs.map((r) => `${r.model}×${r.level}`), ['sequential×1', 'thread×1', 'process×1', 'thread×2', 'process×2']);
    assert.deepEqual(json.overhead.map((o) => o.model), ['thread', 'process']);
  });
});

describe('weft advise', () => {
  interface Recommendation { model: string; size: number; perWorker: number; expectedSpeedup: number }
  interface Advice {
    module: string; task: string; args: unknown[]; cores: number; classification: string; reasons: string[];
    probe: Record<string, unknown>; prediction: Recommendation; recommendation: Recommendation;
    verify: { runs: { model: string; throughput: number }[]; measuredSpeedup: number; reasons: string[] } | null;
  }
  const advise = async (...args: string[]): Promise<Advice> => {
    const run = await runCli(['advise', tasks, ...args, '--json']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Advice;
  };

  it('classifies a computing task as CPU-bound and recommends a ThreadPool of one worker per core; --verify measures it', async () => {
    const a = await advise('fib', '--args', '24', '--verify');
    assert.deepEqual([a.module, a.task, a.args], [tasks, 'fib', [24]]);
    assert.equal(a.classification, 'cpu-bound');
    assert.deepEqual([a.prediction.model, a.prediction.size, a.prediction.perWorker], ['thread', a.cores, 1]);
    assert.ok(a.prediction.expectedSpeedup > 0);
    assert.deepEqual(Object.keys(a.probe).sort(), [
      'argsBytes', 'argsCloneMicros', 'calls', 'cpuMs', 'cpuRatio', 'crossError', 'crossable', 'loopBlockMaxMs', 'processCores', 'processCpuMs', 'queuedMs',
      'resultBytes', 'resultCloneMicros', 'wallMs', 'warmupCalls',
    ]);
    assert.ok((a.probe.calls as number) >= 5);
    assert.ok((a.probe.cpuRatio as number) > 0.5);
    assert.equal(a.probe.crossable, true);
    assert.ok(a.reasons.length >= 2);
    assert.deepEqual(a.verify!.runs.map((r) => r.model), ['sequential', 'thread', 'async', 'sequential']);
    assert.ok(a.verify!.measuredSpeedup > 0);
    const fastest = a.verify!.runs.reduce((x, y) => (y.throughput > x.throughput ? y : x));
    assert.equal(a.recommendation.model, fastest.model, 'the recommendation is the fastest run measured');
  });

  it('classifies a waiting task as I/O-bound and recommends AsyncPool', async () => {
    const a = await advise('wait', '--args', '30');
    assert.equal(a.classification, 'io-bound');
    assert.equal(a.recommendation.model, 'async');
    assert.ok(a.recommendation.size >= 4);
    assert.deepEqual(a.prediction, a.recommendation, 'without --verify the prediction is the advice');
    assert.equal(a.verify, null);
  });

  it('calls a tiny task too small to parallelize', async () => {
    const a = await advise('add', '--args', '[1, 2]');
    assert.equal(a.classification, 'too small to parallelize');
    assert.equal(a.recommendation.model, 'sequential');
  });

  it('explains its advice in text', async () => {
    const run = await runCli(['advise', tasks, 'fib', '--args', '22']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^classification: cpu-bound$/m);
    assert.match(run.stdout, /^recommendation: ThreadPool \{ size: \d+ \}, expected speedup about [\d.]+× over sequential calls$/m);
    assert.match(run.stdout, /copy across a thread/);
  });
});

describe('weft race', () => {
  it('loses no update under the Lock, and reports both runs as JSON', async () => {
    const run = await runCli(['race', '--increments', '100000', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as { workers: number; increments: number; unlocked: Record<string, number>; locked: Record<string, number> };
    assert.deepEqual([r.workers, r.increments], [2, 100000]);
    for (const x of [r.unlocked, r.locked]) {
      assert.deepEqual(Object.keys(x).sort(), ['actual', 'expected', 'lost', 'ms']);
      assert.equal(x.expected, 200000);
      assert.equal(x.lost, x.expected - x.actual!);
      assert.ok(x.ms! >= 0);
    }
    assert.equal(r.locked.actual, 200000);
  });

  it('shows the lost updates and the exact count in a table', async () => {
    const run = await runCli(['race', '--increments', '100000']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /no lock \(load, \+1, store\) +200000 +\d+ +\d+ +[\d.]+% +\d+/);
    assert.match(run.stdout, /weft Lock +200000 +200000 +0 +0\.0% +\d+/);
    assert.match(run.stdout, /with weft's Lock the count is exact/);
  });
});
