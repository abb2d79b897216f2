/**
 * The moves of a shared-memory queue, each done at once (no waiting): counting an item in
 * (`accept`), writing records into the ring (`place`) and taking one out (`takeOne`), marking
 * items done, and refusing further puts (`refuse`). Whoever waits (ring-queue.ts, host.ts)
 * builds on these. Internal.
 *
 * `COUNT` is the truth about how many items a queue holds (the ring, the creator's overflow,
 * and puts on their way); getters decrement it under the consumer mutex, so that dropping the
 * items (`shutdown({ immediate })`, a broken pipe) can zero it consistently under the same mutex.
 * A process that dies holding a ring mutex leaves the ring consistent (each side publishes its
 * moves with one store at the end), so the next locker just takes the freed mutex.
 */
import { deserialize } from 'node:v8';
import { InvalidStateError, QueueShutDownError } from '../../errors.js';
import { notify, type Op } from '../../shared/futex.js';
import { LockOwnerDiedError, lockOp, lockSync, unlock } from '../../shared/mutex.js';
import { EMPTY, PENDING, W } from '../../shared/channel/ring.js';
import { putStaged, type Staged } from '../../shared/channel/stage.js';
import { wakeReceivers, wakeSenders } from '../../shared/channel/transfer.js';
import { PipeBrokenError, QueueClosedError } from '../errors.js';
import { CLOSED, DROPPED, PARCEL, Q, REASON, type QueueMemory } from './layout.js';

/** {@link accept}: the item is counted in. */
export const ACCEPTED = 0;
/** {@link accept}: a bounded queue holds `maxsize` items. */
export const NO_ROOM = 1;
/** {@link accept}: puts are refused (see `refusal`). */
export const REFUSED = 2;

/** What {@link takeOne} returns for a record standing for a value the queue's creator holds. */
export class Parcel {
  constructor(readonly id: number) {}
}

/** Takes the mutex at `h[i]`; a dead owner only freed it (see above), so try again. */
export function lockRing(h: Int32Array, i: number): void {
  for (;;) {
    try {
      lockSync(h, i, Infinity);
      return;
    } catch (error) {
      if (!(error instanceof LockOwnerDiedError)) throw error;
    }
  }
}

/** {@link lockRing} as an `Op`, for waits that must not block the event loop. */
export function* lockRingOp(h: Int32Array, i: number): Op<void> {
  for (;;) {
    try {
      yield* lockOp(h, i, Infinity);
      return;
    } catch (error) {
      if (!(error instanceof LockOwnerDiedError)) throw error;
    }
  }
}

/** Counts one more item in, unless puts are refused (REFUSED) or a bounded queue is full (NO_ROOM). */
export function accept(q: Int32Array, maxsize: number): number {
  for (let c = Atomics.load(q, Q.COUNT); ; ) {
    if (c & CLOSED) return REFUSED;
    if (maxsize > 0 && c >= maxsize) return NO_ROOM;
    const seen = Atomics.compareExchange(q, Q.COUNT, c, c + 1);
    if (seen === c) {
      Atomics.add(q, Q.UNFINISHED, 1);
      return ACCEPTED;
    }
    c = seen;
  }
}

/** Takes back an accepted item that could not be delivered (its carrier is gone), unless the items were dropped meanwhile. */
export function unaccept(m: QueueMemory): void {
  const q = m.q;
  for (let c = Atomics.load(q, Q.COUNT); ; ) {
    if (Atomics.load(q, Q.STATE) >= DROPPED || (c & ~CLOSED) === 0) return;
    const seen = Atomics.compareExchange(q, Q.COUNT, c, c - 1);
    if (seen === c) {
      done(q);
      if (c - 1 === CLOSED) wakeAll(m); // it was the last item of a refusing queue: getters fail now
      return;
    }
    c = seen;
  }
}

/** The error a refused put (or a get on a drained, refusing queue) gets. */
export function refusal(q: Int32Array): Error {
  const state = Atomics.load(q, Q.STATE);
  if (state === REASON.BROKEN) return new PipeBrokenError();
  if (state >= REASON.SHUT_DOWN) return new QueueShutDownError();
  return new QueueClosedError();
}

/** True once gets can only fail: the items were dropped, or puts are refused and none is left. */
export function ended(q: Int32Array): boolean {
  return Atomics.load(q, Q.STATE) >= DROPPED || Atomics.load(q, Q.COUNT) === CLOSED;
}

/** True when a get would answer without waiting: a record is in the ring, or puts are refused. */
export function ready(m: QueueMemory): boolean {
  return Atomics.load(m.h, W.TAIL) !== Atomics.load(m.h, W.HEAD) || Atomics.load(m.q, Q.STATE) !== REASON.OPEN;
}

/** Writes one staged record into the ring, waking a sleeping getter; false when the ring has no room for it. */
export function place(m: QueueMemory, s: Staged): boolean {
  const { ring, h } = m;
  lockRing(h, W.P_MUTEX);
  ring.beginPut(); // never refused: a queue's ring is never closed (its own words say whether puts are)
  const ok = putStaged(ring, s);
  ring.endPut();
  unlock(h, W.P_MUTEX);
  if (ok) wakeReceivers(h, 1);
  return ok;
}

/**
 * Takes the oldest record: its value, a {@link Parcel}, or `EMPTY` (none, or the items were
 * dropped). Counts the item out, and wakes a putter waiting for room or, when it was the last
 * item of a refusing queue, every getter (they fail now).
 */
export function takeOne(m: QueueMemory): unknown {
  lockRing(m.h, W.C_MUTEX);
  return takeLocked(m);
}

/** {@link takeOne} with the consumer mutex already held (it is released). */
export function takeLocked(m: QueueMemory): unknown {
  const { ring, h, q } = m;
  let v: unknown = EMPTY;
  let left = 0;
  try {
    if (Atomics.load(q, Q.STATE) >= DROPPED) return EMPTY;
    ring.beginTake();
    const kind = ring.peekKind();
    if (kind >= 0) v = ring.take();
    if (v === PENDING && kind === PARCEL) v = new Parcel(new Int32Array(ring.bytes!.buffer, ring.bytes!.byteOffset, 1)[0]!);
    if (ring.endTake() > 0) left = Atomics.sub(q, Q.COUNT, 1) - 1;
  } finally {
    unlock(h, W.C_MUTEX);
  }
  if (v === EMPTY) return v;
  wakeSenders(h);
  roomMade(q);
  if (left === CLOSED) wakeAll(m);
  return v === PENDING ? deserialize(ring.bytes!) : v;
}

/** Marks one item done; throws `InvalidStateError` when every item already is. Wakes joiners at 0. */
export function taskDone(q: Int32Array): void {
  for (let u = Atomics.load(q, Q.UNFINISHED); ; ) {
    if (u <= 0) throw new InvalidStateError('taskDone() called more times than there were items: call it once per item got');
    const seen = Atomics.compareExchange(q, Q.UNFINISHED, u, u - 1);
    if (seen === u) {
      if (u === 1) notify(q, Q.UNFINISHED);
      return;
    }
    u = seen;
  }
}

/** Sleeps until every item is done. */
export function* joinOp(q: Int32Array): Op<void> {
  for (let u = Atomics.load(q, Q.UNFINISHED); u > 0; u = Atomics.load(q, Q.UNFINISHED)) {
    yield { i32: q, index: Q.UNFINISHED, value: u, deadline: Infinity };
  }
}

/**
 * Refuses puts from now on, for `reason` (a stronger reason replaces a weaker one), and wakes
 * every waiter to see it. From `DROPPED` on, the items held are dropped: each counted done, and
 * gets fail at once (records left in the ring are never read).
 */
export function refuse(m: QueueMemory, reason: number): void {
  const { h, q } = m;
  for (let s = Atomics.load(q, Q.STATE); s < reason; ) {
    const seen = Atomics.compareExchange(q, Q.STATE, s, reason);
    if (seen === s) break;
    s = seen;
  }
  Atomics.or(q, Q.COUNT, CLOSED);
  if (reason >= DROPPED) {
    lockRing(h, W.C_MUTEX);
    const dropped = Atomics.exchange(q, Q.COUNT, CLOSED) & ~CLOSED;
    unlock(h, W.C_MUTEX);
    if (dropped > 0) done(q, dropped);
  }
  wakeAll(m);
}

/** `n` items done (never below 0); wakes joiners at 0. */
function done(q: Int32Array, n = 1): void {
  for (let u = Atomics.load(q, Q.UNFINISHED); u > 0; ) {
    const seen = Atomics.compareExchange(q, Q.UNFINISHED, u, Math.max(0, u - n));
    if (seen === u) {
      if (u <= n) notify(q, Q.UNFINISHED);
      return;
    }
    u = seen;
  }
}

/** After a get: wakes the putters waiting for room, if any registered. */
function roomMade(q: Int32Array): void {
  if (Atomics.load(q, Q.ROOM_WAITERS) > 0 && Atomics.exchange(q, Q.ROOM_WAITERS, 0) > 0) {
    Atomics.add(q, Q.ROOM, 1);
    notify(q, Q.ROOM);
  }
}

/** Wakes every getter, poller, feeder and putter, whatever it waits for. */
function wakeAll({ h, q }: QueueMemory): void {
  for (const [i32, index] of [[h, W.NOT_EMPTY], [h, W.NOT_FULL], [q, Q.ROOM]] as const) {
    Atomics.add(i32, index, 1);
    notify(i32, index);
  }
}
