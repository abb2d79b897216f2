/**
 * The moves of a `Channel` under its mutexes: putting staged values into the ring, taking
 * them out, and waking the other side. Each `put…`/`take…` is called with the producer
 * (consumer) mutex held and releases it; `Channel` decides when to try, spin and sleep.
 */
import { notify } from '../futex.js';
import { deserialize } from 'node:v8';
import { unlock } from '../mutex.js';
import { Ring, W, OK, FULL, CLOSED, EMPTY, PENDING, NUMBER, NUMBERS } from './ring.js';
import { stage, putStaged, type Staged } from './stage.js';

/** Encoded values between two publishes in a batch, so receivers start early. */
const PUBLISH_EVERY = 32;

// What a receive attempt collects.
/** One value. */
export const ONE = 0;
/** A non-empty array of the values ready. */
export const MANY = 1;
/** A run of numbers copied into a Float64Array; the count. */
export const FLOATS = 2;

// Receive outcomes other than a value; symbols, so no value can be mistaken for one.
export const DONE: unique symbol = Symbol('closed and drained');
export const TIMEOUT: unique symbol = Symbol('timed out');
export const NOT_NUMBER: unique symbol = Symbol('next value is not a number');

/** Producer mutex held; releases it. OK, FULL or CLOSED. */
export function putOne(r: Ring, s: Staged): number {
  if (!r.beginPut()) {
    unlock(r.h, W.P_MUTEX);
    return CLOSED;
  }
  const ok = putStaged(r, s);
  r.endPut();
  unlock(r.h, W.P_MUTEX);
  if (!ok) return FULL;
  wakeReceivers(r.h, 1);
  return OK;
}

/** Producer mutex held; releases it. Puts `values` from index `i` while they fit: the index reached, or -1 if closed. */
export function putMany(r: Ring, values: ArrayLike<unknown>, i: number, capacity: number): number {
  const n = values.length;
  if (!r.beginPut()) {
    unlock(r.h, W.P_MUTEX);
    return -1;
  }
  try {
    if (values instanceof Float64Array) i += r.putNumbers(values, i, n);
    else {
      while (i < n) {
        const v = values[i];
        if (typeof v === 'number') {
          let j = i + 1;
          while (j < n && typeof values[j] === 'number') j++;
          const k = r.putNumbers(values as ArrayLike<number>, i, j);
          i += k;
          if (i < j) break;
        } else {
          if (!putStaged(r, stage(v, capacity))) break;
          // Encoding takes time: publish every few values so receivers work meanwhile.
          if (++i % PUBLISH_EVERY === 0) {
            wakeReceivers(r.h, r.endPut());
            r.beginPut(); // cannot fail: close() needs the producer mutex, held here
          }
        }
      }
    }
  } finally {
    const k = r.endPut();
    unlock(r.h, W.P_MUTEX);
    wakeReceivers(r.h, k);
  }
  return i;
}

/**
 * Consumer mutex held; releases it. A value (ONE), a non-empty array (MANY), a count > 0
 * (FLOATS), EMPTY, DONE, or NOT_NUMBER (FLOATS when the next value is not a number).
 */
export function take(r: Ring, mode: number, max: number, out: Float64Array | null): unknown {
  const h = r.h;
  const closed = Atomics.load(h, W.CLOSED) === 1; // read before the tail: once closed, nothing more arrives
  let v: unknown = EMPTY;
  let pending: number[] | null = null;
  let got = 0;
  r.beginTake();
  try {
    if (mode === ONE) v = r.take();
    else if (mode === FLOATS) {
      const kind = r.peekKind(); // peek first: the tail may move between a failed take and a peek
      if (kind === NUMBER || kind === NUMBERS) v = r.takeNumbers(out!, 0);
      else if (kind >= 0) v = NOT_NUMBER;
    } else {
      const list: unknown[] = [];
      while (list.length < max) {
        const x = r.take();
        if (x === EMPTY) break;
        if (x === PENDING) (pending ??= []).push(list.length), list.push(r.bytes);
        else list.push(x);
      }
      if (list.length > 0) v = list;
    }
  } finally {
    got = r.endTake();
    unlock(h, W.C_MUTEX);
  }
  if (got === 0) return v === NOT_NUMBER ? v : closed ? DONE : EMPTY;
  wakeSenders(h);
  if (v === PENDING) return deserialize(r.bytes!);
  if (pending !== null) for (const k of pending) (v as unknown[])[k] = deserialize((v as Uint8Array[])[k]!);
  return v;
}

/** After `n` values were published: wakes the receivers that registered to sleep. */
export function wakeReceivers(h: Int32Array, n: number): void {
  // One exchange claims every registered sleeper: later publishes skip the notify until one registers again.
  // So a sleeper reads NOT_EMPTY before it registers: a claim that comes after its read changes the word.
  if (n > 0 && Atomics.load(h, W.RECV_WAITERS) > 0 && Atomics.exchange(h, W.RECV_WAITERS, 0) > 0) {
    Atomics.add(h, W.NOT_EMPTY, 1);
    notify(h, W.NOT_EMPTY);
  }
}

/** After values were taken: wakes the senders that registered to sleep. */
export function wakeSenders(h: Int32Array): void {
  if (Atomics.load(h, W.SEND_WAITERS) > 0 && Atomics.exchange(h, W.SEND_WAITERS, 0) > 0) {
    Atomics.add(h, W.NOT_FULL, 1);
    notify(h, W.NOT_FULL);
  }
}
