/**
 * A queue handle whose items travel through process-shared memory (layout.ts), the same in
 * every thread and process that holds it: puts write into the ring, gets take from it, and
 * waits sleep on the process-shared futex without blocking the event loop (a brief spin
 * first, as a sleeping getter takes tens of microseconds to wake). Only what the ring cannot
 * carry goes to the queue's creator (host.ts) over its broker's socket: items put while the
 * ring has no room, and items too large for it. Internal: `Queue` is the public face.
 */
import { deserialize } from 'node:v8';
import { CancelledError, QueueEmptyError, QueueEmptyTimeoutError, QueueFullError, QueueFullTimeoutError } from '../../errors.js';
import { deadlineOf, runAsync, type Op } from '../../shared/futex.js';
import { tryLock } from '../../shared/mutex.js';
import { EMPTY, W } from '../../shared/channel/ring.js';
import type { Staged } from '../../shared/channel/stage.js';
import { own, stageItem, wireOf } from './item.js';
import { CLOSED, DROPPED, PARCEL, Q, REASON, type QueueMemory } from './layout.js';
import { ACCEPTED, NO_ROOM, Parcel, accept, ended, joinOp, lockRingOp, place, ready, refusal, refuse, takeLocked, takeOne, taskDone, unaccept } from './moves.js';

/** Items a handle may have on their way to the creator (overflow) before a put waits for the creator to hold them. */
const PUT_AHEAD = 1024;
/** What a wait returns when its deadline passed. */
const TIMED_OUT: unique symbol = Symbol('timed out');
// Polling the ring before a getter sleeps, in two rounds of at most SPIN_MAX_MS each (timed:
// cold code polls far slower than optimized code), adapted per handle as `Channel` does:
// doubled when a spin saw an item come, halved when the getter slept anyway (spinning only
// steals the CPU from the other side when both share one). A wake-up takes longer than a short
// spin, so two sides that both sleep would stay in that slow beat: every PROBE_EVERY-th sleep,
// the next wait spins the longest, long enough to see the other side's answer come and so fall
// back in step.
const SPIN_MAX_MS = 0.04;
const SPIN_MIN_MS = 0.0025;
const PROBE_EVERY = 16;

/** The creator's part of the queue, as a handle sees it (host.ts). */
export interface HostPart {
  put(s: Staged): void;
  parcel(id: number): Uint8Array;
  dropped(): void;
}

/** How a handle reaches its queue's creator: directly in the creator's thread, else through its broker. */
export interface Link {
  /** The creator's part, when this thread is the creator. */
  host(): HostPart | undefined;
  /** A call to the creator's broker; resolves with its answer. */
  call(op: string, ...args: unknown[]): Promise<unknown>;
  /** A message to the creator's broker that needs no answer. */
  tell(op: string, ...args: unknown[]): void;
}

/** One handle of a shared-memory queue (see the file's note). */
export class RingQueue {
  readonly #m: QueueMemory;
  readonly #maxsize: number;
  readonly #link: Link;
  #host: HostPart | null | undefined;
  /** Overflow puts sent to the creator and not yet held there; the first that was lost. */
  #ahead = 0;
  #lost: Error | undefined;
  #spinMs = SPIN_MAX_MS;
  #sleeps = 0;

  constructor(memory: QueueMemory, maxsize: number, link: Link) {
    this.#m = memory;
    this.#maxsize = maxsize;
    this.#link = link;
  }

  /** Adds `item` now, or throws `QueueFullError` or the refusal; a promise only when the item went to the creator with many others before it. */
  putNowait(item: unknown): void | Promise<void> {
    const s = stageItem(item, this.#m.capacity);
    const a = accept(this.#m.q, this.#maxsize);
    if (a !== ACCEPTED) throw a === NO_ROOM ? new QueueFullError() : refusal(this.#m.q);
    return this.#place(s);
  }

  /** Adds `item`, waiting up to `timeout` ms for room in a bounded queue. */
  async put(item: unknown, timeout: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    let s = stageItem(item, this.#m.capacity);
    let a = accept(this.#m.q, this.#maxsize);
    if (a === NO_ROOM) {
      s = own(s);
      a = await this.#wait(this.#roomOp(deadlineOf(timeout)), signal, () => new QueueFullTimeoutError(`put() found no room in the queue within ${timeout} ms: wait longer, consume faster, or raise maxsize`));
    }
    if (a !== ACCEPTED) throw refusal(this.#m.q);
    return this.#place(s);
  }

  /** Takes an item now, or throws `QueueEmptyError` (the refusal once the queue ended). A promise only for a parcel held by another process. */
  getNowait(): unknown {
    const v = takeOne(this.#m);
    if (v === EMPTY) throw ended(this.#m.q) ? refusal(this.#m.q) : new QueueEmptyError();
    return this.#value(v);
  }

  /** Takes the oldest item, waiting up to `timeout` ms for one. */
  async get(timeout: number | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    let v = tryLock(this.#m.h, W.C_MUTEX) ? takeLocked(this.#m) : EMPTY; // a busy mutex is waited for without blocking the loop
    if (v === EMPTY) {
      if (ended(this.#m.q)) throw refusal(this.#m.q);
      v = await this.#wait(this.#getOp(deadlineOf(timeout)), signal, () => new QueueEmptyTimeoutError(`get() found no item in the queue within ${timeout} ms: wait longer, or check that a producer is running`));
    }
    return this.#value(v);
  }

  /** Whether a get would answer without waiting, waiting up to `timeout` ms for that. */
  async poll(timeout: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (ready(this.#m)) return true;
    if (timeout <= 0) return false;
    return this.#wait(this.#pollOp(deadlineOf(timeout)), signal, () => new QueueEmptyTimeoutError());
  }

  /** Marks one item done. */
  taskDone(): void {
    taskDone(this.#m.q);
  }

  /** Resolves once every item put is done. */
  join(): Promise<void> {
    return runAsync(joinOp(this.#m.q));
  }

  /** No more puts; gets drain what is left. */
  close(): void {
    refuse(this.#m, REASON.CLOSED);
  }

  /** Python 3.13's `shutdown(immediate)` (see `Queue.shutdown`). */
  shutdown(immediate: boolean): void {
    refuse(this.#m, immediate ? DROPPED : REASON.SHUT_DOWN);
    if (!immediate) return;
    const host = this.#hostHere();
    if (host) host.dropped();
    else this.#link.tell('dropped'); // the creator forgets its overflow and parcels
  }

  /** Items held now, wherever they are (a snapshot). */
  get size(): number {
    return Atomics.load(this.#m.q, Q.COUNT) & ~CLOSED;
  }

  #hostHere(): HostPart | null {
    if (this.#host === undefined) this.#host = this.#link.host() ?? null;
    return this.#host;
  }

  /**
   * Delivers an accepted item: straight into the ring when it fits and nothing put earlier can
   * still be on its way there (none of ours is travelling to the creator, whose overflow is
   * empty); else to the creator, which feeds it in behind the others.
   */
  #place(s: Staged): void | Promise<void> {
    const host = this.#hostHere();
    if (host) return host.put(s);
    if (this.#lost) {
      unaccept(this.#m);
      throw this.#lost;
    }
    if (this.#ahead === 0 && s.kind !== PARCEL && Atomics.load(this.#m.q, Q.OVERFLOW) === 0 && place(this.#m, s)) return;
    const held = this.#link.call('overflow', ...wireOf(s));
    this.#ahead++;
    const placed = held.then(
      () => void this.#ahead--,
      (error: unknown) => {
        this.#ahead--;
        unaccept(this.#m);
        this.#lost ??= error as Error;
      },
    );
    if (this.#ahead < PUT_AHEAD) return;
    return placed.then(() => {
      if (this.#lost) throw this.#lost;
    });
  }

  #value(v: unknown): unknown {
    if (!(v instanceof Parcel)) return v;
    const host = this.#hostHere();
    if (host) return deserialize(host.parcel(v.id));
    return this.#link.call('parcel', v.id).then((bytes) => deserialize(bytes as Uint8Array));
  }

  /** Runs a wait; an abort becomes `CancelledError`, a deadline `timedOut()`. */
  async #wait<R>(op: Op<R | typeof TIMED_OUT>, signal: AbortSignal | undefined, timedOut: () => Error): Promise<R> {
    let r: R | typeof TIMED_OUT;
    try {
      r = await runAsync(op, signal);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw new CancelledError(undefined, { cause: error });
      throw error;
    }
    if (r === TIMED_OUT) throw timedOut();
    return r;
  }

  *#roomOp(deadline: number): Op<number | typeof TIMED_OUT> {
    const q = this.#m.q;
    for (;;) {
      const seq = Atomics.load(q, Q.ROOM);
      Atomics.add(q, Q.ROOM_WAITERS, 1);
      const a = accept(q, this.#maxsize);
      if (a !== NO_ROOM) return a;
      if ((yield { i32: q, index: Q.ROOM, value: seq, deadline }) === 'timed-out') {
        const last = accept(q, this.#maxsize);
        return last === NO_ROOM ? TIMED_OUT : last;
      }
    }
  }

  *#getOp(deadline: number): Op<unknown> {
    const { h, q } = this.#m;
    for (let round = 0; ; round++) {
      if (round > 0 && round < 3) this.#spinForItem();
      const sleepy = round >= 3;
      if (round === 3) this.#spinMs = ++this.#sleeps % PROBE_EVERY === 0 ? SPIN_MAX_MS : Math.max(SPIN_MIN_MS, this.#spinMs / 2);
      let seq = 0;
      if (sleepy) {
        seq = Atomics.load(h, W.NOT_EMPTY);
        Atomics.add(h, W.RECV_WAITERS, 1);
      }
      yield* lockRingOp(h, W.C_MUTEX);
      const v = takeLocked(this.#m);
      if (v !== EMPTY) return v;
      if (ended(q)) throw refusal(q);
      if (sleepy && (yield { i32: h, index: W.NOT_EMPTY, value: seq, deadline }) === 'timed-out') return TIMED_OUT;
    }
  }

  *#pollOp(deadline: number): Op<boolean> {
    const h = this.#m.h;
    for (;;) {
      const seq = Atomics.load(h, W.NOT_EMPTY);
      Atomics.add(h, W.RECV_WAITERS, 1);
      if (ready(this.#m)) return true;
      if ((yield { i32: h, index: W.NOT_EMPTY, value: seq, deadline }) === 'timed-out') return ready(this.#m);
    }
  }

  /** Polls the ring for an item for a while; adapts how long (see SPIN_MAX_MS). */
  #spinForItem(): void {
    const { h, q } = this.#m;
    const budget = this.#spinMs;
    const until = performance.now() + budget;
    do {
      for (let k = 0; k < 16; k++) {
        if (Atomics.load(h, W.TAIL) !== Atomics.load(h, W.HEAD) || Atomics.load(q, Q.STATE) !== REASON.OPEN) {
          this.#spinMs = Math.min(SPIN_MAX_MS, budget * 2);
          return;
        }
      }
    } while (performance.now() < until);
  }
}
