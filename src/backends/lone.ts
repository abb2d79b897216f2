/**
 * The lone road, beneath the wire of `worker/protocol.ts`: a call made on its own (one task,
 * one argument that is a primitive, no options) and a result whose value is a primitive travel
 * without the batch array around them. On a one-task round trip, cloning a four-slot array
 * costs more than all the rest of weft's work on the call: V8 enumerates the array's keys on
 * both ends, and on a child's channel the JSON string that would replace it costs as much.
 *
 * - Threads: the message is the bare value. Its header (the task's id and name, or the
 *   result's id, status and run time) waits in a {@link HeaderRing} in memory both threads
 *   share, one entry per lone message, taken in the order the messages arrive.
 * - Processes: the message is one short string, `L`, the header, then the value
 *   ({@link encodeLoneTask}, {@link encodeLoneResult}).
 *
 * A task name crosses once per worker, as a {@link NameMessage}; a lone call carries its index.
 * The receiving end turns every lone message back into the batch the runtime or the pool
 * expects, so neither of them knows this road exists.
 */
import { FLAG_ONE_ARG, MODE_CALL, RESULT_STRIDE, TASK_STRIDE } from '../worker/protocol.js';

/** The mode of every lone call: a plain call of one argument, with no signal, progress or stream. */
export const LONE_MODE = MODE_CALL | FLAG_ONE_ARG;

/** A value that needs no batch around it: anything but an object, a function or a symbol. */
export function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol');
}

/** A task batch that can travel lone: one plain call of one primitive argument. */
export function isLoneCall(batch: readonly unknown[]): boolean {
  return batch.length === TASK_STRIDE && batch[1] === LONE_MODE && isPrimitive(batch[3]);
}

/** A result batch that can travel lone: one record whose value is a primitive. */
export function isLoneResult(batch: readonly unknown[]): boolean {
  return batch.length === RESULT_STRIDE && isPrimitive(batch[2]);
}

/** Parent → worker: lone calls name task `loneName` by the index it gets, in order of these messages. */
export interface NameMessage {
  readonly loneName: string;
}

/** True for a {@link NameMessage}. */
export function isNameMessage(message: unknown): message is NameMessage {
  return typeof message === 'object' && message !== null && 'loneName' in message;
}

/** The sender's task names: each gets the next index the first time, announced to the worker before the call that uses it. */
export class NameTable {
  readonly #ids = new Map<string, number>();

  /** The index of `name`, announced through `announce` when it is new. */
  index(name: string, announce: (message: NameMessage) => void): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(name, id);
      announce({ loneName: name });
    }
    return id;
  }
}

/** Entries in a {@link HeaderRing} (a power of two). */
const RING_SIZE = 64;
/** Numbers per entry. */
const WIDTH = 3;
/** Bytes of one ring: the taken-count, padded to 8, then the entries. */
const RING_BYTES = 8 + RING_SIZE * WIDTH * 8;
/** Bytes of the shared memory behind a thread's two rings (see {@link threadRings}). */
export const LONE_BYTES = 2 * RING_BYTES;
/** Environment-data key under which a worker thread finds that memory. */
export const LONE_KEY = 'weft:lone';

/**
 * Headers of lone messages, in shared memory: one sender puts an entry before it posts its
 * message, one receiver takes the next entry for each lone message it receives (the message's
 * delivery makes the entry visible). The receiver publishes how many it has taken, so a sender
 * finds the ring full, and sends a whole batch instead, rather than overwrite an entry.
 */
export class HeaderRing {
  /** The entries: {@link take} returns where the next one starts. */
  readonly entries: Float64Array;
  readonly #taken: Int32Array;
  #puts = 0;
  #takes = 0;

  constructor(buffer: SharedArrayBuffer, offset: number) {
    this.#taken = new Int32Array(buffer, offset, 1);
    this.entries = new Float64Array(buffer, offset + 8, RING_SIZE * WIDTH);
  }

  /** Sender side: stores a header for the next lone message; false when the ring is full. */
  put(a: number, b: number, c: number): boolean {
    if (((this.#puts - Atomics.load(this.#taken, 0)) | 0) >= RING_SIZE) return false;
    const i = (this.#puts & (RING_SIZE - 1)) * WIDTH;
    this.entries[i] = a;
    this.entries[i + 1] = b;
    this.entries[i + 2] = c;
    this.#puts = (this.#puts + 1) | 0;
    return true;
  }

  /** Receiver side: the offset in {@link entries} of the header of the lone message just received. */
  take(): number {
    const i = (this.#takes & (RING_SIZE - 1)) * WIDTH;
    this.#takes = (this.#takes + 1) | 0;
    Atomics.store(this.#taken, 0, this.#takes);
    return i;
  }
}

/** A thread's two rings over `buffer` ({@link LONE_BYTES}): headers of lone calls, and of lone results. */
export function threadRings(buffer: SharedArrayBuffer): { calls: HeaderRing; results: HeaderRing } {
  return { calls: new HeaderRing(buffer, 0), results: new HeaderRing(buffer, RING_BYTES) };
}

/** Thread, parent side: posts the batch as a lone call when it can be one (`names` and `calls` are this worker's); false when the caller must post the batch itself. */
export function sendCall(batch: unknown[], names: NameTable, calls: HeaderRing, post: (message: unknown) => void): boolean {
  if (!isLoneCall(batch) || !calls.put(batch[0] as number, names.index(batch[2] as string, post), 0)) return false;
  post(batch[3]);
  return true;
}

/** Thread, worker side: the batch a lone call stands for. */
export function loneCall(value: unknown, names: readonly string[], calls: HeaderRing): unknown[] {
  const i = calls.take();
  return [calls.entries[i], LONE_MODE, names[calls.entries[i + 1]!], value];
}

/** Thread, parent side: the result batch a lone result stands for. */
export function loneResult(value: unknown, results: HeaderRing): unknown[] {
  const i = results.take();
  const e = results.entries;
  return [e[i], e[i + 1], value, e[i + 2]];
}

/** Marks a lone message on a child's channel (JSON, the other strings there, starts with `[` or `{`). */
const LONE = 'L';

/** True for a string a child's channel carries as a lone call or result. */
export function isLoneWire(message: unknown): message is string {
  return typeof message === 'string' && message.charCodeAt(0) === 76; // 'L'
}

/** A lone value a child's channel carries exactly as UTF-8 text: anything but a string holding a lone surrogate, which UTF-8 cannot. */
export function fitsText(value: unknown): boolean {
  return typeof value !== 'string' || (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Process: a lone call as one string, `L<id>,<name index>,<value>`. */
export function encodeLoneTask(batch: readonly unknown[], nameIndex: number): string {
  return `${LONE}${batch[0] as number},${nameIndex},${encodeValue(batch[3])}`;
}

/** Process, child side: the batch a lone call stands for. */
export function decodeLoneTask(wire: string, names: readonly string[]): unknown[] {
  const a = wire.indexOf(',', 1);
  const b = wire.indexOf(',', a + 1);
  return [Number(wire.slice(1, a)), LONE_MODE, names[Number(wire.slice(a + 1, b))], decodeValue(wire, b + 1)];
}

/** Process: a lone result with the child's started count, `L<id>,<status>,<micros>,<started>,<value>`. */
export function encodeLoneResult(batch: readonly unknown[], started: number): string {
  return `${LONE}${batch[0] as number},${batch[1] as number},${batch[3] as number},${started},${encodeValue(batch[2])}`;
}

/** Process, parent side: the result batch a lone result stands for, the started count as its extra last slot (as `appendStarted` leaves it). */
export function decodeLoneResult(wire: string): unknown[] {
  const a = wire.indexOf(',', 1);
  const b = wire.indexOf(',', a + 1);
  const c = wire.indexOf(',', b + 1);
  const d = wire.indexOf(',', c + 1);
  return [Number(wire.slice(1, a)), Number(wire.slice(a + 1, b)), decodeValue(wire, d + 1), Number(wire.slice(b + 1, c)), Number(wire.slice(c + 1, d))];
}

/** A primitive as text behind a one-letter tag; every value comes back exactly (-0, NaN, bigints). */
function encodeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'string':
      return `s${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return `b${value}`;
    case 'undefined':
      return 'u';
    default:
      return 'l'; // null: isPrimitive let nothing else through
  }
}

function decodeValue(wire: string, at: number): unknown {
  switch (wire.charCodeAt(at)) {
    case 110: // n
      return Number(wire.slice(at + 1));
    case 115: // s
      return wire.slice(at + 1);
    case 116: // t
      return true;
    case 102: // f
      return false;
    case 98: // b
      return BigInt(wire.slice(at + 1));
    case 117: // u
      return undefined;
    default:
      return null;
  }
}
