/**
 * What the creator of a shared-memory queue keeps for it, in the thread that made it, next to
 * its broker: the overflow (items accepted while the ring had no room, fed in as room appears,
 * as Python's feeder thread feeds a pipe), the parcels (items too large for the ring), and the
 * count of a pipe's end copies. Every other handle's items go straight through the ring; only
 * overflow and parcels come here, over the broker's socket. Internal.
 */
import { Deque } from '../../deque.js';
import { InvalidStateError } from '../../errors.js';
import { nativeWaitAsync } from '../../shared/futex.js';
import { unlock } from '../../shared/mutex.js';
import { W } from '../../shared/channel/ring.js';
import { putStaged, type Staged } from '../../shared/channel/stage.js';
import { wakeReceivers } from '../../shared/channel/transfer.js';
import { fromWire, own } from './item.js';
import { DROPPED, PARCEL, Q, REASON, type QueueMemory } from './layout.js';
import { lockRing, place, refuse } from './moves.js';
import { RingQueue, type HostPart } from './ring-queue.js';

/** Never called: the creator's own handle reaches the host directly. */
const NO_BROKER = (): never => {
  throw new InvalidStateError('the creator of a queue has no broker to call');
};

/**
 * The creator's side of one shared-memory queue (see the file's note). It also serves, as a
 * broker serves a queue it holds, the handles of threads or processes that cannot map the
 * memory (no addon there): their calls run on a handle of its own.
 */
export class RingHost implements HostPart {
  readonly #m: QueueMemory;
  readonly #handle: RingQueue;
  /** Waits of remote handles without shared memory, by key, for their `cancel`. */
  readonly #waits = new Map<string, AbortController>();
  readonly #overflow = new Deque<Staged>();
  readonly #parcels = new Map<number, Uint8Array>();
  readonly #parcelId = new Int32Array(1);
  #nextParcel = 1;
  #feeding = false;
  /** Copies of pipe ends that read from / write to this queue (pipes only; see `hold`). */
  #readers = 0;
  #writers = 0;

  constructor(memory: QueueMemory, maxsize: number) {
    this.#m = memory;
    this.#handle = new RingQueue(memory, maxsize, { host: () => this, call: NO_BROKER, tell: NO_BROKER });
  }

  /**
   * Places an accepted item: into the ring when it fits and nothing accepted earlier still
   * waits here, else behind the overflow (counted in `OVERFLOW` until it is in the ring).
   */
  put(s: Staged): void {
    if (Atomics.load(this.#m.q, Q.STATE) >= DROPPED) return; // dropped with the rest
    if (s.kind !== PARCEL && this.#overflow.length === 0 && place(this.#m, s)) return;
    this.#overflow.push(own(s));
    Atomics.add(this.#m.q, Q.OVERFLOW, 1);
    void this.#feed();
  }

  /** Hands over a parcel's bytes (once: the get that took its record is the only reader). */
  parcel(id: number): Uint8Array {
    const bytes = this.#parcels.get(id);
    if (!bytes) throw new InvalidStateError(`no parcel ${id} in this queue: its items were dropped`);
    this.#parcels.delete(id);
    return bytes;
  }

  /** Forgets what the queue held here once its items were dropped (`shutdown({ immediate })`, a broken pipe). */
  dropped(): void {
    if (Atomics.load(this.#m.q, Q.STATE) < DROPPED) return;
    this.#parcels.clear();
    this.#overflow.clear();
    Atomics.store(this.#m.q, Q.OVERFLOW, 0);
  }

  /**
   * Counts the copies of pipe ends that read from (`readers`) or write to (`writers`) this
   * queue, as an OS counts a pipe's file descriptors: once the last writer lets go the queue
   * closes (readers drain it, then get end-of-file); once the last reader does, puts fail
   * with `PipeBrokenError` and the items held are dropped (nobody can read them).
   */
  hold(readers: number, writers: number): void {
    this.#readers += readers;
    this.#writers += writers;
    if (writers < 0 && this.#writers <= 0) refuse(this.#m, REASON.CLOSED);
    if (readers < 0 && this.#readers <= 0) {
      refuse(this.#m, REASON.BROKEN);
      this.dropped();
    }
  }

  /**
   * Serves a remote handle's call. From handles over the shared memory: `overflow` (an item,
   * answered once held here), `parcel` (fetch one), `dropped`. From handles without it, every
   * operation of a queue (as `QueueState` has them), `key` naming a wait and `cancelKey` the
   * wait a `cancel` gives up.
   */
  serve(op: string, args: unknown[], key: string, cancelKey: string, ok: (value: unknown) => void, fail: (error: unknown) => void): void {
    const h = this.#handle;
    switch (op) {
      case 'overflow':
        this.put(fromWire(args[0] as number, args[1] as number | Uint8Array));
        return ok(undefined);
      case 'parcel': return ok(this.parcel(args[0] as number));
      case 'dropped': return this.dropped();
      case 'put': return this.#wait(key, (signal) => h.put(args[0], args[1] as number | undefined, signal), ok, fail);
      case 'get': return this.#wait(key, (signal) => h.get(args[0] as number | undefined, signal), ok, fail);
      case 'poll': return this.#wait(key, (signal) => h.poll((args[0] as number | undefined) ?? 0, signal), ok, fail);
      case 'cancel': return this.#waits.get(cancelKey)?.abort();
      case 'putNowait': return ok(h.putNowait(args[0]));
      case 'getNowait': return ok(h.getNowait());
      case 'taskDone': return ok(h.taskDone());
      case 'join': return void h.join().then(ok, fail);
      case 'close': return ok(h.close());
      case 'shutdown': return ok(h.shutdown(args[0] === true));
      case 'size': return ok(h.size);
      default: throw new InvalidStateError(`unknown queue operation ${op}`);
    }
  }

  #wait(key: string, run: (signal: AbortSignal) => Promise<unknown>, ok: (value: unknown) => void, fail: (error: unknown) => void): void {
    const controller = new AbortController();
    this.#waits.set(key, controller);
    run(controller.signal).then(ok, fail).finally(() => this.#waits.delete(key));
  }

  /** Feeds the overflow into the ring as room appears; does not keep the process alive (the broker does not either). */
  async #feed(): Promise<void> {
    if (this.#feeding) return;
    this.#feeding = true;
    const { h } = this.#m;
    try {
      while (this.#overflow.length > 0) {
        this.dropped();
        // The word first, then the registration (an eventcount): a get that claims the registration
        // at any point after it changes NOT_FULL, so the sleep returns at once. The other order lost
        // wakes: a claim between registering and reading left the feeder asleep, unregistered.
        const seq = Atomics.load(h, W.NOT_FULL);
        Atomics.add(h, W.SEND_WAITERS, 1);
        this.#move();
        if (this.#overflow.length === 0) break;
        await nativeWaitAsync({ i32: h, index: W.NOT_FULL, value: seq, deadline: Infinity }, undefined, false);
      }
    } finally {
      this.#feeding = false;
    }
  }

  /** Moves what fits of the overflow into the ring, in order, under one producer lock. */
  #move(): void {
    const { ring, h, q } = this.#m;
    let moved = 0;
    lockRing(h, W.P_MUTEX);
    try {
      ring.beginPut();
      for (let s = this.#overflow.peek(); s; s = this.#overflow.peek()) {
        if (!(s.kind === PARCEL ? this.#putParcel(s.bytes) : putStaged(ring, s))) break;
        this.#overflow.shift();
        moved++;
      }
    } finally {
      const n = ring.endPut();
      unlock(h, W.P_MUTEX);
      Atomics.sub(q, Q.OVERFLOW, moved); // after the publish: a producer that sees 0 puts behind these
      wakeReceivers(h, n);
    }
  }

  /** Keeps `bytes` here and writes the record naming them (producer lock held); false when the ring has no room. */
  #putParcel(bytes: Uint8Array): boolean {
    const id = this.#nextParcel;
    this.#parcelId[0] = id;
    this.#parcels.set(id, bytes);
    if (!this.#m.ring.putBytes(PARCEL, new Uint8Array(this.#parcelId.buffer), 4, null)) {
      this.#parcels.delete(id);
      return false;
    }
    this.#nextParcel = (id % 0x7fffffff) + 1;
    return true;
  }
}
