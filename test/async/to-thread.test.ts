import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { shutdownDefaultExecutor, toThread } from '../../src/async/to-thread.js';
import { ModuleLoadError, UnknownTaskError } from '../../src/index.js';
import { rejectsWith } from '../helpers.js';

type Tasks = typeof import('../fixtures/tasks.js');
const tasks = new URL('../fixtures/tasks.ts', import.meta.url);

test('toThread runs a task on another thread and returns its result', async () => {
  assert.equal(await toThread<Tasks, 'fib'>(tasks, 'fib', 20), 6765);
  const where = await toThread<Tasks, 'whoami'>(tasks, 'whoami');
  assert.notEqual(where, threadId);
});

test('toThread reports a missing module or task with named errors', async () => {
  await assert.rejects(toThread('/no/such/module.js', 'x'), ModuleLoadError);
  await rejectsWith(toThread(tasks, 'nope'), UnknownTaskError, 'ERR_WEFT_UNKNOWN_TASK');
});

test('shutdownDefaultExecutor closes the default pools; a later call starts a new one', async () => {
  await shutdownDefaultExecutor();
  assert.equal(await toThread<Tasks, 'add'>(tasks, 'add', 2, 3), 5);
  await shutdownDefaultExecutor();
});
