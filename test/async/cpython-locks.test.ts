// Behaviours of CPython's Lib/test/test_asyncio/test_locks.py, ported to weft/async.
// Each test is named after the CPython test it ports. Python task cancellation maps to aborting
// the AbortSignal passed to the waiting call; `asyncio.sleep(0)` / `run_briefly` map to `tick()`.
// Where weft deliberately differs from asyncio (a resource handed over before the signal fired
// is kept), the test name says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  Lock,
  NotHeldError,
  Semaphore,
} from '../../src/async/index.js';
import { settle, tick, track } from './helpers.js';

const isCancelled = (e: unknown): boolean => e instanceof CancelledError;
const isBroken = (e: unknown): boolean => e instanceof BrokenBarrierError;

// ---------------------------------------------------------------------------------------------
// LockTests
// ---------------------------------------------------------------------------------------------

test('Lock: test_acquire — each release wakes exactly one waiter, FIFO (a late waiter goes last), and every acquire resolves to true', async () => {
  const lock = new Lock();
  const result: number[] = [];
  assert.equal(await lock.acquire(), true);

  const contender = (i: number) =>
    (async () => {
      if (await lock.acquire()) result.push(i);
      return true;
    })();

  const t1 = track(contender(1));
  const t2 = track(contender(2));
  await tick();
  assert.deepEqual(result, []);

  lock.release();
  await tick();
  assert.deepEqual(result, [1]);
  await tick();
  assert.deepEqual(result, [1], 'one release wakes one waiter only');

  const t3 = track(contender(3));
  lock.release();
  await tick();
  assert.deepEqual(result, [1, 2]);

  lock.release();
  await tick();
  assert.deepEqual(result, [1, 2, 3]);

  for (const t of [t1, t2, t3]) {
    assert.equal(t.state, 'fulfilled');
    assert.equal(t.value, true);
  }
  assert.equal(lock.locked, true, 't3 still holds the lock');
  assert.equal(lock.waiting, 0);
});

test('Lock: test_acquire_cancel — a cancelled acquire rejects with CancelledError, leaves no waiter, and takes no lock', async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  const ac = new AbortController();
  const waiter = lock.acquire({ signal: ac.signal });
  assert.equal(lock.waiting, 1);
  setImmediate(() => ac.abort()); // cancelled on a later turn, as call_soon(task.cancel)
  await assert.rejects(waiter, isCancelled);
  assert.equal(lock.waiting, 0);
  assert.equal(lock.locked, true, 'the first holder still holds it');
  lock.release();
  assert.equal(lock.locked, false, 'the cancelled waiter was not handed the lock');
});

test('Lock: test_cancel_release_race — cancel the first of three waiters and release in the same tick: only the second gets the lock', async () => {
  const lock = new Lock();
  let calls = 0;
  let taken = 0;
  const ac = new AbortController();
  const lockit = (signal?: AbortSignal) =>
    (async () => {
      calls++;
      await lock.acquire({ signal });
      taken++;
    })();

  await lock.acquire();
  const t1 = track(lockit(ac.signal));
  const t2 = track(lockit());
  const t3 = track(lockit());
  await tick();
  assert.equal(lock.waiting, 3);

  ac.abort();
  lock.release();
  await tick();

  assert.equal(t1.state, 'rejected');
  assert.ok(isCancelled(t1.error));
  assert.equal(taken, 1, 'the lock was taken once, not twice');
  assert.equal(calls, 3);
  assert.equal(t2.state, 'fulfilled');
  assert.equal(t3.state, 'pending');
  assert.equal(lock.waiting, 1);
  assert.equal(lock.locked, true);

  lock.release();
  await tick();
  assert.equal(t3.state, 'fulfilled');
  assert.equal(taken, 2);
});

test('Lock: test_finished_waiter_cancelled — after a cancelled waiter and a release, a newcomer gets the lock at once', async () => {
  const lock = new Lock();
  await lock.acquire();
  const ac = new AbortController();
  const b = track(lock.acquire({ signal: ac.signal }));
  await tick();
  assert.equal(lock.waiting, 1);

  ac.abort();
  lock.release();
  const c = track(lock.acquire()); // arrives only now, like the not-yet-started task in CPython
  await tick();

  assert.equal(b.state, 'rejected');
  assert.ok(isCancelled(b.error));
  assert.equal(c.state, 'fulfilled', 'the newcomer was not left behind the cancelled waiter');
  assert.equal(lock.locked, true);
  assert.equal(lock.waiting, 0);
});

// ---------------------------------------------------------------------------------------------
// EventTests
// ---------------------------------------------------------------------------------------------

test('Event: test_clear_with_waiters — set() then clear() in the same tick still wakes the current waiter, exactly once', async () => {
  const ev = new Event();
  let woken = 0;
  const t = track(ev.wait().then(() => woken++));
  await tick();
  assert.equal(woken, 0);

  ev.set();
  ev.clear();
  assert.equal(ev.isSet(), false);
  await tick();
  assert.equal(woken, 1, 'the set() woke the waiter although the flag was lowered before it ran');

  ev.set();
  ev.set();
  await tick();
  assert.equal(woken, 1, 'woken once, despite set, clear, set, set');
  assert.equal(t.state, 'fulfilled');
  assert.equal(ev.isSet(), true);
});

// ---------------------------------------------------------------------------------------------
// ConditionTests
// ---------------------------------------------------------------------------------------------

test('Condition: test_wait — a notified waiter resumes only once the lock is free, one at a time, FIFO, holding the lock', async () => {
  const cond = new Condition();
  const result: number[] = [];
  // Each waiter keeps the lock when it resumes (it never releases it), as in CPython.
  const waiter = (i: number) =>
    (async () => {
      await cond.acquire();
      await cond.wait();
      result.push(i);
      return true;
    })();

  const tasks = [1, 2, 3].map((i) => track(waiter(i)));
  await tick();
  assert.deepEqual(result, []);
  assert.equal(cond.locked, false, 'every waiter released the lock while waiting');

  assert.equal(await cond.acquire(), true);
  cond.notify();
  await tick();
  assert.deepEqual(result, [], 'notified, but the notifier still holds the lock');
  assert.equal(cond.locked, true);

  cond.release();
  await tick();
  assert.deepEqual(result, [1]);
  assert.equal(cond.locked, true, 'waiter 1 holds the lock again');

  cond.notify(2);
  await tick();
  assert.deepEqual(result, [1], 'waiters 2 and 3 need the lock waiter 1 holds');
  assert.equal(cond.locked, true);

  cond.release();
  await tick();
  assert.deepEqual(result, [1, 2], 'one release lets one notified waiter through');
  assert.equal(cond.locked, true);

  cond.release();
  await tick();
  assert.deepEqual(result, [1, 2, 3]);
  assert.equal(cond.locked, true);

  for (const t of tasks) {
    assert.equal(t.state, 'fulfilled');
    assert.equal(t.value, true);
  }
});

test('Condition: test_wait_cancel_after_notify — a signal aborted after the notification, while re-acquiring the lock, does not let wait() settle without the lock (weft: the notification is kept)', async () => {
  const cond = new Condition();
  const ac = new AbortController();
  let waited = false;
  const waiter = track(
    (async () => {
      using _ = await cond.guard();
      waited = true;
      await cond.wait({ signal: ac.signal });
      return cond.locked;
    })(),
  );
  await tick(); // start waiting

  await cond.acquire();
  cond.notify();
  await tick(); // the waiter now waits to re-acquire the lock
  ac.abort();
  await tick();
  assert.equal(waiter.state, 'pending', 'wait() never settles without the lock');

  cond.release();
  await tick();
  assert.equal(waiter.state, 'fulfilled');
  assert.equal(waiter.value, true, 'wait() settled holding the lock');
  assert.equal(waited, true);
  assert.equal(cond.locked, false, 'the guard released it afterwards: the lock is not stuck');
});

test('Condition: test_wait_for_unacquired — a predicate already true returns its value without the lock; a false one throws NotHeldError', async () => {
  const cond = new Condition();
  const value = [1, 2, 3];
  assert.equal(await cond.waitFor(() => value), value);
  assert.equal(cond.locked, false);
  await assert.rejects(cond.waitFor(() => false), NotHeldError);
});

test('Condition: test_notify — notify(1) wakes one; a later notify(2048) wakes the rest without counting the already-notified one twice', async () => {
  const cond = new Condition();
  const result: number[] = [];
  const waiter = (i: number) =>
    (async () => {
      await cond.acquire();
      await cond.wait();
      result.push(i);
      cond.release();
      return true;
    })();

  const tasks = [1, 2, 3].map((i) => track(waiter(i)));
  await tick();
  assert.deepEqual(result, []);

  await cond.acquire();
  cond.notify(1);
  cond.release();
  await tick();
  assert.deepEqual(result, [1]);

  await cond.acquire();
  cond.notify(1);
  cond.notify(2048);
  cond.release();
  await tick();
  assert.deepEqual(result, [1, 2, 3]);
  for (const t of tasks) assert.equal(t.value, true);
  assert.equal(cond.locked, false);
});

test('Condition: test_explicit_lock — a Condition built on a Lock and the Lock itself lock and unlock each other', async () => {
  const check = async (lock: Lock, cond: Condition) => {
    assert.equal(lock.locked, false);
    assert.equal(cond.locked, false);
    {
      using _ = await cond.guard();
      assert.equal(lock.locked, true);
      assert.equal(cond.locked, true);
    }
    assert.equal(lock.locked, false);
    assert.equal(cond.locked, false);
    {
      using _ = await lock.guard();
      assert.equal(lock.locked, true);
      assert.equal(cond.locked, true);
    }
    assert.equal(lock.locked, false);
    assert.equal(cond.locked, false);
  };
  const a = new Lock();
  await check(a, new Condition(a));
  const b = new Lock();
  const cb = new Condition(b);
  await check(b, cb);
  await check(b, new Condition(b)); // a second condition on the same lock
});

test('Condition: test_cancelled_error_wakeup — aborting a waitFor() rejects with CancelledError carrying the reason, unwrapped, holding the lock', async () => {
  const cond = new Condition();
  const ac = new AbortController();
  const reason = new Error('foo');
  const task = (async () => {
    using _ = await cond.guard();
    try {
      await cond.waitFor(() => false, { signal: ac.signal });
      return { error: undefined as unknown, locked: cond.locked };
    } catch (error) {
      return { error, locked: cond.locked };
    }
  })();
  await tick();
  ac.abort(reason);
  const r = await task;
  assert.ok(r.error instanceof CancelledError, 'not wrapped in another error');
  assert.equal((r.error as CancelledError).cause, reason);
  assert.equal(r.locked, true, 'the lock was re-acquired before waitFor rejected');
  assert.equal(cond.locked, false);
});

/** The consumer of CPython's test_cancelled_wakeup*: eats items while `state > 0`, stops when it goes negative. */
function consumers(cond: Condition, state: { n: number }, signals: AbortSignal[]) {
  return signals.map((signal) =>
    track(
      (async () => {
        using _ = await cond.guard();
        for (;;) {
          await cond.waitFor(() => state.n !== 0, { signal });
          if (state.n < 0) return 'done';
          state.n--;
        }
      })(),
    ),
  );
}

/**
 * CPython's test_cancelled_wakeup and ..._relock: one item is notified to the first of two
 * consumers, whose signal then aborts (at once, or after it began re-taking the lock); the
 * item must still be consumed, and both consumers must finish when told to stop.
 */
async function abortNotifiedConsumer(relocking: boolean): Promise<void> {
  const cond = new Condition();
  const state = { n: 0 };
  const acs = [new AbortController(), new AbortController()];
  const c = consumers(cond, state, acs.map((ac) => ac.signal));
  await tick();

  await cond.acquire();
  state.n++;
  cond.notify(1);
  if (relocking) await tick(); // the notified consumer now waits for the lock we hold
  acs[0]!.abort();
  cond.release();
  await tick();
  assert.equal(state.n, 0, 'the notification took hold despite the abort');

  await cond.acquire();
  state.n = -1;
  cond.notifyAll();
  cond.release();
  await tick();
  assert.equal(c[1]!.state, 'fulfilled');
  assert.equal(c[1]!.value, 'done');
  assert.notEqual(c[0]!.state, 'pending');
  assert.equal(cond.locked, false);
}

test('Condition: test_cancelled_wakeup — a waiter aborted in the same tick it is notified does not lose the wakeup: the item is consumed', () =>
  abortNotifiedConsumer(false));

test('Condition: test_cancelled_wakeup_relock — a waiter aborted while re-acquiring the lock after its notification does not lose the wakeup', () =>
  abortNotifiedConsumer(true));

// ---------------------------------------------------------------------------------------------
// SemaphoreTests
// ---------------------------------------------------------------------------------------------

test('Semaphore: test_initial_value_zero — a semaphore created with 0 permits is locked', () => {
  const sem = new Semaphore(0);
  assert.equal(sem.locked(), true);
  assert.equal(sem.value, 0);
  assert.equal(sem.tryAcquire(), false);
});

test('Semaphore: test_acquire — permits go to the first waiters; release() hands them over so the count stays 0', async () => {
  const sem = new Semaphore(3);
  const result: number[] = [];
  assert.equal(await sem.acquire(), true);
  assert.equal(await sem.acquire(), true);
  assert.equal(sem.locked(), false);

  const contender = (i: number) =>
    (async () => {
      await sem.acquire();
      result.push(i);
      return true;
    })();

  const t1 = track(contender(1));
  const t2 = track(contender(2));
  const t3 = track(contender(3));
  await tick();
  assert.deepEqual(result, [1]);
  assert.equal(sem.locked(), true);
  assert.equal(sem.waiting, 2);
  assert.equal(sem.value, 0);

  const t4 = track(contender(4));
  sem.release();
  sem.release();
  assert.equal(sem.value, 0, 'both permits were handed to waiters, not counted');

  await tick();
  assert.equal(sem.value, 0);
  assert.deepEqual(result, [1, 2, 3]);
  assert.equal(sem.locked(), true);
  assert.equal(sem.waiting, 1);
  assert.equal(t1.value, true);
  assert.deepEqual([t2.state, t3.state, t4.state], ['fulfilled', 'fulfilled', 'pending']);

  sem.release();
  await tick();
  assert.equal(t4.state, 'fulfilled');
  assert.deepEqual(result, [1, 2, 3, 4]);
});

test('Semaphore: test_acquire_cancel_before_awoken — two cancelled waiters at the head, then one release: only the third waiter gets the permit', async () => {
  const sem = new Semaphore(0);
  const acs = Array.from({ length: 4 }, () => new AbortController());
  const t = acs.map((ac) => track(sem.acquire({ signal: ac.signal })));
  await tick();

  acs[0]!.abort();
  acs[1]!.abort();
  sem.release();
  await tick();
  await tick();

  assert.ok(isCancelled(t[0]!.error));
  assert.ok(isCancelled(t[1]!.error));
  assert.equal(t[2]!.state, 'fulfilled');
  assert.equal(t[3]!.state, 'pending');
  assert.equal(sem.value, 0);

  acs[2]!.abort(); // already granted: no effect
  acs[3]!.abort();
  await tick();
  assert.equal(t[2]!.state, 'fulfilled');
  assert.ok(isCancelled(t[3]!.error));
  assert.equal(sem.waiting, 0);
  assert.equal(sem.value, 0, 'the third waiter still holds the only permit');
});

test('Semaphore: test_acquire_no_hang — aborting a waiter right after a release handed it the permit loses no permit (weft: the waiter keeps it, and returns it)', async () => {
  const sem = new Semaphore(1);
  const ac = new AbortController();
  let entered = false;

  await sem.acquire();
  const t2 = track(sem.run(() => { entered = true; }, { signal: ac.signal }));
  await tick();
  sem.release();
  ac.abort(); // same tick as the hand-over

  await tick();
  assert.equal(t2.state, 'fulfilled', 'handed over before the abort: the acquire succeeded');
  assert.equal(entered, true);
  assert.equal(sem.value, 1, 'the permit came back');
  assert.equal(sem.tryAcquire(), true, 'acquire does not hang');
});

test('Semaphore: test_acquire_fifo_order — a task that releases and re-acquires queues behind the tasks already waiting', async () => {
  const sem = new Semaphore(1);
  const result: string[] = [];
  const worker = async (tag: string) => {
    await sem.acquire();
    result.push(`${tag}_1`);
    await tick();
    sem.release();
    await sem.acquire();
    result.push(`${tag}_2`);
    await tick();
    sem.release();
  };
  await Promise.all([worker('c1'), worker('c2'), worker('c3')]);
  assert.deepEqual(result, ['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
  assert.equal(sem.value, 1);
});

test('Semaphore: test_acquire_fifo_order_2 — two releases wake the two waiters in order; a re-acquire after releasing comes last', async () => {
  const sem = new Semaphore(1);
  const result: number[] = [];
  const c1 = (async () => {
    await sem.acquire();
    result.push(1);
    return true;
  })();
  const c2 = (async () => {
    await sem.acquire();
    result.push(2);
    sem.release();
    await sem.acquire();
    result.push(4);
    return true;
  })();
  const c3 = (async () => {
    await sem.acquire();
    result.push(3);
    return true;
  })();
  await tick();
  sem.release();
  sem.release();
  assert.deepEqual(await Promise.all([c1, c2, c3]), [true, true, true]);
  assert.deepEqual(result, [1, 2, 3, 4]);
});

test('Semaphore: test_acquire_fifo_order_3 — the permits of two releases skip a waiter cancelled earlier', async () => {
  const sem = new Semaphore(0);
  const result: number[] = [];
  const ac = new AbortController();
  const contender = (i: number, signal?: AbortSignal) =>
    (async () => {
      await sem.acquire({ signal });
      result.push(i);
      return true;
    })();
  const t1 = track(contender(1, ac.signal));
  const t2 = contender(2);
  const t3 = contender(3);
  await tick();
  ac.abort();
  await tick();
  sem.release();
  sem.release();
  await Promise.all([t2, t3]);
  assert.ok(isCancelled(t1.error));
  assert.deepEqual(result, [2, 3]);
  assert.equal(sem.value, 0);
});

test('Semaphore: test_acquire_fifo_order_4 — releases beyond the waiters are counted, and later acquirers proceed in FIFO order', async () => {
  const sem = new Semaphore(0);
  const result: number[] = [];
  let t4: Promise<boolean> | undefined;

  const c4 = async () => {
    await null; // a task created later starts later
    result.push(4);
    return true;
  };
  const c1 = (async () => {
    assert.equal(sem.value, 0);
    await sem.acquire();
    assert.equal(sem.value, 0, 'c2 and c3 took the other two permits');
    t4 = c4(); // must run after c3, not c2
    result.push(1);
    return true;
  })();
  const c2 = (async () => {
    sem.release(); // handed to c1
    sem.release();
    sem.release();
    assert.equal(sem.value, 2, 'one permit went to the waiter, two are free');
    await sem.acquire();
    result.push(2);
    return true;
  })();
  const c3 = (async () => {
    await sem.acquire();
    assert.equal(sem.locked(), true);
    result.push(3);
    return true;
  })();

  assert.deepEqual(await Promise.all([c1, c2, c3]), [true, true, true]);
  assert.ok(t4 !== undefined);
  assert.equal(await t4, true);
  assert.deepEqual(result, [1, 2, 3, 4]);
  assert.equal(sem.value, 0);
});

// ---------------------------------------------------------------------------------------------
// BarrierTests (N = 5 unless the CPython test sets another)
// ---------------------------------------------------------------------------------------------

const N = 5;

test('Barrier: test_filling_one_task — a one-party barrier lets a single task through at once, with index 0', async () => {
  const barrier = new Barrier(1);
  const r = await settle(barrier.wait());
  assert.equal(r.state, 'fulfilled');
  assert.equal(r.value, 0);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: test_filling_one_task_twice — a one-party barrier passes two tasks in turn, both with index 0', async () => {
  const barrier = new Barrier(1);
  const t1 = track(barrier.wait());
  await tick();
  assert.equal(barrier.nWaiting, 0);
  const t2 = track(barrier.wait());
  await tick();
  assert.equal(t1.state, 'fulfilled');
  assert.equal(t2.state, 'fulfilled');
  assert.equal(t1.value, 0);
  assert.equal(t2.value, 0);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: test_filling_tasks_wait_twice — N tasks pass the barrier twice in a row', async () => {
  const barrier = new Barrier(N);
  const results: boolean[] = [];
  const task = async () => {
    await barrier.wait();
    results.push(true);
    await barrier.wait();
    results.push(false);
  };
  const all = await settle(Promise.all(Array.from({ length: N }, task)));
  assert.equal(all.state, 'fulfilled');
  assert.equal(results.length, N * 2);
  assert.equal(results.filter((x) => x).length, N);
  assert.equal(results.filter((x) => !x).length, N);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: test_filling_tasks_check_return_value — the second cycle hands out the indexes 0..N-1 once each', async () => {
  const barrier = new Barrier(N);
  let first = 0;
  let second = 0;
  const task = async () => {
    await barrier.wait();
    first++;
    const i = await barrier.wait();
    second++;
    return i;
  };
  const all = await settle(Promise.all(Array.from({ length: N }, task)));
  assert.equal(all.state, 'fulfilled');
  assert.equal(first, N);
  assert.equal(second, N);
  assert.deepEqual([...all.value!].sort((a, b) => a - b), [0, 1, 2, 3, 4]);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: test_blocking_tasks_while_draining — tasks re-entering as soon as a cycle completes join the next cycle, which completes', async () => {
  const barrier = new Barrier(N);
  const rewait = 2;
  const barrierNoWaiting = new Barrier(N - rewait);
  let rewaitLeft = rewait;
  let passes = 0;
  const task = async () => {
    await barrier.wait();
    if (rewaitLeft > 0) {
      rewaitLeft--;
      await barrier.wait();
    } else {
      await barrierNoWaiting.wait(); // only N - rewait tasks come here: it must complete
      await barrier.wait();
    }
    passes++;
  };
  const all = await settle(Promise.all(Array.from({ length: N }, task)));
  assert.equal(all.state, 'fulfilled', 'no task stayed blocked');
  assert.equal(passes, N);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrierNoWaiting.nWaiting, 0);
});

test('Barrier: test_filling_tasks_cancel_one — a cancelled waiter leaves the cycle; the cycle then completes with the others', async () => {
  const barrier = new Barrier(3);
  const results: number[] = [];
  const task = (signal?: AbortSignal) =>
    (async () => {
      const i = await barrier.wait({ signal });
      results.push(i);
    })();

  const ac = new AbortController();
  const t1 = track(task(ac.signal));
  await tick();
  assert.equal(barrier.nWaiting, 1);
  const t2 = task();
  await tick();
  assert.equal(barrier.nWaiting, 2);

  ac.abort();
  await tick();
  assert.equal(barrier.nWaiting, 1);
  assert.equal(t1.state, 'rejected');
  assert.ok(isCancelled(t1.error));

  const t3 = task();
  await tick();
  assert.equal(barrier.nWaiting, 2);
  const t4 = task();
  const all = await settle(Promise.all([t2, t3, t4]));
  assert.equal(all.state, 'fulfilled');
  assert.deepEqual(results.sort(), [0, 1, 2]);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test('Barrier: test_reset_barrier — reset() with nobody waiting leaves the barrier intact', async () => {
  const barrier = new Barrier(1);
  barrier.reset();
  await tick();
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
  assert.equal((await settle(barrier.wait())).value, 0);
});

test('Barrier: test_reset_barrier_while_tasks_waiting_and_waiting_again — tasks broken by reset() can wait again and complete a cycle', async () => {
  const barrier = new Barrier(N);
  let broken = 0;
  let passed = 0;
  const coro1 = async () => {
    try {
      await barrier.wait();
    } catch (e) {
      if (!isBroken(e)) throw e;
      broken++;
    } finally {
      await barrier.wait();
      passed++;
    }
  };
  const tasks = Array.from({ length: N - 1 }, coro1);
  await tick();
  barrier.reset();
  await tick();
  const last = barrier.wait().then(() => passed++);

  const all = await settle(Promise.all([...tasks, last]));
  assert.equal(all.state, 'fulfilled');
  assert.equal(barrier.broken, false);
  assert.equal(broken, N - 1);
  assert.equal(passed, N);
  assert.equal(barrier.nWaiting, 0);
});

/**
 * The first phase of CPython's test_abort_barrier_when_exception*: every task passes `barrier`
 * once; the middle one then fails and aborts it, so the others get `BrokenBarrierError` on
 * their second wait. Counts both outcomes in `counts`.
 */
async function passThenAbort(barrier: Barrier, counts: { passedTwice: number; broken: number }): Promise<void> {
  try {
    const i = await barrier.wait();
    if (i === Math.floor(N / 2)) throw new RangeError('fails after passing');
    await barrier.wait();
    counts.passedTwice++;
  } catch (e) {
    if (isBroken(e)) counts.broken++;
    else if (e instanceof RangeError) barrier.abort();
    else throw e;
  }
}

test('Barrier: test_abort_barrier_when_exception — a task that fails after passing aborts the barrier: every other task gets BrokenBarrierError', async () => {
  const barrier = new Barrier(N);
  const counts = { passedTwice: 0, broken: 0 };
  const all = await settle(Promise.all(Array.from({ length: N }, () => passThenAbort(barrier, counts))));
  assert.equal(all.state, 'fulfilled');
  assert.equal(barrier.broken, true);
  assert.equal(counts.passedTwice, 0);
  assert.equal(counts.broken, N - 1);
  assert.equal(barrier.nWaiting, 0);
});

test('Barrier: test_abort_barrier_when_exception_then_resetting — after an abort, tasks synchronise on a second barrier, reset the first, and pass it again', async () => {
  const barrier1 = new Barrier(N);
  const barrier2 = new Barrier(N);
  const counts = { passedTwice: 0, broken: 0 };
  let passedAfterReset = 0;
  const task = async () => {
    await passThenAbort(barrier1, counts);
    // Everyone has left barrier1 before the reset, and nobody enters it before the reset.
    const i = await barrier2.wait();
    if (i === Math.floor(N / 2)) barrier1.reset();
    await barrier2.wait();
    await barrier1.wait();
    passedAfterReset++;
  };
  const all = await settle(Promise.all(Array.from({ length: N }, task)));
  assert.equal(all.state, 'fulfilled');
  assert.equal(barrier1.broken, false);
  assert.equal(counts.passedTwice, 0);
  assert.equal(counts.broken, N - 1);
  assert.equal(passedAfterReset, N);
  assert.equal(barrier1.nWaiting, 0);
});
