/** `weft bench`: parses into a bench, runs it, prints the table or JSON, writes the HTML report. */
import { statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from './args.js';
import { runBench } from './bench.js';
import { CliError, describe } from './errors.js';
import { CORES, modeSettings, powersUpTo, type Workload } from './plan.js';
import { createProgress, wantsBar } from './progress.js';
import { useRedis } from './redis-model.js';
import { renderReport } from './report.js';
import { renderBench } from './table.js';
import { loadUserTask } from './user-module.js';

type BenchCommand = Extract<Command, { kind: 'bench' }>;

/** Fails early (before a long run) when the report cannot be written at `path`. */
export function checkWritable(path: string): void {
  const abs = resolve(path);
  const why = ((): string | undefined => {
    try {
      if (!statSync(dirname(abs)).isDirectory()) return `${dirname(abs)} is not a folder`;
      accessSync(dirname(abs), constants.W_OK);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `the folder ${dirname(abs)} does not exist` : `the folder ${dirname(abs)} is not writable`;
    }
    try {
      if (statSync(abs).isDirectory()) return `${abs} is a folder`;
      accessSync(abs, constants.W_OK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `${abs} is not writable`;
    }
    return undefined;
  })();
  if (why) throw new CliError(`cannot write the report to '${path}': ${why}; choose a file in an existing, writable folder`, 2);
}

/** Runs `weft bench`. */
export async function benchCommand(cmd: BenchCommand): Promise<void> {
  if (cmd.report !== undefined) checkWritable(cmd.report);
  const models = cmd.models;
  useRedis(cmd.redis);
  let custom: Workload | undefined;
  if (cmd.module !== undefined && cmd.task !== undefined) {
    const user = await loadUserTask(cmd.module, cmd.task);
    custom = {
      name: 'custom',
      description: `your task: ${cmd.task}(${cmd.args.map((a) => JSON.stringify(a)).join(', ')}) from ${cmd.module}`,
      moduleUrl: user.moduleUrl,
      task: cmd.task,
      args: cmd.args,
      tasks: cmd.tasks ?? 32,
      levels: cmd.levels ?? (cmd.mode === 'full' ? [...powersUpTo(CORES), 2 * CORES] : powersUpTo(CORES)),
    };
  } else if (cmd.levels) {
    throw new CliError('--levels applies to your own task: weft bench ./tasks.js <task> --levels 1,2,4', 2);
  }
  const progress = createProgress(wantsBar() ? 'live' : 'plain');
  const result = await runBench({ mode: cmd.mode, models, delay: cmd.delay ?? modeSettings(cmd.mode).delay, custom, progress });
  process.stdout.write(cmd.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderBench(result)}\n`);
  if (cmd.report !== undefined) {
    try {
      writeFileSync(cmd.report, renderReport(result));
    } catch (e) {
      throw new CliError(`cannot write the report to '${cmd.report}': ${describe(e)}; choose a file in an existing, writable folder`, 1, { cause: e });
    }
    if (!cmd.json) process.stdout.write(`\nreport written to ${resolve(cmd.report)}\n`);
  }
}
