import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheckThenActDemo, runRaceDemo } from '../../src/cli/race-demo.js';
import { InvalidArgumentError } from '../../src/shared/index.js';
import { loadAddon } from '../../src/shared/native.js';

test('unlocked increments from two workers never exceed the expected total', async () => {
  const r = await runRaceDemo({ increments: 200_000, workers: 2, lock: false, timeout: 60_000 });
  assert.equal(r.expected, 400_000);
  assert.ok(r.actual <= r.expected, `actual ${r.actual}`);
  assert.equal(r.lost, r.expected - r.actual);
  assert.ok(r.ms >= 0);
});

test('increments under a weft Lock are exact', async () => {
  const r = await runRaceDemo({ increments: 100_000, workers: 3, lock: true, timeout: 60_000 });
  assert.deepEqual([r.expected, r.actual, r.lost], [300_000, 300_000, 0]);
});

test('--processes: the same race between two child processes loses updates without the lock, none with it', { skip: loadAddon() ? false : 'needs the native addon' }, async () => {
  const unlocked = await runRaceDemo({ increments: 2_000_000, workers: 2, lock: false, processes: true, timeout: 60_000 });
  assert.ok(unlocked.actual <= unlocked.expected && unlocked.lost === unlocked.expected - unlocked.actual);
  const locked = await runRaceDemo({ increments: 200_000, workers: 2, lock: true, processes: true, timeout: 60_000 });
  assert.deepEqual([locked.expected, locked.actual, locked.lost], [400_000, 400_000, 0]);
});

test('check-then-act withdrawals without a Condition may overdraw but always balance out', async () => {
  const r = await runCheckThenActDemo({ withdrawals: 20_000, withdrawers: 2, condition: false, timeout: 60_000 });
  assert.ok(r.overdrafts >= 0);
  assert.equal(r.balance, 0);
});

test('withdrawals that wait on a Condition never overdraw', async () => {
  const r = await runCheckThenActDemo({ withdrawals: 5_000, withdrawers: 3, condition: true, timeout: 60_000 });
  assert.deepEqual([r.overdrafts, r.balance], [0, 0]);
});

test('race demos refuse bad counts', async () => {
  await assert.rejects(runRaceDemo({ workers: 0 }), InvalidArgumentError);
  await assert.rejects(runRaceDemo({ increments: -1 }), InvalidArgumentError);
});
