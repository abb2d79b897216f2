/**
 * The memory of a queue whose items travel through process-shared memory: a `Channel`-style
 * byte ring (src/shared/channel/ring.ts: records, the producer and consumer mutexes, the
 * NOT_EMPTY / NOT_FULL futex words) followed by the queue's own words, each group on its own
 * 64-byte line. A handle carries a {@link RingRef} (plain data: a segment name and an offset)
 * and attaches the same memory in any thread or process. Internal.
 */
import { attachRef, claimShared, refOf } from '../../shared/arena.js';
import { HEADER_BYTES, Ring, W } from '../../shared/channel/ring.js';
import { InvalidSharedObjectError } from '../../shared/errors.js';

/** Word indexes of the queue's own block (Int32), after the ring. */
export const Q = {
  /** Why puts are refused (see `REASON`); only ever raised. */
  STATE: 0,
  /** Items accepted and not yet got, anywhere; `CLOSED` is or'ed in once puts are refused. */
  COUNT: 16,
  /** Items accepted and not yet marked done (for `join`): joiners sleep on this word. */
  UNFINISHED: 32,
  /** Bounded putters register here, then sleep on `ROOM` until a get makes room. */
  ROOM_WAITERS: 48,
  ROOM: 49,
  /** Items the creator holds in its overflow, not yet in the ring: while any are, producers send theirs there too (order). */
  OVERFLOW: 64,
} as const;
const Q_BYTES = 80 * 4;

/** The bit of `COUNT` that says puts are refused; the count itself stays below it. */
export const CLOSED = 0x40000000;

/** Values of `STATE`, weakest first: each one refuses puts; from `DROPPED` on, gets fail at once too. */
export const REASON = { OPEN: 0, CLOSED: 1, SHUT_DOWN: 2, DROPPED_SHUT_DOWN: 3, BROKEN: 4 } as const;
/** `STATE` from which the items are dropped and gets fail at once (`shutdown({ immediate })`, a broken pipe). */
export const DROPPED = REASON.DROPPED_SHUT_DOWN;

/**
 * Bytes of ring per queue: with its header and the queue's words the block is 256 KiB, a
 * quarter of an arena segment (16,000 small numbers, a few thousand small objects, before
 * puts overflow to the creator). Arena blocks are not reused: each queue keeps its block, and
 * the pages of it the ring went through, until its creator exits.
 */
const CAPACITY = (1 << 18) - HEADER_BYTES - Q_BYTES;

/** Ring record kind (after ring.ts's): a value the queue's creator holds, too large for the ring; the payload is its id. */
export const PARCEL = 6;

/** A posted reference to a queue's memory. */
export interface RingRef {
  /** Name of the shared memory segment. */
  readonly name: string;
  /** Size of that segment. */
  readonly size: number;
  /** Byte offset of the queue's block in it. */
  readonly offset: number;
  /** Bytes of ring. */
  readonly capacity: number;
}

/** Views over one queue's memory. */
export class QueueMemory {
  /** The byte ring and its header. */
  readonly ring: Ring;
  /** The ring's header words (see ring.ts `W`). */
  readonly h: Int32Array;
  /** The queue's own words (see {@link Q}). */
  readonly q: Int32Array;
  /** Bytes of ring. */
  readonly capacity: number;
  /** What a handle carries to find this memory again. */
  readonly ref: RingRef;

  private constructor(buffer: SharedArrayBuffer, ref: RingRef) {
    this.ref = ref;
    this.capacity = ref.capacity;
    this.ring = new Ring(buffer, ref.offset, ref.capacity);
    this.h = this.ring.h;
    this.q = new Int32Array(buffer, ref.offset + HEADER_BYTES + ref.capacity, Q_BYTES >> 2);
  }

  /** Fresh memory for a new queue, or undefined when process-shared memory is not available here (no addon). */
  static create(): QueueMemory | undefined {
    const m = claimShared(HEADER_BYTES + CAPACITY + Q_BYTES);
    if (!m) return undefined;
    const { name, size } = refOf(m.buffer);
    const memory = new QueueMemory(m.buffer, { name, size, offset: m.offset, capacity: CAPACITY });
    Atomics.store(memory.h, W.CAPACITY, CAPACITY);
    return memory;
  }

  /**
   * The memory `ref` names, attached in this thread. Throws `NoProcessSharedMemoryError` without
   * the addon, `InvalidSharedObjectError` when the segment is gone or `ref` does not describe a queue in it.
   */
  static attach(ref: RingRef): QueueMemory {
    const { name, size, offset, capacity } = ref;
    const buffer = attachRef({ __weft: 'Segment', name, size });
    const fits = Number.isInteger(offset) && offset >= 0 && offset % 8 === 0 && Number.isInteger(capacity) && capacity >= 16 && capacity % 8 === 0;
    if (!fits || offset + HEADER_BYTES + capacity + Q_BYTES > buffer.byteLength) {
      throw new InvalidSharedObjectError(`Queue.ring does not describe a queue in segment ${name} (offset ${String(offset)}, capacity ${String(capacity)})`);
    }
    const memory = new QueueMemory(buffer, { name, size, offset, capacity });
    if (Atomics.load(memory.h, W.CAPACITY) !== capacity) throw new InvalidSharedObjectError(`Queue.ring.capacity does not match the queue's memory in segment ${name}`);
    return memory;
  }
}
