/**
 * `weft worker`: a RedisPool's worker from the shell. It prints one line with 'ready' once it
 * takes tasks; SIGTERM or SIGINT stops taking tasks, lets the running ones finish and exits 0
 * (a second signal exits at once, 130). An unreachable Redis or a task module that does not
 * load is a one-line error and exit status 1.
 */
import type { Command } from './args.js';
import { CliError, describe } from './errors.js';

/** Runs `weft worker` until a signal asks it to stop. */
export async function workerCommand(command: Extract<Command, { kind: 'worker' }>): Promise<void> {
  const { RedisWorker } = await import('../redis/index.js');
  const worker = new RedisWorker(command.module, {
    connection: command.redis, queue: command.queue, prefix: command.prefix, concurrency: command.concurrency, model: command.model,
    size: command.size, lockDuration: command.lockDuration, connectTimeout: command.connectTimeout,
  });
  try {
    await worker.ready;
  } catch (error) {
    throw new CliError(`the worker could not start: ${describe(error)}`, 1, { cause: error });
  }
  process.stdout.write(`weft worker ready: ${worker.describe()} (pid ${process.pid})\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`weft worker: ${signal}: finishing the running tasks, then exiting\n`);
      void worker.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stdout.write('weft worker stopped\n');
  // Nothing should be left running; if BullMQ left a timer (after Redis was restarted under a task), leave anyway.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}
