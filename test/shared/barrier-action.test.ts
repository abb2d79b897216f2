// A Barrier's action runs exactly once per round, before any party is released, even when the
// party that arrives last is a worker whose copy has no action (a function cannot cross threads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Barrier, BrokenBarrierError } from '../../src/shared/index.js';
import { runScenario } from './fixtures/spawn.js';

type Round = { index: number; runs: number } | string;

/** Runs `barrierRounds` in a worker: `rounds` waits on `barrier`, reporting what it saw. */
function party(barrier: Barrier, runs: Int32Array, rounds: number, extra: Record<string, unknown> = {}): Promise<Round[]> {
  return runScenario<Round[]>('barrierRounds', { barrier, runs, rounds, ...extra }, 60_000);
}

/** Sleeps this thread (the main one) until `check()` holds: the event loop does not run meanwhile. */
function blockUntil(check: () => boolean, what: string): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  const deadline = performance.now() + 30_000;
  while (!check()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    Atomics.wait(tick, 0, 0, 2);
  }
}

const runs = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

test('the creator waits first, two workers without the action arrive last: the action runs once, before anyone is released', async () => {
  const seen = runs();
  let actions = 0;
  const barrier = new Barrier(3, { action: () => void (actions++, Atomics.add(seen, 0, 1)) });
  const mine = barrier.wait({ timeout: 30_000 }); // counted at once: the workers can only arrive after
  const [a, b] = await Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  assert.equal(await mine, 0);
  assert.equal(actions, 1);
  assert.deepEqual([a![0], b![0]].map((r) => (r as { runs: number }).runs), [1, 1], 'both workers were released after the action');
  assert.deepEqual([a![0], b![0]].map((r) => (r as { index: number }).index).sort(), [1, 2]);
});

test('the creator is no party: when two workers without the action fill a round, the creator runs it', async () => {
  const seen = runs();
  let actions = 0;
  const barrier = new Barrier(2, { action: () => void (actions++, Atomics.add(seen, 0, 1)) });
  const [a, b] = await Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  assert.equal(actions, 1, 'the action ran on this (main) thread, where the closure lives');
  assert.deepEqual([a, b].map((r) => (r![0] as { runs: number }).runs), [1, 1]);
  assert.deepEqual([a, b].map((r) => (r![0] as { index: number }).index).sort(), [0, 1]);
});

test('two rounds run the action twice, once before each release', async () => {
  const seen = runs();
  let actions = 0;
  const barrier = new Barrier(2, { action: () => void (actions++, Atomics.add(seen, 0, 1)) });
  const [a, b] = await Promise.all([party(barrier, seen, 2), party(barrier, seen, 2)]);
  assert.equal(actions, 2);
  for (const r of [a!, b!]) assert.deepEqual(r.map((x) => (x as { runs: number }).runs), [1, 2]);
  for (let round = 0; round < 2; round++) assert.deepEqual([a![round], b![round]].map((x) => (x as { index: number }).index).sort(), [0, 1]);
});

test('a waiting party whose copy has the action runs it for the party that arrives last without it', async () => {
  const seen = runs();
  const barrier = new Barrier(2); // this copy has no action: only the worker's copy does
  const armed = party(barrier, seen, 1, { armed: true });
  while (barrier.nWaiting === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await barrier.wait({ timeout: 30_000 }), 1);
  assert.deepEqual(await armed, [{ index: 0, runs: 1 }]);
});

test('an action that throws in the waiting party that runs it breaks the barrier: that party gets the error, the others BrokenBarrierError', async () => {
  const seen = runs();
  const barrier = new Barrier(3, { action: () => { throw new Error('the creator action failed'); } });
  const mine = barrier.wait({ timeout: 30_000 });
  const others = Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  await assert.rejects(mine, /the creator action failed/);
  assert.deepEqual(await others, [['ERR_WEFT_BROKEN_BARRIER'], ['ERR_WEFT_BROKEN_BARRIER']]);
  assert.equal(barrier.broken, true);

  const other = new Barrier(2);
  const armed = party(other, seen, 1, { armed: true, throws: true });
  while (other.nWaiting === 0) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(other.wait({ timeout: 30_000 }), BrokenBarrierError);
  assert.deepEqual(await armed, ['the worker action failed']);
});

test('abort() or reset() while a round waits for its action breaks the round; the action does not run for it', async () => {
  const seen = runs();
  let actions = 0;
  const barrier = new Barrier(2, { action: () => void actions++ });
  // This thread blocks, so its copy cannot serve the request; both workers wait for the action.
  const aborted = Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  blockUntil(() => barrier.nWaiting === 2, 'both workers in a full round');
  barrier.abort();
  assert.deepEqual(await aborted, [['ERR_WEFT_BROKEN_BARRIER'], ['ERR_WEFT_BROKEN_BARRIER']]);
  assert.equal(actions, 0);
  barrier.reset();

  const reset = Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  blockUntil(() => barrier.nWaiting === 2, 'both workers in a full round');
  barrier.reset();
  assert.deepEqual(await reset, [['ERR_WEFT_BROKEN_BARRIER'], ['ERR_WEFT_BROKEN_BARRIER']]);
  assert.equal(actions, 0);
  assert.equal(barrier.broken, false, 'reset leaves the barrier usable');

  const [a, b] = await Promise.all([party(barrier, seen, 1), party(barrier, seen, 1)]);
  assert.equal(actions, 1);
  assert.deepEqual([a![0], b![0]].map((x) => (x as { index: number }).index).sort(), [0, 1]);
});

test("the creator's listener neither keeps the process alive nor its Barrier from being collected", () => {
  const script = fileURLToPath(new URL('./fixtures/barrier-exit.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, 'the child exited by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { collected: true });
});
