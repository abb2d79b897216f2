#!/usr/bin/env node
/**
 * The `weft` command: `bench`, `advise`, `race` and `worker`. Errors print as one line with a hint and a
 * non-zero exit code (the stack only with `--verbose`); Ctrl-C stops every worker and exits 130.
 * @packageDocumentation
 */
import { USAGE, parseCommand, type Command } from './args.js';
import { CliError, describe } from './errors.js';
import { runCleanups } from './lifecycle.js';
import { terminateAll } from './models.js';
import { version } from '../index.js';

let verbose = process.argv.includes('--verbose');

async function dispatch(command: Command): Promise<void> {
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`${version}\n`);
      return;
    case 'bench':
      return (await import('./bench-command.js')).benchCommand(command);
    case 'advise':
      return (await import('./advise.js')).adviseCommand(command);
    case 'race':
      return (await import('./race.js')).raceCommand(command);
    case 'worker':
      return (await import('./worker.js')).workerCommand(command);
  }
}

function fail(error: unknown): void {
  const code = error instanceof CliError ? error.exitCode : 1;
  const hint = error instanceof CliError ? '' : ' (add --verbose for the stack)';
  const line = error instanceof CliError ? error.message.split('\n')[0]! : describe(error);
  process.stderr.write(`weft: ${verbose ? line.replace(' (add --verbose for the stack)', '') : line + hint}\n`);
  if (verbose) {
    let e: unknown = error;
    while (e instanceof Error) {
      process.stderr.write(`${e.stack ?? String(e)}\n`);
      e = e.cause;
      if (e !== undefined) process.stderr.write('caused by: ');
    }
  }
  process.exitCode = code;
}

let interrupted = false;
/** Ctrl-C stops every worker of a measuring command and exits 130 (`weft worker` handles its own signals: it drains). */
function onInterrupt(): void {
  if (interrupted) process.exit(130); // a second Ctrl-C: leave now
  interrupted = true;
  process.stderr.write('\nweft: interrupted: stopping every worker\n');
  void Promise.allSettled([terminateAll(), runCleanups()]).then(() => process.exit(130));
}

async function main(): Promise<void> {
  try {
    const command = parseCommand(process.argv.slice(2));
    verbose = command.verbose;
    if (command.kind !== 'worker') process.on('SIGINT', onInterrupt);
    await dispatch(command);
  } catch (error) {
    if (interrupted) return;
    await terminateAll();
    fail(error);
  } finally {
    await runCleanups();
  }
}

await main();
