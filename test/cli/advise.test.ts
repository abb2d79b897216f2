import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunResult } from '../../src/cli/measure.js';
import type { ModelName } from '../../src/cli/models.js';
import { classify, cpuBound, settle, V8_BUSY_CORES, type Probe, type Recommendation } from '../../src/cli/recommend.js';
import { isSteady, warmUntilSteady } from '../../src/cli/warmup.js';
import { FIXTURES, runCli } from './helpers.js';

/** A computing task's probe: `processCores` cores busy while it runs one call at a time. */
const probe = (processCores: number, extra: Partial<Probe> = {}): Probe => ({
  warmupCalls: 20, calls: 5, wallMs: 100, queuedMs: 0, cpuMs: 98, cpuRatio: 0.98, processCpuMs: processCores * 100, processCores,
  loopBlockMaxMs: 100, argsBytes: 10, resultBytes: 10, argsCloneMicros: 1, resultCloneMicros: 1, crossable: true, crossError: null, ...extra,
});

/** A verification run of `model` at `throughput` tasks/s, `cores` cores busy meanwhile. */
function run(model: ModelName, level: number, throughput: number, speedup: number, cores = 1): RunResult {
  const wallMs = 1000;
  return {
    model, level, workers: model === 'sequential' ? 1 : level, perWorker: 1, tasks: throughput, wallMs, throughput, speedup,
    cpuMs: cores * wallMs, cpuUtilization: cores / 2, peakRssMb: 50,
  };
}

const threads: Recommendation = { model: 'thread', size: 2, perWorker: 1, expectedSpeedup: 1.9 };

describe('advise\'s prediction', () => {
  it('bounds the speedup by the cores left free once V8\'s own threads have taken theirs', () => {
    assert.equal(cpuBound(2, 1, 2), 2);
    assert.equal(cpuBound(2, 1.6, 2), 1.25);
    assert.equal(cpuBound(2, 2.4, 2), 1);
    assert.equal(cpuBound(8, 1, 4), 4);
    const busy = classify(probe(1.6), 2).recommendation;
    assert.equal(busy.model, 'thread');
    assert.ok(busy.expectedSpeedup <= 1.25, `${busy.expectedSpeedup}`);
    const idle = classify(probe(1), 4).recommendation;
    assert.ok(idle.expectedSpeedup > 3.5, `${idle.expectedSpeedup}`);
  });

  it('says that V8\'s own threads limit the gain when one call at a time keeps more than 1.3 cores busy', () => {
    const limited = (cores: number): boolean => classify(probe(cores), 2).reasons.some((r) => r.startsWith('V8\'s own threads'));
    assert.equal(limited(V8_BUSY_CORES + 0.3), true);
    assert.equal(limited(1.05), false);
  });

  it('counts a call as computing when the whole process keeps a core busy, however long its own thread stood still', () => {
    const a = classify(probe(1.2, { wallMs: 360, queuedMs: 200, cpuMs: 78, cpuRatio: 0.49, processCpuMs: 190 }), 2);
    assert.equal(a.classification, 'cpu-bound');
  });

  it('does not take time spent waiting for a core for waiting on I/O', () => {
    const a = classify(probe(1, { wallMs: 250, queuedMs: 150 }), 2);
    assert.equal(a.classification, 'cpu-bound');
    assert.ok(a.reasons.some((r) => r.startsWith('the machine is busy')));
  });
});

describe('advise\'s recommendation after --verify', () => {
  it('never recommends a model the verification measured slower than sequential calls', () => {
    const s = settle(threads, [run('sequential', 1, 10, 1), run('thread', 2, 5.7, 0.57), run('async', 2, 9.8, 0.98)], 2, true);
    assert.equal(s.recommendation.model, 'sequential');
    assert.equal(s.recommendation.expectedSpeedup, 1);
    assert.ok(s.reasons.some((r) => r.includes('ThreadPool { size: 1 }')), 'a task that blocks the loop still gets the way to keep the main thread free');
  });

  it('recommends the fastest measured run, with its shape and measured speedup', () => {
    const s = settle(threads, [run('sequential', 1, 10, 1), run('thread', 2, 12, 1.2), run('async', 2, 13, 1.3)], 2, false);
    assert.deepEqual(s.recommendation, { model: 'async', size: 2, perWorker: 1, expectedSpeedup: 1.3 });
  });

  it('keeps the prediction when it measured fastest, with the measured speedup', () => {
    const s = settle(threads, [run('sequential', 1, 10, 1), run('thread', 2, 13.7, 1.37, 2), run('async', 2, 10, 1)], 2, true);
    assert.deepEqual(s.recommendation, { ...threads, expectedSpeedup: 1.37 });
    assert.match(s.reasons[0]!, /measured it the fastest: 1\.37×/);
  });

  it('says when the pool got too few cores to show what it gains', () => {
    const starved = settle(threads, [run('sequential', 1, 10, 1, 1), run('thread', 2, 9, 0.9, 0.88)], 2, false);
    assert.ok(starved.reasons.some((r) => r.startsWith('ThreadPool kept only 0.88 cores busy with 2 workers')));
    const fed = settle(threads, [run('sequential', 1, 10, 1, 1), run('thread', 2, 19, 1.9, 1.9)], 2, false);
    assert.ok(!fed.reasons.some((r) => r.includes('kept only')));
  });

  it('says so when the sequential run measured V8\'s own threads limiting the gain', () => {
    const runs = (cores: number): RunResult[] => [run('sequential', 1, 10, 1, cores), run('thread', 2, 13.7, 1.37, 2)];
    assert.ok(settle(threads, runs(1.6), 2, true).reasons.some((r) => r.startsWith('measured: V8\'s own threads')));
    assert.ok(!settle(threads, runs(1), 2, true).reasons.some((r) => r.includes('V8')));
  });
});

describe('warming a runner up', () => {
  it('is not steady while the per-call time still falls, and is once it stops', () => {
    const falling = Array.from({ length: 40 }, (_, i) => 200 - 4 * i);
    assert.equal(isSteady(falling), false);
    const settled = [...falling.slice(0, 20), ...Array.from({ length: 16 }, (_, i) => 60 + (i % 3) * 5)];
    assert.equal(isSteady(settled), true);
    assert.equal(isSteady([10, 10, 10]), false, 'too few rounds to tell');
  });

  it('runs rounds until steady, within its bounds in count', async () => {
    const costs = [90, 80, 70, 60, 50, 40, 30, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20];
    let clock = 0;
    let rounds = 0;
    const times = await warmUntilSteady(async () => void (clock += costs[rounds++]! * 1000), { window: 4 }, () => clock);
    assert.ok(times.length >= 12 && times.length < costs.length, `${times.length} rounds`);
    let endless = 0;
    const capped = await warmUntilSteady(async () => void (clock += (1000 - endless++) * 1000), { maxRounds: 15 }, () => clock);
    assert.equal(capped.length, 15);
  });
});

describe('weft advise --verify on a real allocation-heavy task (terser)', () => {
  it('names a model and shows the verification and the recommendation it settles on', async () => {
    const run = await runCli(['advise', join(FIXTURES, 'minify-tasks.mjs'), 'minify', '--args', '2', '--verify']);
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, /^  whole process CPU per call +[\d.]+ ms \([\d.]+ cores\)$/m);
    assert.match(out, /^prediction: (ThreadPool|AsyncPool) \{ size: \d+ \}, expected speedup about [\d.]+× over sequential calls$/m);
    assert.match(out, /^  model +in flight +tasks\/s +speedup +CPU cores$/m);
    for (const m of ['sequential', 'ThreadPool', 'AsyncPool', 'sequential again']) assert.match(out, new RegExp(`^  ${m} +\\d+ +[\\d.]+ +[\\d.]+× +[\\d.]+$`, 'm'));
    assert.match(out, /^measured speedup of the prediction: [\d.]+×/m);
    assert.match(out, /^recommendation: (call it directly \(no pool\)|ThreadPool \{ size: \d+ \}|AsyncPool \{ size: \d+ \}), measured [\d.]+× over sequential calls$/m);
  });
});
