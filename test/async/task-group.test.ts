import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, InvalidStateError, sleep, TaskGroup, taskGroup, TaskGroupError } from '../../src/async/index.js';
import { tick } from './helpers.js';

test('wait resolves once every task has finished; spawn returns each result', async () => {
  const group = new TaskGroup();
  const done: number[] = [];
  const a = group.spawn(async () => { await sleep(5); done.push(1); return 'a'; });
  const b = group.spawn(() => { done.push(2); return 'b'; });
  assert.equal(group.pending, 2);
  await group.wait();
  assert.deepEqual(done.sort(), [1, 2]);
  assert.deepEqual([await a, await b], ['a', 'b']);
  assert.equal(group.pending, 0);
});

test('the first failure aborts the siblings, and wait rejects with that error once all settled', async () => {
  const group = new TaskGroup();
  const boom = new Error('boom');
  let siblingSaw: unknown;
  let siblingFinished = false;
  group.spawn(async (signal) => {
    try {
      await sleep(10_000, { signal });
    } catch (e) {
      siblingSaw = e;
      await tick();
      siblingFinished = true;
      throw e;
    }
  });
  group.spawn(async () => { await tick(); throw boom; });
  await assert.rejects(group.wait(), (e: unknown) => e === boom);
  assert.ok(siblingSaw instanceof CancelledError);
  assert.equal((siblingSaw.cause as CancelledError).cause, boom);
  assert.equal(siblingFinished, true, 'the group waited for the cancelled sibling to unwind');
  assert.equal(group.signal.aborted, true);
});

test('several failures reject with a TaskGroupError listing each, first first', async () => {
  const group = new TaskGroup();
  const e1 = new Error('one');
  const e2 = new Error('two');
  group.spawn(() => { throw e1; });
  group.spawn(async () => { await tick(); throw e2; }); // ignores the signal, fails anyway
  await assert.rejects(group.wait(), (e: unknown) =>
    e instanceof TaskGroupError && e.code === 'ERR_WEFT_TASK_GROUP' && e.errors.length === 2 && e.errors[0] === e1 && e.errors[1] === e2 && e.cause === e1,
  );
});

test('cancellations caused by the failure are not reported as failures', async () => {
  const group = new TaskGroup();
  const boom = new Error('boom');
  group.spawn((signal) => sleep(10_000, { signal }));
  group.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
  group.spawn(() => Promise.reject(boom));
  await assert.rejects(group.wait(), (e: unknown) => e === boom);
});

test('an external signal cancels the children, and wait rejects with CancelledError carrying its reason', async () => {
  const ac = new AbortController();
  const group = new TaskGroup({ signal: ac.signal });
  let childReason: unknown;
  group.spawn(async (signal) => { await sleep(10_000, { signal }).catch((e: unknown) => { childReason = signal.reason; throw e; }); });
  ac.abort('shutdown');
  await assert.rejects(group.wait(), (e: unknown) => e instanceof CancelledError && e.cause === 'shutdown' && e.code === 'ERR_WEFT_ABORTED');
  assert.equal(childReason, 'shutdown');
});

test('cancel() cancels the children; a real failure still wins over the cancellation', async () => {
  const group = new TaskGroup();
  const boom = new Error('cleanup failed');
  group.spawn(async (signal) => {
    await sleep(10_000, { signal }).catch(() => undefined);
    throw boom;
  });
  group.cancel('enough');
  await assert.rejects(group.wait(), (e: unknown) => e === boom);
});

test('a group created with an aborted signal runs no task', async () => {
  const group = new TaskGroup({ signal: AbortSignal.abort('no') });
  let ran = false;
  await assert.rejects(group.spawn(() => { ran = true; }), CancelledError);
  assert.equal(ran, false);
  await assert.rejects(group.wait(), CancelledError);
});

test('spawning after wait settled throws InvalidStateError', async () => {
  const group = new TaskGroup();
  await group.wait();
  assert.throws(() => group.spawn(() => 1), (e: unknown) => e instanceof InvalidStateError && e.code === 'ERR_WEFT_INVALID_STATE');
});

test('tasks may spawn more tasks while the group waits', async () => {
  const group = new TaskGroup();
  let n = 0;
  const spawnTree = (depth: number): void => {
    group.spawn(async () => {
      await tick();
      n++;
      if (depth > 0) { spawnTree(depth - 1); spawnTree(depth - 1); }
    });
  };
  spawnTree(3);
  await group.wait();
  assert.equal(n, 15);
});

test('await using waits for the group at the end of the block', async () => {
  let finished = false;
  {
    await using group = new TaskGroup();
    group.spawn(async () => { await sleep(5); finished = true; });
  }
  assert.equal(finished, true);
});

test('taskGroup(body) resolves to the body result; a throwing body cancels the children', async () => {
  assert.equal(await taskGroup(async (g) => (await g.spawn(() => 20)) + 22), 42);
  let childCancelled = false;
  const oops = new Error('body failed');
  await assert.rejects(
    taskGroup(async (g) => {
      g.spawn((signal) => sleep(10_000, { signal }).catch((e: unknown) => { childCancelled = true; throw e; }));
      await tick();
      throw oops;
    }),
    (e: unknown) => e === oops,
  );
  assert.equal(childCancelled, true);
});

test('an error awaited by the body and thrown by its task is reported once', async () => {
  const boom = new Error('boom');
  await assert.rejects(taskGroup((g) => g.spawn(() => Promise.reject(boom))), (e: unknown) => e === boom);
});

test('a failing task never causes an unhandled rejection', async () => {
  const group = new TaskGroup();
  group.spawn(() => Promise.reject(new Error('handled by wait')));
  await tick();
  await assert.rejects(group.wait());
});
