import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  reviveShared, reviveArgs, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier, InvalidSharedObjectError,
} from '../../src/shared/index.js';

const posted = <T>(v: T): unknown => structuredClone(v);

test('every primitive survives structured clone as a tagged plain object and revives over the same memory', () => {
  const all = [new Lock(), new RLock(), new Semaphore(3), new BoundedSemaphore(2), new Condition(), new Event(), new Barrier(2)];
  for (const p of all) {
    const copy = posted(p) as { __weft: string; buffer: SharedArrayBuffer };
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal(copy.__weft, p.__weft);
    const back = reviveShared(copy);
    assert.equal(back.constructor, p.constructor);
    assert.equal((back as { buffer: SharedArrayBuffer }).buffer, copy.buffer);
  }
});

test('a revived Semaphore keeps its count and a revived Condition keeps its lock', () => {
  const sem = Semaphore.from(posted(new Semaphore(3)));
  assert.equal(sem.value, 3);
  const lock = new Lock();
  const cond = reviveShared(posted(new Condition(lock))) as Condition;
  assert.ok(cond.lock instanceof Lock);
  lock.acquireSync();
  assert.equal(cond.lock.locked, true, 'the condition lock is the same memory');
  lock.release();
});

test('reviveShared returns non-weft values unchanged', () => {
  const plain = { a: 1 };
  const ev = new Event();
  for (const v of [1, 'x', null, undefined, 10n, plain, [1], { __weft: 'Unknown' }]) assert.equal(reviveShared(v), v);
  assert.equal(reviveShared(ev), ev);
});

test('reviveShared throws on a tagged object whose memory is wrong', () => {
  assert.throws(() => reviveShared({ __weft: 'Lock', buffer: new ArrayBuffer(4), offset: 0 }), InvalidSharedObjectError);
  assert.throws(() => reviveShared({ __weft: 'Semaphore', buffer: new SharedArrayBuffer(4), offset: 0 }), InvalidSharedObjectError);
});

test('reviveArgs revives the top level in place and nothing deeper', () => {
  const lock = posted(new Lock());
  const nested = { lock: posted(new Lock()) };
  const args = [1, lock, nested];
  assert.equal(reviveArgs(args), args);
  assert.ok(args[1] instanceof Lock);
  assert.equal(args[2], nested);
  assert.ok(!(nested.lock instanceof Lock));
});

test('a pending awaitable wait keeps the process alive until it settles, then lets it exit', () => {
  const script = fileURLToPath(new URL('./fixtures/keepalive.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, 'the child exited by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { acquired: true, timedOut: true });
});
