// weft/shared across processes (issue 13): the same primitives, created with their ordinary
// constructors, passed to ProcessPool tasks and Process targets, over the same memory.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ProcessPool, Process } from '../../src/index.js';
import {
  Barrier, Condition, Event, InvalidSharedObjectError, Lock, RLock, Semaphore, SharedMemory, SharedMemoryExistsError, SharedMemoryNotFoundError, SharedMemorySizeError,
  SharedValue, reviveShared,
} from '../../src/shared/index.js';
import { LockOwnerDiedError } from '../../src/shared/mutex.js';
import { loadAddon } from '../../src/shared/native.js';
import { rejectsWith } from '../helpers.js';

type Shared = typeof import('../fixtures/process/shared.js');
const sharedUrl = new URL('../fixtures/process/shared.ts', import.meta.url);
const addon = loadAddon();
const skip = addon ? false : 'the native addon is not built here (see scripts/build-native.mjs); the fallback test below still runs';

/** Waits until `value` reads non-zero, letting the event loop run. */
async function until(value: SharedValue<'int32'>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (value.get() === 0) {
    if (Date.now() > deadline) assert.fail('timed out waiting for the child');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('weft/shared between processes', { skip }, () => {
  const pool = new ProcessPool<Shared>(sharedUrl, { size: 3 });
  after(() => pool.close());

  test('2 processes x 1,000,000 locked increments are exact; without the lock updates are lost', async () => {
    for (const lock of [new Lock(), new RLock()]) {
      const value = new SharedValue('int32');
      const start = new Barrier(2);
      assert.deepEqual(await Promise.all([pool.run('increment', lock, value, 1_000_000, start), pool.run('increment', lock, value, 1_000_000, start)]), [1_000_000, 1_000_000]);
      assert.equal(value.get(), 2_000_000);
      assert.equal(lock.locked, false);
    }
    // Without the lock, updates are lost once the two processes really run at once; on a busy
    // machine one may finish before the other is scheduled, so a few rounds are allowed.
    let lost = false;
    for (let round = 0; round < 10 && !lost; round++) {
      const value = new SharedValue('int32');
      const start = new Barrier(2);
      await Promise.all([pool.run('increment', null, value, 5_000_000, start), pool.run('increment', null, value, 5_000_000, start)]);
      lost = value.get() < 10_000_000;
    }
    assert.ok(lost, 'without the lock, two processes incrementing at once should lose updates');
  });

  test('an Event set here wakes children blocked on it', async () => {
    const event = new Event();
    const waiters = [pool.run('waitEvent', event, 30_000), pool.run('waitEvent', event, 30_000)];
    await new Promise((r) => setTimeout(r, 200));
    event.set();
    assert.deepEqual(await Promise.all(waiters), [true, true]);
    assert.equal(await pool.run('waitEvent', new Event(), 10), false);
  });

  test('Semaphore(1) never admits two processes at once', async () => {
    const semaphore = new Semaphore(1);
    const inside = new SharedValue('int32');
    assert.deepEqual(await Promise.all([pool.run('crowd', semaphore, inside, 100), pool.run('crowd', semaphore, inside, 100)]), [1, 1]);
    const three = new Semaphore(2);
    const most = await Promise.all([0, 1, 2].map(() => pool.run('crowd', three, new SharedValue('int32'), 20)));
    assert.ok(most.every((m) => m <= 2));
  });

  test('a Barrier across 3 processes releases each round together', async () => {
    const barrier = new Barrier(3);
    const rounds = await Promise.all([0, 1, 2].map(() => pool.run('meet', barrier, 3)));
    for (let r = 0; r < 3; r++) assert.deepEqual(rounds.map((indexes) => indexes[r]).sort(), [0, 1, 2]);
  });

  test('Condition: a child waits, the parent notifies', async () => {
    const condition = new Condition();
    const flag = new SharedValue('int32');
    const child = new Process<Shared, 'awaitFlag'>(sharedUrl, 'awaitFlag', [condition, flag]).start();
    await new Promise((r) => setTimeout(r, 200));
    await condition.acquire();
    flag.set(7);
    condition.notifyAll();
    condition.release();
    assert.equal(await child.join(), 7);
  });

  test('the parent awaiting a lock a child holds keeps its timers running', async () => {
    const lock = new Lock();
    const held = new SharedValue('int32');
    const child = pool.run('holdFor', lock, held, 300);
    await until(held);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    assert.equal(await lock.acquire({ timeout: 30_000 }), true);
    clearInterval(timer);
    lock.release();
    assert.ok(ticks > 5, `the event loop ran while the lock was awaited (${ticks} ticks)`);
    assert.equal(await child, true);
  });

  test('a child SIGKILLed holding a Lock, an RLock or a Condition: the next acquirer gets ERR_WEFT_OWNER_DIED, then the lock works', async () => {
    for (const make of [() => new Lock(), () => new RLock(), () => new Condition()]) {
      const lock = make();
      const held = new SharedValue('int32');
      const child = new Process<Shared, 'holdForever'>(sharedUrl, 'holdForever', [lock, held]).start();
      await until(held);
      child.kill('SIGKILL');
      await assert.rejects(child.join());
      await rejectsWith(lock.acquire({ timeout: 30_000 }), LockOwnerDiedError, 'ERR_WEFT_OWNER_DIED');
      assert.equal(await lock.acquire({ timeout: 1000 }), true);
      lock.release();
    }
  });

  test('a lock whose owner\'s process id now belongs to another program (pid reuse) is reported as owner-died, not held forever', async () => {
    const { claimShared } = await import('../../src/shared/arena.js');
    const { lockSync } = await import('../../src/shared/mutex.js');
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' }); // alive, and maps no weft memory
    try {
      const { buffer, offset } = claimShared(4)!;
      const word = new Int32Array(buffer, offset, 1);
      Atomics.store(word, 0, stranger.pid!); // as if a process with that id had taken it, then died, and the id went to 'sleep'
      assert.throws(() => lockSync(word, 0, performance.now() + 10_000), (e: unknown) => e instanceof LockOwnerDiedError && e.code === 'ERR_WEFT_OWNER_DIED');
      assert.equal(lockSync(word, 0, performance.now() + 1000), true);
      // A live weft process that maps the memory and holds the lock is waited for, not robbed.
      Atomics.store(word, 0, 0);
      const lock = new Lock();
      const held = new SharedValue('int32');
      const child = new Process<Shared, 'holdFor'>(sharedUrl, 'holdFor', [lock, held, 400]).start();
      await until(held);
      assert.equal(await lock.acquire({ timeout: 30_000 }), true);
      lock.release();
      assert.equal(await child.join(), true);
    } finally {
      stranger.kill();
    }
  });

  test('a worker thread blocked on a process-shared lock can still be terminated', async () => {
    const { Thread } = await import('../../src/index.js');
    const lock = new Lock();
    await lock.acquire();
    const thread = new Thread<Shared, 'blockOn'>(sharedUrl, 'blockOn', [lock]).start();
    await new Promise((r) => setTimeout(r, 300)); // it is blocked in the native wait by now
    await thread.terminate();
    await assert.rejects(thread.join());
    lock.release();
  });

  test('a primitive made in a worker thread and posted to this one can be sent on to child processes', async () => {
    const { ThreadPool } = await import('../../src/index.js');
    await using threads = new ThreadPool<Shared>(sharedUrl, { size: 1 });
    const [lock, value] = (await threads.run('makeCounter')).map(reviveShared) as [Lock, SharedValue<'int32'>]; // results are revived at the top level only
    const start = new Barrier(2);
    await Promise.all([pool.run('increment', lock, value, 100_000, start), pool.run('increment', lock, value, 100_000, start)]);
    assert.equal(value.get(), 200_000);
  });

  test('no shared memory segment of a process that is gone is left in /dev/shm', async () => {
    // A child that creates primitives of its own and exits normally unlinks its segments itself;
    // one killed first leaves them to the next weft process that makes a segment (which sweeps).
    const script = "const { Lock } = await import('./src/shared/index.ts'); new Lock(); if (process.argv[2] === 'kill') process.kill(process.pid, 'SIGKILL');";
    for (const how of ['exit', 'kill']) spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, how], { cwd: new URL('../..', import.meta.url) });
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'exit'], { cwd: new URL('../..', import.meta.url) });
    const stale = readdirSync('/dev/shm').filter((e) => e.startsWith('weft-') && !addon!.alive(Number.parseInt(e.slice(5), 10)));
    assert.deepEqual(stale, []);
  });
});

describe('SharedMemory: named blocks, as shared_memory.SharedMemory', { skip }, () => {
  test('a block created here is attached by name in a child, which sees and changes the same bytes', async () => {
    const shm = new SharedMemory({ size: 4096 });
    assert.match(shm.name, /^weft-shm-/);
    assert.equal(shm.size, 4096);
    new Uint8Array(shm.buffer)[0] = 42;
    const seen = await new Process<Shared, 'touchNamed'>(sharedUrl, 'touchNamed', [shm.name, 7]).start().join();
    assert.equal(seen, 42);
    assert.equal(new Uint8Array(shm.buffer)[1], 7);
    const again = new SharedMemory({ name: shm.name, size: 100 });
    assert.equal(again.size, 4096);
    again.close();
    assert.throws(() => again.buffer, (e: unknown) => (e as { code?: string }).code === 'ERR_WEFT_INVALID_STATE');
    shm.unlink();
    assert.throws(() => new SharedMemory({ name: shm.name }), (e: unknown) => e instanceof SharedMemoryNotFoundError && e.code === 'ERR_WEFT_SHM_NOT_FOUND');
    assert.equal(new Uint8Array(shm.buffer)[0], 42); // unlinking removes the name, not the memory
  });

  test('bad input: a missing name, a taken name, a size larger than the block, no size to create: each a named error', () => {
    assert.throws(() => new SharedMemory({ name: `weft-shm-none-${process.pid}` }), (e: unknown) => e instanceof SharedMemoryNotFoundError);
    const shm = new SharedMemory({ name: `weft-shm-test-${process.pid}`, size: 64, create: true });
    try {
      assert.throws(() => new SharedMemory({ name: shm.name, size: 64, create: true }), (e: unknown) => e instanceof SharedMemoryExistsError && e.code === 'ERR_WEFT_SHM_EXISTS');
      assert.throws(() => new SharedMemory({ name: shm.name, size: 65 }), (e: unknown) => e instanceof SharedMemorySizeError && e.code === 'ERR_WEFT_SHM_SIZE');
      assert.throws(() => new SharedMemory({ create: true }), (e: unknown) => (e as { code?: string }).code === 'ERR_WEFT_INVALID_ARGUMENT');
      assert.throws(() => new SharedMemory({ name: 'a/b' }), (e: unknown) => (e as { code?: string }).code === 'ERR_WEFT_INVALID_ARGUMENT');
      assert.throws(() => Lock.from({ __weft: 'Lock', buffer: { __weft: 'Segment', name: '/weft-1-0-gone-0', size: 16 }, offset: 0 }), InvalidSharedObjectError);
      assert.throws(() => Lock.from({ __weft: 'Semaphore', buffer: new SharedArrayBuffer(16), offset: 0 }), InvalidSharedObjectError);
    } finally {
      shm.unlink();
    }
  });
});

describe('weft/shared without the addon', () => {
  test('threads keep working; a primitive sent to a process fails with ERR_WEFT_NO_PROCESS_SHARED_MEMORY', () => {
    const script = `
      const { ThreadPool, ProcessPool } = await import('./src/index.ts');
      const { Lock, SharedValue } = await import('./src/shared/index.ts');
      const tasks = new URL('./test/fixtures/process/shared.ts', 'file://' + process.cwd() + '/');
      const lock = new Lock(); const value = new SharedValue('int32');
      const { Barrier } = await import('./src/shared/index.ts');
      const threads = new ThreadPool(tasks, { size: 2 });
      const start = new Barrier(2);
      await Promise.all([threads.run('increment', lock, value, 1000, start), threads.run('increment', lock, value, 1000, start)]);
      await threads.close();
      const processes = new ProcessPool(tasks, { size: 1 });
      const error = await processes.run('increment', lock, value, 1, new Barrier(1)).catch((e) => e);
      await processes.close();
      console.log(JSON.stringify({ value: value.get(), code: error.code, message: error.message }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url), env: { ...process.env, WEFT_NO_ADDON: '1' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { value: number; code: string; message: string };
    assert.equal(out.value, 2000);
    assert.equal(out.code, 'ERR_WEFT_NO_PROCESS_SHARED_MEMORY');
    assert.match(out.message, /WEFT_NO_ADDON|build-native/);
  });
});
