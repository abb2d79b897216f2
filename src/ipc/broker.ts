/**
 * The broker that carries queues (and pipes, which are two queues) between processes and
 * threads: the process that creates a queue keeps its state and serves it on a Unix socket in
 * `os.tmpdir()` (a named pipe on Windows); a handle posted elsewhere connects there. Messages
 * are length-prefixed `v8.serialize` frames (structured clone: `Map`, `Date`, `BigInt`… intact).
 * Neither the server nor its idle connections keep a process alive.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { encodeThrow, decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import { CancelledError, QueueEmptyError, QueueFullError, TimeoutError, InvalidStateError } from '../errors.js';
import { BrokerGoneError, QueueClosedError } from './errors.js';
import { QueueState } from './queue-state.js';

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

let local: { server: Server; path: string; queues: Map<string, QueueState> } | undefined;
let nextQueue = 0;

/** Creates a queue in this process's broker (starting it on first use); returns the socket path and the queue id. */
export function createQueue(maxsize: number): { path: string; id: string; state: QueueState } {
  if (!local) {
    const path = process.platform === 'win32'
      ? `\\\\?\\pipe\\weft-${process.pid}-${randomBytes(4).toString('hex')}`
      : join(tmpdir(), `weft-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
    const queues = new Map<string, QueueState>();
    const server = createServer((socket) => serve(socket, queues));
    server.listen(path);
    server.unref();
    process.once('exit', () => {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    });
    local = { server, path, queues };
  }
  const id = `${process.pid}:${nextQueue++}`;
  const state = new QueueState(maxsize);
  local.queues.set(id, state);
  return { path: local.path, id, state };
}

/** The state of a queue created by this process (a handle revived in its own creator talks to it directly). */
export function localQueue(path: string, id: string): QueueState | undefined {
  return local?.path === path ? local.queues.get(id) : undefined;
}

let connections = 0;

function serve(socket: Socket, queues: Map<string, QueueState>): void {
  socket.unref();
  const conn = connections++;
  socket.on('error', () => {}); // a handle's process died: its waiters simply never get a reply
  const reply = (r: Reply): void => {
    if (!socket.destroyed) socket.write(frame(r));
  };
  reader(socket, (message) => {
    const [rid, id, op, ...args] = message as Request;
    const q = queues.get(id);
    const key = `r${rid}@${conn}`;
    const ok = (v: unknown): void => reply([rid, true, v]);
    const fail = (e: unknown): void => reply([rid, false, encodeThrow(e)]);
    try {
      if (!q) throw new BrokerGoneError(`no queue ${id} in this broker`);
      switch (op) {
        case 'put': q.put(args[0], args[1] as number | undefined, key).then(() => ok(undefined), fail); break;
        case 'get': q.get(args[0] as number | undefined, key).then(ok, fail); break;
        case 'cancel': q.cancel(`r${args[0] as number}@${conn}`); break;
        case 'putNowait': q.putNowait(args[0]); ok(undefined); break;
        case 'getNowait': ok(q.getNowait()); break;
        case 'taskDone': q.taskDone(); ok(undefined); break;
        case 'join': q.join().then(() => ok(undefined), fail); break;
        case 'close': q.close(); ok(undefined); break;
        case 'size': ok(q.size); break;
        default: throw new InvalidStateError(`unknown queue operation ${op}`);
      }
    } catch (e) {
      fail(e);
    }
  });
}

const errorClasses: Record<string, new () => Error> = {
  QueueClosedError, QueueFullError, QueueEmptyError, TimeoutError, CancelledError, BrokerGoneError,
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
    this.#socket.write(bytes);
    return { rid, reply };
  }

  /** Sends a call whose reply nobody awaits (e.g. `cancel`). */
  tell(id: string, op: string, ...args: unknown[]): void {
    if (!this.#gone) this.#socket.write(frame([-1, id, op, ...args]));
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
