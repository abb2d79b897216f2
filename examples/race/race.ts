// Race conditions across worker threads, and their weft fixes.
// Run: node --import tsx examples/race/race.ts [increments-per-worker]
//
// 1. Lost updates: two workers run `counter[0]++` on one SharedArrayBuffer. `++` is a read, an
//    add and a write; when both threads read the same value, one increment is overwritten.
//    Holding a weft Lock around each increment makes the total exact.
// 2. Check-then-act: withdrawers check that the balance is positive, then take a unit. Two can
//    see the same last unit, and the balance goes negative. Waiting on a weft Condition makes
//    the check and the act one step.
import { runRaceDemo, runCheckThenActDemo } from '../../src/cli/race-demo.js';

const increments = Number(process.argv[2] ?? 1_000_000);

const unlocked = await runRaceDemo({ increments, workers: 2, lock: false });
const locked = await runRaceDemo({ increments, workers: 2, lock: true });
console.log('lost updates: 2 workers x %d increments of counter[0]++', increments);
console.table({
  'no lock': unlocked,
  'weft Lock': locked,
});

const unsafe = await runCheckThenActDemo({ withdrawers: 2, condition: false });
const safe = await runCheckThenActDemo({ withdrawers: 2, condition: true });
console.log('check-then-act: 2 withdrawers, 1 depositor, balance must never go below 0');
console.table({
  'check, then act': unsafe,
  'weft Condition': safe,
});

if (locked.lost !== 0 || safe.overdrafts !== 0) {
  console.error('a weft-protected run was not exact: this is a bug, please report it');
  process.exitCode = 1;
}
