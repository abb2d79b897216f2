import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, runCli } from './helpers.js';

const tasks = join(FIXTURES, 'tasks.mjs');

/** Asserts a failed run: the exit code, and one line on stderr that matches `message` and carries no stack. */
async function failsWith(args: string[], code: number, message: RegExp): Promise<void> {
  const run = await runCli(args);
  assert.equal(run.code, code, `exit code of weft ${args.join(' ')}; stderr: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('weft: '));
  assert.equal(lines.length, 1, `one error line, got: ${run.stderr}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace without --verbose');
}

describe('weft: help and bad input', () => {
  it('prints the usage with --help and exits 0', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    for (const cmd of ['weft bench', 'weft advise', 'weft race', '--report', '--json', '--args']) assert.ok(run.stdout.includes(cmd), cmd);
  });

  it('prints the version with --version', async () => {
    const run = await runCli(['--version']);
    assert.equal(run.code, 0);
    assert.match(run.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command, naming the known ones', () => failsWith(['frobnicate'], 2, /unknown command 'frobnicate': use bench, advise, race or worker/));

  it('rejects an unknown flag', () => failsWith(['bench', '--fast'], 2, /Unknown option '--fast'.*--help/));

  it('rejects --quick with --full', () => failsWith(['bench', '--quick', '--full'], 2, /--quick or --full, not both/));

  it('rejects an unknown model in --models', () => failsWith(['bench', '--models', 'fibers'], 2, /unknown model 'fibers'.*async, thread, process/));

  it('reports a missing module with the path it looked for', () =>
    failsWith(['bench', './no-such-tasks.js', 'fib'], 2, /cannot find the task module '\.\/no-such-tasks\.js' \(looked for .*no-such-tasks\.js\): check the path/));

  it('reports a module that does not load', () =>
    failsWith(['bench', join(FIXTURES, 'broken.mjs'), 'fib'], 1, /could not load the task module .*broken\.mjs': SyntaxError/));

  it('reports an unknown task name with the exported functions', () =>
    failsWith(['bench', tasks, 'fibonacci'], 2, /'fibonacci' is not an exported function of .*: its exported functions are: add, boom, fib, quarters, wait/));

  it('reports --args that are not JSON, with examples', () =>
    failsWith(['advise', tasks, 'fib', '--args', '{30'], 2, /--args must be JSON .*e\.g\. --args 30/));

  it('reports a task that throws, with its error class and message', () =>
    failsWith(['bench', tasks, 'boom', '--args', '"bad input"', '--quick', '--models', 'thread'], 1, /task 'boom' failed .*TypeError: boom: bad input; fix the task or its --args/));

  it('reports a task that throws under advise', () =>
    failsWith(['advise', tasks, 'boom', '--args', '1'], 1, /task 'boom' failed.*TypeError: boom: 1/));

  it('refuses a report path that cannot be written, before running anything', () =>
    failsWith(['bench', '--quick', '--report', '/nonexistent-weft-dir/report.html'], 2, /cannot write the report to .*does not exist; choose a file in an existing, writable folder/));

  it('refuses a report path that is a folder', () => failsWith(['bench', '--quick', '--report', FIXTURES], 2, /cannot write the report to .*is a folder/));

  it('rejects a bad --increments for race', () => failsWith(['race', '--increments', 'many'], 2, /--increments must be an integer >= 1, got 'many'/));

  it('prints the stack with --verbose', async () => {
    const run = await runCli(['advise', tasks, 'boom', '--args', '1', '--verbose']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^weft: task 'boom' failed/m);
    assert.match(run.stderr, /caused by: TypeError: boom: 1\n\s+at boom /);
  });
});
