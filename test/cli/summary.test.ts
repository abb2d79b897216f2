import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classify, type Probe } from '../../src/cli/recommend.js';
import type { OverheadResult, RunResult } from '../../src/cli/measure.js';
import type { ModelName } from '../../src/cli/models.js';
import { addSpeedups, checkClaims, pickWinner, type WorkloadResult } from '../../src/cli/summary.js';

function run(model: ModelName, level: number, throughput: number, cpuMs = 100): RunResult {
  return { model, level, workers: level, perWorker: 1, tasks: 10, wallMs: 1000 / throughput, throughput, speedup: 1, cpuMs, cpuUtilization: 0.5, peakRssMb: 50 };
}

function workload(name: string, runs: RunResult[]): WorkloadResult {
  const w = { name, description: name, task: 't', args: [], tasks: 10, runs };
  addSpeedups(w);
  return w;
}

const overhead = (thread: number, process: number): OverheadResult[] => [
  { model: 'thread', startupMs: thread, workers: 2, latencyMicros: 50 },
  { model: 'process', startupMs: process, workers: 2, latencyMicros: 150 },
];

describe('the bench summary', () => {
  it('computes speedups over the sequential run', () => {
    const w = workload('cpu', [run('sequential', 1, 10), run('thread', 2, 19)]);
    assert.deepEqual(w.runs.map((r) => r.speedup), [1, 1.9]);
  });

  it('confirms the seed\'s claims when threads and processes scale, the loop waits cheapest and processes start slower', () => {
    const cpu = workload('cpu', [run('sequential', 1, 10), run('async', 1, 10), run('thread', 1, 10), run('process', 1, 10), run('async', 2, 10), run('thread', 2, 19), run('process', 2, 18)]);
    const io = workload('io', [run('sequential', 1, 10), run('async', 64, 500, 50), run('thread', 64, 450, 120), run('process', 64, 430, 200)]);
    const claims = checkClaims([cpu, io], overhead(30, 80), 2);
    assert.deepEqual(claims.map((c) => [c.id, c.verdict]), [['cpu-scaling', 'confirmed'], ['io-event-loop', 'confirmed'], ['process-startup', 'confirmed']]);
  });

  it('does not confirm them when the numbers say otherwise', () => {
    const cpu = workload('cpu', [run('sequential', 1, 10), run('async', 1, 10), run('thread', 1, 10), run('async', 2, 10), run('thread', 2, 10)]);
    const io = workload('io', [run('sequential', 1, 10), run('async', 64, 200, 300), run('thread', 64, 450, 120)]);
    const claims = checkClaims([cpu, io], overhead(80, 30), 2);
    assert.deepEqual(claims.map((c) => c.verdict), ['not confirmed', 'not confirmed', 'not confirmed']);
  });

  it('marks claims it has no numbers for as not measured', () => {
    assert.deepEqual(checkClaims([], [], 2).map((c) => c.verdict), ['not measured', 'not measured', 'not measured']);
    const cpu = workload('cpu', [run('sequential', 1, 10), run('thread', 1, 10), run('thread', 1, 10)]);
    assert.equal(checkClaims([cpu], [], 1)[0]!.verdict, 'not measured');
  });

  it('prefers a run within 5% of the fastest that uses much less CPU', () => {
    const w = workload('io', [run('sequential', 1, 10, 10), run('thread', 8, 100, 300), run('async', 8, 97, 100)]);
    const winner = pickWinner(w)!;
    assert.equal(winner.model, 'async');
    assert.match(winner.reason, /^AsyncPool with 8 tasks in flight came within 5% of the fastest \(ThreadPool\)/);
  });
});

describe('advise\'s classification', () => {
  const probe = (wallMs: number, cpuMs: number, extra: Partial<Probe> = {}): Probe => ({
    warmupCalls: 4, calls: 5, wallMs, queuedMs: 0, cpuMs, cpuRatio: cpuMs / wallMs, processCpuMs: cpuMs, processCores: cpuMs / wallMs, loopBlockMaxMs: cpuMs, argsBytes: 10, resultBytes: 10,
    argsCloneMicros: 1, resultCloneMicros: 1, crossable: true, crossError: null, ...extra,
  });

  it('sends computing tasks to one thread per core', () => {
    const a = classify(probe(40, 39.5), 4);
    assert.equal(a.classification, 'cpu-bound');
    assert.deepEqual([a.recommendation.model, a.recommendation.size], ['thread', 4]);
    assert.ok(a.reasons.some((r) => r.includes('blocks the event loop')));
  });

  it('sends waiting tasks to the event loop', () => {
    const a = classify(probe(50, 0.5), 4);
    assert.equal(a.classification, 'io-bound');
    assert.deepEqual([a.recommendation.model, a.recommendation.size], ['async', 100]);
  });

  it('gives mixed tasks threads with several tasks in flight each', () => {
    const a = classify(probe(10, 4), 2);
    assert.equal(a.classification, 'mixed');
    assert.deepEqual([a.recommendation.model, a.recommendation.size, a.recommendation.perWorker], ['thread', 2, 3]);
  });

  it('calls tasks cheaper than their hand-off too small to parallelize', () => {
    const a = classify(probe(0.05, 0.05), 8);
    assert.equal(a.classification, 'too small to parallelize');
    assert.equal(a.recommendation.model, 'sequential');
  });

  it('keeps tasks whose data cannot be copied in the event loop', () => {
    const a = classify(probe(20, 19, { crossable: false, crossError: 'DataCloneError: function could not be cloned' }), 4);
    assert.equal(a.recommendation.model, 'async');
    assert.ok(a.reasons.some((r) => r.includes('cannot be copied')));
  });
});
