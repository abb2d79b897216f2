/** `weft race`: the lost-update race on a shared counter, then the same run under weft's Lock. */
import type { Command } from './args.js';
import { CliError } from './errors.js';
import { table } from './table.js';
import { runRaceDemo, type RaceDemoResult } from './race-demo.js';

type RaceCommand = Extract<Command, { kind: 'race' }>;

/** What `weft race --json` prints. */
export interface RaceResult {
  /** Workers incrementing the counter. */
  workers: number;
  /** Whether they were child processes (else worker threads). */
  processes: boolean;
  /** Increments per worker. */
  increments: number;
  /** The run with an unprotected read-add-write (load, add one, store). */
  unlocked: RaceDemoResult;
  /** The run holding weft's Lock around each increment. */
  locked: RaceDemoResult;
}

/** Runs `weft race`. */
export async function raceCommand(cmd: RaceCommand): Promise<void> {
  const { increments, workers, processes } = cmd;
  const parties = processes ? 'processes' : 'workers';
  if (!cmd.json) process.stderr.write(`${workers} ${parties} × ${increments} increments of one shared counter, without then with a Lock...\n`);
  const unlocked = await runRaceDemo({ increments, workers, lock: false, processes });
  const locked = await runRaceDemo({ increments, workers, lock: true, processes });
  const result: RaceResult = { workers, processes, increments, unlocked, locked };
  if (cmd.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const row = (name: string, r: RaceDemoResult): (string | number)[] => [name, r.expected, r.actual, r.lost, `${(100 * r.lost / Math.max(1, r.expected)).toFixed(1)}%`, Math.round(r.ms)];
    process.stdout.write(`${table(['run', 'expected', 'actual', 'lost', 'lost %', 'ms'], [row('no lock (load, +1, store)', unlocked), row('weft Lock', locked)])}\n\n`);
    const verdict =
      unlocked.lost > 0
        ? `without a lock ${unlocked.lost} updates were lost: two ${parties} read the same value, each added one, and one write overwrote the other.`
        : 'without a lock no update was lost this time (the race depends on timing): try more --increments.';
    const slower = unlocked.ms > 0 ? ` at ${(locked.ms / unlocked.ms).toFixed(1)}× the time` : '';
    process.stdout.write(`${verdict}\nwith weft's Lock the count is exact${slower}: only one ${processes ? 'process' : 'worker'} at a time runs read-add-write.\n`);
  }
  if (locked.lost !== 0) throw new CliError(`the locked run lost ${locked.lost} updates: this is a bug in weft's Lock, please report it`, 1);
}
