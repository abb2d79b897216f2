/**
 * The broker that carries queues (and pipes, which are two queues) between processes and
 * threads: the process that creates a queue keeps its state and serves it on a Unix socket in
 * `os.tmpdir()` (a named pipe on Windows); a handle posted elsewhere connects there. Messages
 * are length-prefixed `v8.serialize` frames (structured clone: `Map`, `Date`, `BigInt`… intact).
 * Neither the server nor its idle connections keep a process alive. A queue in shared memory
 * (ring/) needs the broker only for the copies of pipe ends, the items its ring cannot take
 * at the moment, and the handles that cannot map the memory.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { encodeThrow, decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import {
  CancelledError, InvalidStateError, QueueEmptyError, QueueEmptyTimeoutError, QueueFullError, QueueFullTimeoutError, QueueShutDownError, TimeoutError,
} from '../errors.js';
import { BrokerGoneError, PipeBrokenError, QueueClosedError } from './errors.js';
import { Holds, endKey, type EndIds } from './holds.js';
import { QueueState, REMOTE_KEY } from './queue-state.js';
import { RingHost } from './ring/host.js';
import type { QueueMemory } from './ring/layout.js';

/** What the broker keeps per queue: its whole state, or, for a queue in shared memory, the creator's part of it. */
type Kept = QueueState | RingHost;

/** A call on a queue: `[rid, queueId, op, ...args]`; the reply is `[rid, ok, valueOrEncodedError]`. */
type Request = [number, string, string, ...unknown[]];
type Reply = [number, boolean, unknown];

/** Splits a byte stream into frames and calls `onFrame` with each decoded value. */
function reader(socket: Socket, onFrame: (value: unknown) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const len = buf.readUInt32LE(0);
      if (buf.length < 4 + len) break;
      const frame = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      onFrame(deserialize(frame));
    }
  });
}

/** One frame; throws synchronously when `value` cannot be cloned. */
export function frame(value: unknown): Buffer {
  const body = serialize(value);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

let local: { server: Server; path: string; queues: Map<string, Kept>; holds: Holds } | undefined;
let nextQueue = 0;

/**
 * Creates a queue in this process's broker (starting it on first use): its whole state, or
 * with `memory` (shared memory for its items) the creator's part. Returns the socket path and the queue id.
 */
export function createQueue(maxsize: number, memory?: QueueMemory): { path: string; id: string } {
  if (!local) {
    const path = process.platform === 'win32'
      ? `\\\\?\\pipe\\weft-${process.pid}-${randomBytes(4).toString('hex')}`
      : join(tmpdir(), `weft-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
    const queues = new Map<string, Kept>();
    const holds = new Holds(queues);
    const server = createServer((socket) => serve(socket, queues, holds));
    server.listen(path);
    server.unref();
    process.once('exit', () => {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    });
    local = { server, path, queues, holds };
  }
  const id = `${process.pid}:${nextQueue++}`;
  local.queues.set(id, memory ? new RingHost(memory, maxsize) : new QueueState(maxsize));
  return { path: local.path, id };
}

/** The state of a queue created by this thread (a handle revived in its own creator talks to it directly). */
export function localQueue(path: string, id: string): QueueState | undefined {
  const kept = local?.path === path ? local.queues.get(id) : undefined;
  return kept instanceof QueueState ? kept : undefined;
}

/** The creator's part of a shared-memory queue created by this thread. */
export function localHost(path: string, id: string): RingHost | undefined {
  const kept = local?.path === path ? local.queues.get(id) : undefined;
  return kept instanceof RingHost ? kept : undefined;
}

/**
 * What a copy of a pipe end does to the count of its copies: `new` (an end made here),
 * `reserve` (a copy is being posted), `adopt` (a posted copy was revived), `release` (a copy
 * was closed or collected). The ends made and revived in the broker's own thread count here
 * directly; the others through their connection, which lets go of its copies when it closes
 * (their thread or process ended).
 */
export type HoldMode = 'new' | 'reserve' | 'adopt' | 'release';

/** Counts a change in the copies of the end `end` of the broker at `path` (see {@link HoldMode}). */
export function holdEnd(path: string, mode: HoldMode, end: EndIds, token?: string): void {
  if (local?.path === path) applyHold(local.holds, mode, end, token);
  else clientFor(path).tell('', 'hold', mode, end.inbox, end.outbox, token);
}

function applyHold(holds: Holds, mode: HoldMode, end: EndIds, token: string | undefined): void {
  if (mode === 'reserve') holds.reserve(end, token!);
  else if (mode === 'adopt') holds.adopt(end, token);
  else holds.change(end, mode === 'new' ? 1 : -1);
}

let connections = 0;

function serve(socket: Socket, queues: Map<string, Kept>, holds: Holds): void {
  socket.unref();
  const conn = connections++;
  /** Copies of pipe ends revived at the other side of this connection, released when it closes. */
  const owned = new Map<string, { end: EndIds; copies: number }>();
  const own = (end: EndIds, delta: number): void => {
    const key = endKey(end);
    const entry = owned.get(key) ?? { end, copies: 0 };
    entry.copies += delta;
    if (entry.copies > 0) owned.set(key, entry);
    else owned.delete(key);
  };
  socket.on('error', () => {}); // a handle's process died: its waiters simply never get a reply
  socket.on('close', () => {
    for (const { end, copies } of owned.values()) holds.change(end, -copies);
    owned.clear();
  });
  let corked = false;
  /** Replies of one tick leave in one write (a shared-memory queue's creator answers many overflow puts at once). */
  const reply = (r: Reply): void => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(frame(r));
  };
  reader(socket, (message) => {
    const [rid, id, op, ...args] = message as Request;
    if (op === 'hold') {
      const [mode, inbox, outbox, token] = args as [HoldMode, string | undefined, string | undefined, string | undefined];
      const end = { inbox, outbox };
      applyHold(holds, mode, end, token);
      if (mode === 'adopt' || mode === 'new') own(end, 1);
      else if (mode === 'release') own(end, -1);
      return;
    }
    const q = queues.get(id);
    const key = `${REMOTE_KEY}${rid}@${conn}`;
    const ok = (v: unknown): void => reply([rid, true, v]);
    const fail = (e: unknown): void => reply([rid, false, encodeThrow(e)]);
    try {
      if (!q) throw new BrokerGoneError(`no queue ${id} in this broker`);
      if (q instanceof RingHost) return q.serve(op, args, key, `${REMOTE_KEY}${args[0] as number}@${conn}`, ok, fail);
      switch (op) {
        case 'put': q.put(args[0], args[1] as number | undefined, key).then(() => ok(undefined), fail); break;
        case 'get': q.get(args[0] as number | undefined, key).then(ok, fail); break;
        case 'poll': q.poll(args[0] as number | undefined, key).then(ok, fail); break;
        case 'cancel': q.cancel(`${REMOTE_KEY}${args[0] as number}@${conn}`); break;
        case 'putNowait': q.putNowait(args[0]); ok(undefined); break;
        case 'getNowait': ok(q.getNowait()); break;
        case 'taskDone': q.taskDone(); ok(undefined); break;
        case 'join': q.join().then(() => ok(undefined), fail); break;
        case 'close': q.close(); ok(undefined); break;
        case 'shutdown': q.shutdown(args[0] === true); ok(undefined); break;
        case 'size': ok(q.size); break;
        default: throw new InvalidStateError(`unknown queue operation ${op}`);
      }
    } catch (e) {
      fail(e);
    }
  });
}

const errorClasses: Record<string, new () => Error> = {
  QueueClosedError, PipeBrokenError, QueueFullError, QueueEmptyError, QueueFullTimeoutError, QueueEmptyTimeoutError, QueueShutDownError, TimeoutError, CancelledError, BrokerGoneError,
};

function revive(encoded: EncodedThrow): Error {
  if (encoded.kind === 'error' && Object.hasOwn(errorClasses, encoded.name)) {
    const e = new errorClasses[encoded.name]!();
    e.message = encoded.message;
    return e;
  }
  return decodeThrow(encoded, 'queue');
}

/** A connection from a handle to a remote broker: request/reply over one socket, ref'd only while a call is pending. */
export class BrokerClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, [(v: unknown) => void, (e: unknown) => void]>();
  #rid = 0;
  #gone: Error | undefined;
  #corked = false;

  constructor(path: string) {
    this.#socket = connect(path);
    this.#socket.unref();
    this.#socket.on('error', (e) => this.#fail(new BrokerGoneError(undefined, { cause: e })));
    this.#socket.on('close', () => this.#fail(new BrokerGoneError()));
    reader(this.#socket, (message) => {
      const [rid, ok, value] = message as Reply;
      const p = this.#pending.get(rid);
      if (!p) return;
      this.#pending.delete(rid);
      if (this.#pending.size === 0) this.#socket.unref();
      if (ok) p[0](value);
      else p[1](revive(value as EncodedThrow));
    });
  }

  /** Sends a call; throws synchronously (`DataCloneError` from v8) when an argument cannot be cloned. Returns its id and reply. */
  call(id: string, op: string, ...args: unknown[]): { rid: number; reply: Promise<unknown> } {
    if (this.#gone) return { rid: -1, reply: Promise.reject(this.#gone) };
    const rid = this.#rid++;
    const bytes = frame([rid, id, op, ...args]);
    const reply = new Promise<unknown>((resolve, reject) => this.#pending.set(rid, [resolve, reject]));
    this.#socket.ref();
    this.#write(bytes);
    return { rid, reply };
  }

  /** Writes a frame; the frames of one tick leave in one write (a burst of puts costs one syscall). */
  #write(bytes: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(bytes);
  }

  /** Sends a call whose reply nobody awaits (e.g. `cancel`). */
  tell(id: string, op: string, ...args: unknown[]): void {
    if (!this.#gone) this.#write(frame([-1, id, op, ...args]));
  }

  close(): void {
    this.#socket.end();
  }

  #fail(error: Error): void {
    this.#gone ??= error;
    for (const [, reject] of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}

const clients = new Map<string, BrokerClient>();

/** The shared connection of this thread to the broker at `path`. */
export function clientFor(path: string): BrokerClient {
  let c = clients.get(path);
  if (!c) clients.set(path, (c = new BrokerClient(path)));
  return c;
}
