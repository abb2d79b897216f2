/** Finding, loading and checking the user's task module, with errors that say what to do. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, UsageError, describe } from './errors.js';
import { loadModule, type TaskModule } from './models.js';

/** A user task module, loaded in this thread and known to export the task. */
export interface UserTask {
  /** File URL of the module. */
  moduleUrl: string;
  /** The module's exports. */
  module: TaskModule;
  /** The task function. */
  fn: (...args: unknown[]) => unknown;
}

/** Resolves `path` from the current directory, imports it, and checks that `task` is one of its functions. */
export async function loadUserTask(path: string, task: string): Promise<UserTask> {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    throw new UsageError(`cannot find the task module '${path}' (looked for ${abs}): check the path, which is relative to the current directory`);
  }
  const moduleUrl = pathToFileURL(abs).href;
  let module: TaskModule;
  try {
    module = await loadModule(moduleUrl);
  } catch (e) {
    throw new CliError(`could not load the task module '${path}': ${describe(e)}; fix the module (add --verbose for the stack)`, 1, { cause: e });
  }
  const fn = module[task];
  if (typeof fn !== 'function') {
    const names = Object.keys(module).filter((k) => typeof module[k] === 'function');
    const known = names.length > 0 ? `its exported functions are: ${names.join(', ')}` : 'it exports no functions';
    throw new UsageError(`'${task}' is not an exported function of ${path}: ${known}`);
  }
  return { moduleUrl, module, fn: fn as (...args: unknown[]) => unknown };
}
