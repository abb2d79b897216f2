/**
 * The worker side of a streaming task (`pool.stream`): drives the iterator the task returned,
 * sends what it yields in batches, and pauses it whenever it is a window ahead of what the
 * caller has taken (the caller's `{ pull }` messages move the window on). The pool side is
 * `executor/stream.ts`.
 */
import { performance } from 'node:perf_hooks';

/** A partial batch waits at most this long (ms) while the iterator computes its next value. */
const FLUSH_MS = 1;
/** Milliseconds of uninterrupted iteration after which the event loop gets a turn (to read a stop or credit). */
const SLICE_MS = 10;

/** Where a stream's values go: the runtime's result batches. */
export type EmitValues = (id: number, values: unknown[]) => void;

/** An iterator and whether its `next()` answers synchronously. */
interface Source {
  readonly iterator: Iterator<unknown> | AsyncIterator<unknown>;
  readonly sync: boolean;
}

/** The iterator a streamed task's result stands for: its async iterator, else its sync one; undefined for anything else (a promise, a number…). */
export function sourceOf(value: unknown): Source | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const v = value as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof v[Symbol.asyncIterator] === 'function') return { iterator: v[Symbol.asyncIterator]!(), sync: false };
  if (typeof v[Symbol.iterator] === 'function') return { iterator: v[Symbol.iterator]!(), sync: true };
  return undefined;
}

/** True for a generator object (sync or async): what `run` refuses to send back. */
export function isGenerator(value: object): boolean {
  const v = value as Partial<Generator & AsyncGenerator>;
  return typeof v.next === 'function' && typeof v.throw === 'function' && (typeof v[Symbol.iterator] === 'function' || typeof v[Symbol.asyncIterator] === 'function');
}

/** One running stream inside a worker. Internal. */
export class WorkerStream {
  /** Values the caller has taken, as its last `pull` said. */
  #taken = 0;
  #produced = 0;
  #buffer: unknown[] = [];
  /** When the oldest buffered value was made. */
  #since = 0;
  #flushQueued = false;
  #wake: (() => void) | undefined;
  #stopped = false;
  #failure: Error | undefined;
  readonly #batch: number;
  readonly #source: Source;
  readonly #emit: EmitValues;

  constructor(
    readonly id: number,
    source: Source,
    readonly window: number,
    emit: EmitValues,
  ) {
    this.#source = source;
    this.#emit = emit;
    this.#batch = Math.max(1, Math.ceil(window / 4));
  }

  /** The caller has taken `taken` values in all. */
  pull(taken: number): void {
    if (taken <= this.#taken) return;
    this.#taken = taken;
    this.#wakeUp();
  }

  /** The caller broke out or the call was cancelled: the iterator is returned (its `finally` runs) before it makes another value. */
  stop(): void {
    this.#stopped = true;
    this.#wakeUp();
  }

  /** A yielded value could not be sent: stop, and end the task with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.stop();
  }

  /** Drives the iterator to its end (resolving to its return value), a stop, or a failure (rejecting with what it threw). */
  async run(): Promise<unknown> {
    const { iterator, sync } = this.#source;
    let slice = performance.now();
    try {
      while (!this.#stopped) {
        if (this.#produced - this.#taken >= this.window) {
          this.flush();
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          slice = performance.now();
          continue;
        }
        const r = sync ? (iterator as Iterator<unknown>).next() : await iterator.next();
        if (r.done) {
          this.flush();
          if (this.#failure) throw this.#failure;
          return r.value;
        }
        if (this.#stopped) break;
        this.#produced++;
        const now = performance.now();
        if (this.#buffer.push(r.value) === 1) this.#startBatch(now);
        if (this.#buffer.length >= this.#batch || now - this.#since >= FLUSH_MS) this.flush();
        if (now - slice >= SLICE_MS) {
          this.flush();
          await nextTurn();
          slice = performance.now();
        }
      }
    } catch (error) {
      if (!this.#stopped || this.#failure) {
        this.flush();
        throw this.#failure ?? error;
      }
      return undefined; // it threw because it was stopped (an aborted taskSignal): that is the stop
    }
    this.#buffer = [];
    await iterator.return?.(); // its finally runs here; what that throws fails the task
    if (this.#failure) throw this.#failure;
    return undefined;
  }

  /** Sends the buffered values, if any. */
  flush(): void {
    if (this.#buffer.length === 0 || this.#failure) return;
    const values = this.#buffer;
    this.#buffer = [];
    this.#emit(this.id, values);
  }

  /** The first value of a batch: if the iterator then waits (I/O, timers), the batch goes once the event loop turns. */
  #startBatch(now: number): void {
    this.#since = now;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.flush();
    });
  }

  #wakeUp(): void {
    this.#wake?.();
  }
}

/** One full event-loop turn: the poll phase in between reads what arrived (a stop, a credit). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
