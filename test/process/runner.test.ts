import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError, Process, ProcessStateError, TaskAbortedError, Thread, WorkerExitedError } from '../../src/index.js';
import { rejectsWith } from '../helpers.js';

type ProcTasks = typeof import('../fixtures/process/tasks.js');
type Tasks = typeof import('../fixtures/tasks.js');
const procUrl = new URL('../fixtures/process/tasks.ts', import.meta.url);
const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);

describe('Process: one task in its own child', () => {
  test('start, pid, join resolves to the result, exitCode 0 and an exit event', async () => {
    const p = new Process<ProcTasks, 'pid'>(procUrl, 'pid', []);
    assert.equal(p.state, 'created');
    const exits: unknown[] = [];
    p.on('exit', (code: number | null, signal: string | null) => exits.push([code, signal]));
    p.start();
    assert.ok(p.isAlive());
    assert.equal(await p.join(), p.pid);
    assert.notEqual(p.pid, process.pid);
    assert.equal(p.exitCode, 0);
    assert.deepEqual(exits, [[0, null]]);
    assert.equal(p.isAlive(), false);
  });

  test('a task error rejects join with the task error; an error listener sees it too', async () => {
    const p = new Process<Tasks, 'throwsCustom'>(tasksUrl, 'throwsCustom', []);
    let seen: unknown;
    p.on('error', (e) => (seen = e));
    const error = await p.start().join().catch((e: unknown) => e);
    assert.equal((error as Error).name, 'CustomError');
    assert.equal(seen, error);
  });

  test('kill() rejects join with WorkerExitedError carrying the signal', async () => {
    const p = new Process<ProcTasks, 'busy'>(procUrl, 'busy', [1, 10_000]).start();
    await new Promise((r) => setTimeout(r, 200));
    p.kill('SIGKILL');
    const error = await rejectsWith(p.join(), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED', /SIGKILL/);
    assert.equal(error.signal, 'SIGKILL');
    assert.equal(p.signalCode, 'SIGKILL');
  });

  test('process.exit in the task gives its exit code', async () => {
    const p = new Process<Tasks, 'exits'>(tasksUrl, 'exits', [4]).start();
    const error = await rejectsWith(p.join(), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED');
    assert.equal(error.exitCode, 4);
    assert.equal(p.exitCode, 4);
  });

  test('an AbortSignal stops the child: join rejects with TaskAbortedError', async () => {
    const controller = new AbortController();
    const p = new Process<ProcTasks, 'busy'>(procUrl, 'busy', [1, 10_000], { signal: controller.signal }).start();
    setTimeout(() => controller.abort(new Error('stop')), 100);
    const error = await rejectsWith(p.join(), TaskAbortedError, 'ERR_WEFT_ABORTED');
    assert.equal((error.cause as Error).message, 'stop');
  });

  test('start twice or join before start is a ProcessStateError', async () => {
    const p = new Process<ProcTasks, 'square'>(procUrl, 'square', [3]);
    await rejectsWith(p.join(), ProcessStateError, 'ERR_WEFT_PROCESS_STATE');
    p.start();
    assert.throws(() => p.start(), ProcessStateError);
    assert.equal(await p.join(), 9);
  });
});

describe('Thread: one task on its own worker thread', () => {
  test('join resolves to the result; exitCode 0', async () => {
    const t = new Thread<Tasks, 'fib'>(tasksUrl, 'fib', [20]).start();
    assert.equal(await t.join(), 6765);
    assert.equal(t.exitCode, 0);
  });

  test('threadId is the id the task sees inside its thread', async () => {
    const t = new Thread<Tasks, 'whoami'>(tasksUrl, 'whoami', []).start();
    const inside = await t.join();
    assert.equal(t.threadId, inside);
    assert.ok(inside > 0);
  });

  test('terminate() stops a spinning task; join rejects with WorkerExitedError', async () => {
    const t = new Thread<Tasks, 'spin'>(tasksUrl, 'spin', []).start();
    await new Promise((r) => setTimeout(r, 100));
    await t.terminate();
    await rejectsWith(t.join(), WorkerExitedError, 'ERR_WEFT_WORKER_EXITED');
  });
});

describe('join({ timeout }), as Python\'s join(timeout)', () => {
  for (const [label, make] of [
    ['Process', () => new Process<Tasks, 'sleepSync'>(tasksUrl, 'sleepSync', [600])],
    ['Thread', () => new Thread<Tasks, 'sleepSync'>(tasksUrl, 'sleepSync', [600])],
  ] as const) {
    test(`${label}: resolves undefined once the timeout passes and leaves the worker running; a later join gets the result`, async () => {
      const runner = make().start();
      assert.equal(await runner.join({ timeout: 50 }), undefined);
      assert.equal(runner.isAlive(), true);
      assert.equal(await runner.join(), 600);
      assert.equal(runner.isAlive(), false);
      assert.equal(await runner.join({ timeout: 50 }), 600);
    });
  }

  test('a bad timeout is a named error', async () => {
    const t = new Thread<Tasks, 'add'>(tasksUrl, 'add', [1, 2]).start();
    await rejectsWith(t.join({ timeout: -1 }), InvalidOptionError, 'ERR_WEFT_INVALID_OPTION');
    assert.equal(await t.join(), 3);
  });
});

