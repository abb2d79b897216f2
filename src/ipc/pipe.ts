import { threadId } from 'node:worker_threads';
import { InvalidArgumentError } from '../errors.js';
import { SHARE } from '../shared/tag.js';
import { holdEnd, type HoldMode } from './broker.js';
import { PipeBrokenError, PipeClosedError, PipeEOFError, QueueClosedError } from './errors.js';
import type { EndIds } from './holds.js';
import { Queue } from './queue.js';

/** Options of {@link Pipe}. */
export interface PipeOptions {
  /** Both ends send and receive (default true); false: the first end only receives, the second only sends (Python's `Pipe(duplex=False)`). */
  duplex?: boolean;
}

/** Options of {@link PipeEnd.poll}. */
export interface PollOptions {
  /** Milliseconds to wait for a message: 0 (default, as Python's) answers at once; `Infinity` waits as long as it takes. */
  timeout?: number;
  /** Aborting rejects the poll with `CancelledError`. */
  signal?: AbortSignal;
}

/** A copy that was garbage collected without `close()` lets go of its hold, as a collected Python `Connection` closes its descriptor. */
const collected = new FinalizationRegistry<{ path: string; end: EndIds }>(({ path, end }) => holdEnd(path, 'release', end));
let reservations = 0;

/**
 * One end of a {@link Pipe} (Python's `Connection`). Pass it as an argument to a
 * `ProcessPool`/`ThreadPool` task, a `Process` or a `Thread`: it arrives connected.
 * `send` copies the value (structured clone) and never waits; `recv` waits for the next message.
 * Use each end from one place at a time: two holders of the same end share its messages.
 *
 * Copies are counted as an OS counts a pipe's descriptors: each thread or process that
 * received an end holds its own copy, and `close()` closes only that copy. The other end gets
 * end-of-file once every copy of this one is closed (or collected, or gone with its thread or
 * process) — so, as in Python, close your copy of an end you handed to a child.
 *
 * Errors: `send`/`recv` on a copy you closed throw `PipeClosedError`; `recv` once every copy of
 * the other end is closed and every message it sent has been read rejects with `PipeEOFError`
 * (async iteration simply ends); `send` once every copy of the other end is closed fails with
 * `PipeBrokenError` (Python's `BrokenPipeError`): thrown at once through shared memory or
 * where the pipe was created, else the promise `send` returns rejects and every later `send` throws. A value that cannot
 * be cloned throws `DataCloneError`, and nothing sent before is lost.
 */
export class PipeEnd<T = unknown> implements AsyncIterable<T>, Disposable, AsyncDisposable {
  /** Tag that lets a task's runtime revive a posted copy. */
  readonly __weft = 'PipeEnd';
  /** Queue this end reads from (absent on a send-only end). */
  readonly inbox: Queue<T> | undefined;
  /** Queue this end writes to (absent on a receive-only end). */
  readonly outbox: Queue<T> | undefined;
  /**
   * Reading it reserves a hold for a new copy of this end; structured cloning reads it, so
   * every posted copy carries its own, taken over when it is revived. Not for your code.
   */
  declare readonly token: string;
  #closed = false;
  #broken: PipeBrokenError | undefined;
  /** The broker holding both queues, and this end's ids there: what every count of its copies names. */
  readonly #path: string;
  readonly #end: EndIds;

  /** @internal Use {@link Pipe}; `hold` is how this copy counts itself, `token` the reservation it takes over. */
  constructor(inbox: Queue<T> | undefined, outbox: Queue<T> | undefined, hold: HoldMode = 'new', token?: string) {
    this.inbox = inbox;
    this.outbox = outbox;
    Object.defineProperty(this, 'token', { enumerable: true, get: () => this.#reserve() });
    this.#path = (inbox ?? outbox)!.path;
    this.#end = { inbox: inbox?.id, outbox: outbox?.id };
    holdEnd(this.#path, hold, this.#end, token);
    collected.register(this, { path: this.#path, end: this.#end }, this);
  }

  /** Rebuilds an end from a posted copy (done for you in task arguments). */
  static from<T = unknown>(copy: { inbox?: Parameters<typeof Queue.from>[0]; outbox?: Parameters<typeof Queue.from>[0]; token?: string }): PipeEnd<T> {
    const inbox = copy.inbox ? Queue.from<T>(copy.inbox) : undefined;
    const outbox = copy.outbox ? Queue.from<T>(copy.outbox) : undefined;
    return new PipeEnd<T>(inbox, outbox, 'adopt', copy.token);
  }

  /** True once `close()` was called on this copy. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `value` to the other end (a copy; does not wait). Through shared memory, and where
   * the pipe was created, it returns nothing and throws `PipeBrokenError` at once if nobody
   * holds the other end; elsewhere (or for a message that had to queue at the creator behind
   * many others) it returns a promise that settles once the pipe's creator took the message.
   */
  send(value: T): void | Promise<void> {
    if (this.#closed) throw new PipeClosedError();
    if (!this.outbox) throw new PipeClosedError('this end of a one-way pipe only receives: send from the other end');
    if (this.#broken) throw this.#broken;
    const sent = this.outbox.putNowait(value);
    if (!sent) return;
    const noted = sent.catch((error: unknown) => {
      if (error instanceof PipeBrokenError) this.#broken = error;
      throw error;
    });
    noted.catch(() => {}); // observed through the returned promise and the next send; never an unhandled rejection
    return noted;
  }

  /** Resolves to the next message; rejects with `PipeEOFError` once the other end is closed and drained. */
  async recv(): Promise<T> {
    const inbox = this.#reading();
    try {
      return await inbox.get();
    } catch (error) {
      if (error instanceof QueueClosedError) throw new PipeEOFError();
      throw error;
    }
  }

  /**
   * Python's `poll(timeout)`: whether `recv` would answer without waiting — a message is there,
   * or the other end is closed (`recv` then rejects with `PipeEOFError`). Waits up to
   * `timeout` ms (default 0: not at all) for a message to arrive.
   */
  async poll(options: PollOptions = {}): Promise<boolean> {
    const timeout = options.timeout ?? 0;
    if (!(timeout >= 0)) throw new InvalidArgumentError(`timeout must be a number of milliseconds >= 0 (Infinity: no limit), got ${String(timeout)}`);
    return this.#reading().poll(timeout, options.signal);
  }

  /** Closes this copy of the end (others, held elsewhere, stay open). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    collected.unregister(this);
    holdEnd(this.#path, 'release', this.#end);
  }

  /** The plain copy a pool sends for this end, its hold reserved now (see `SHARE`). */
  [SHARE](): object {
    if (this.#closed) throw new PipeClosedError('this pipe end is closed: it cannot be passed to a task; pass an open end');
    const plain = (q: Queue<T> | undefined): object | undefined => q && { __weft: 'Queue', path: q.path, id: q.id, maxsize: q.maxsize, ring: q.ring };
    return { __weft: 'PipeEnd', inbox: plain(this.inbox), outbox: plain(this.outbox), token: this.#reserve() };
  }

  /** `using end = ...` closes this copy at scope exit. */
  [Symbol.dispose](): void {
    void this.close();
  }

  /** `await using end = ...` closes this copy at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields messages until the other end closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.recv();
      } catch (error) {
        if (error instanceof PipeEOFError) return;
        throw error;
      }
    }
  }

  #reading(): Queue<T> {
    if (this.#closed) throw new PipeClosedError();
    if (!this.inbox) throw new PipeClosedError('this end of a one-way pipe only sends: receive on the other end');
    return this.inbox;
  }

  /** Reserves a hold for a copy about to be made of this one (see `token`). */
  #reserve(): string {
    const token = `${process.pid}.${threadId}.${reservations++}`;
    holdEnd(this.#path, 'reserve', this.#end, token);
    return token;
  }
}

/**
 * Two connected ends (Python's `multiprocessing.Pipe()`), usable across threads and processes.
 *
 * @example
 * const [parent, child] = Pipe<string>();
 * const p = new Process(tasks, 'shout', [child]).start();   // the task calls child.send('hi')
 * await child.close();                                       // our copy: the child holds its own
 * console.log(await parent.recv());
 */
export function Pipe<T = unknown>(options: PipeOptions = {}): [PipeEnd<T>, PipeEnd<T>] {
  const ab = new Queue<T>();
  if (options.duplex === false) return [new PipeEnd<T>(ab, undefined), new PipeEnd<T>(undefined, ab)];
  const ba = new Queue<T>();
  return [new PipeEnd<T>(ba, ab), new PipeEnd<T>(ab, ba)];
}
