import { PipeClosedError, PipeEOFError, QueueClosedError } from './errors.js';
import { Queue } from './queue.js';

/** Options of {@link Pipe}. */
export interface PipeOptions {
  /** Both ends send and receive (default true); false: the first end only receives, the second only sends (Python's `Pipe(duplex=False)`). */
  duplex?: boolean;
}

/**
 * One end of a {@link Pipe} (Python's `Connection`). Pass it as an argument to a
 * `ProcessPool`/`ThreadPool` task, a `Process` or a `Thread`: it arrives connected.
 * `send` copies the value (structured clone) and never waits; `recv` waits for the next message.
 * Use each end from one place at a time: two holders of the same end share its messages.
 *
 * Errors: `send`/`recv` on an end you closed throw `PipeClosedError`; `recv` once the other end
 * closed and every message it sent has been read rejects with `PipeEOFError` (async iteration
 * simply ends); a value that cannot be cloned throws `DataCloneError`, and nothing sent before is lost.
 */
export class PipeEnd<T = unknown> implements AsyncIterable<T> {
  /** Tag that lets a task's runtime revive a posted copy. */
  readonly __weft = 'PipeEnd';
  /** Queue this end reads from (absent on a send-only end). */
  readonly inbox: Queue<T> | undefined;
  /** Queue this end writes to (absent on a receive-only end). */
  readonly outbox: Queue<T> | undefined;
  #closed = false;

  /** @internal Use {@link Pipe}. */
  constructor(inbox: Queue<T> | undefined, outbox: Queue<T> | undefined) {
    this.inbox = inbox;
    this.outbox = outbox;
  }

  /** Rebuilds an end from a posted copy (done for you in task arguments). */
  static from<T = unknown>(copy: { inbox?: { path: string; id: string }; outbox?: { path: string; id: string } }): PipeEnd<T> {
    return new PipeEnd<T>(copy.inbox ? Queue.from<T>(copy.inbox) : undefined, copy.outbox ? Queue.from<T>(copy.outbox) : undefined);
  }

  /** True once `close()` was called on this end. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends `value` to the other end (a copy; does not wait). */
  send(value: T): void {
    if (this.#closed) throw new PipeClosedError();
    if (!this.outbox) throw new PipeClosedError('this end of a one-way pipe only receives: send from the other end');
    const sent = this.outbox.putNowait(value);
    if (sent) sent.catch(() => {}); // a remote peer that closed: the next recv there reports it
  }

  /** Resolves to the next message; rejects with `PipeEOFError` once the other end is closed and drained. */
  async recv(): Promise<T> {
    if (this.#closed) throw new PipeClosedError();
    if (!this.inbox) throw new PipeClosedError('this end of a one-way pipe only sends: receive on the other end');
    try {
      return await this.inbox.get();
    } catch (error) {
      if (error instanceof QueueClosedError) throw new PipeEOFError();
      throw error;
    }
  }

  /** Closes this end: the other end reads what was already sent, then gets end-of-file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.outbox?.close(), this.inbox?.close()]);
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
}

/**
 * Two connected ends (Python's `multiprocessing.Pipe()`), usable across threads and processes.
 *
 * @example
 * const [parent, child] = Pipe<string>();
 * const p = new Process(tasks, 'shout', [child]).start();   // the task calls child.send('hi')
 * console.log(await parent.recv());
 */
export function Pipe<T = unknown>(options: PipeOptions = {}): [PipeEnd<T>, PipeEnd<T>] {
  const ab = new Queue<T>();
  if (options.duplex === false) return [new PipeEnd<T>(ab, undefined), new PipeEnd<T>(undefined, ab)];
  const ba = new Queue<T>();
  return [new PipeEnd<T>(ba, ab), new PipeEnd<T>(ab, ba)];
}
