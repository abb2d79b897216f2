// The bench's progress bars move with a task's own progress() reports (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { measureRun } from '../../src/cli/measure.js';
import type { Workload } from '../../src/cli/plan.js';
import { FIXTURES } from './helpers.js';

const workload = (task: string): Workload => ({
  name: 'custom', description: task, moduleUrl: pathToFileURL(join(FIXTURES, 'tasks.mjs')).href, task, args: task === 'fib' ? [10] : [],
  tasks: 4, levels: [2], warmup: { window: 1, maxRounds: 2 },
});

for (const model of ['thread', 'process'] as const) {
  test(`${model}: a task reporting progress(fraction) moves the bar in quarters; one that does not, in whole tasks`, async () => {
    // The fixture imports progress from weft's build ('weft/worker'), the worker runs weft's sources: the two copies agree.
    const ticks: number[] = [];
    await measureRun(workload('quarters'), model, 2, (n) => ticks.push(n));
    assert.equal(ticks.length, 16);
    assert.ok(ticks.every((n) => Math.abs(n - 0.25) < 1e-9), ticks.join(' '));
    const whole: number[] = [];
    await measureRun(workload('fib'), model, 2, (n) => whole.push(n));
    assert.deepEqual(whole, [1, 1, 1, 1]);
  });
}
