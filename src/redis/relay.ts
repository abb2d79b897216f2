/**
 * The worker's side of a stream on Redis: a `RedisWorker` runs the task with its local pool's
 * `stream()` and relays what it yields onto the caller's result list, in batches (the values
 * that arrive together from the local worker, up to {@link MAX_BATCH}, go as one record). The
 * caller's credit passes straight through to the local stream (`relayCredit`), so the generator
 * runs at most the caller's window ahead of what the caller took, across both hops; a stop
 * returns the local stream (the generator's `finally` runs) and the end is delivered as usual.
 * A stream that has waited for credit for `STARVED_MS` asks whether its producer still lives
 * (its `alive` key): one that died gives no credit any more, so the stream is stopped rather
 * than holding this worker's slot forever. The producer's side is `stream.ts`.
 */
import { serialize } from 'node:v8';
import { DataCloneError } from '../errors.js';
import { TaskAbortedError } from '../executor/errors.js';
import type { Pool } from '../executor/pool.js';
import type { TaskStream } from '../executor/stream.js';
import type { JobData } from './wire.js';

/** Most values in one record. */
export const MAX_BATCH = 1024;
/** How long a stream waits for credit before it checks that its producer still lives (and then again each time). */
const STARVED_MS = 6_000;

/** Sends a batch of yielded values to the caller; throws for values that cannot be serialized. */
export type SendValues = (values: unknown[]) => void;

/** One stream running on this worker, with what its caller's control messages do. Internal. */
export class StreamRelay {
  readonly #stream: TaskStream<unknown>;
  readonly #credit: (taken: number) => void;
  readonly #controller = new AbortController();
  #batch: unknown[] = [];
  #flushQueued = false;
  #stopping: Promise<unknown> | undefined;
  #failure: Error | undefined;
  /** Values sent to the caller, and taken by it (its credit): a window apart, the stream waits. */
  #sent = 0;
  #taken = 0;
  readonly #window: number;
  #starved: NodeJS.Timeout | undefined;

  constructor(
    local: Pool,
    readonly name: string,
    args: unknown[],
    data: JobData,
    onProgress: ((value: unknown) => void) | undefined,
    private readonly send: SendValues,
    private readonly callerAlive: () => Promise<boolean>,
  ) {
    this.#window = data.w ?? 1;
    const options = { window: data.w, timeout: data.t, signal: this.#controller.signal, onProgress };
    this.#stream = local.streamWith(name as never, args as never, options);
    this.#credit = this.#stream.relayCredit();
  }

  /** The caller cancelled (its signal, `terminate()`): the stream fails with `TaskAbortedError`, as a call does. */
  abort(): void {
    this.#controller.abort(new TaskAbortedError(this.name, 'cancelled by its caller'));
  }

  /** The caller has taken `taken` values in all. */
  pull(taken: number): void {
    this.#taken = Math.max(this.#taken, taken);
    this.#credit(taken);
    if (!this.#owed) this.#fed();
  }

  /** The caller stopped early: the local stream is returned (the generator's `finally` runs). */
  stop(): void {
    this.#fed();
    this.#batch = [];
    this.#stopping ??= this.#stream.return();
    this.#stopping.catch(() => {});
  }

  /** Relays the stream to its end; resolves to the generator's return value, rejects with its failure (or its `finally`'s, after a stop). */
  async run(): Promise<unknown> {
    try {
      for (;;) {
        const r = await this.#stream.next();
        if (r.done) {
          if (this.#stopping) {
            await this.#stopping;
            if (this.#failure) throw this.#failure;
            return undefined;
          }
          this.#flush();
          if (this.#failure) throw this.#failure; // the last batch could not go
          return r.value;
        }
        if (this.#stopping) continue;
        if (this.#batch.push(r.value) === 1) this.#queueFlush();
        if (this.#batch.length >= MAX_BATCH) this.#flush();
      }
    } catch (error) {
      if (!this.#stopping) this.#flush(); // the values before the failure go first
      throw this.#failure ?? error;
    } finally {
      this.#fed();
    }
  }

  /** The first value of a batch: the batch goes once the event loop turns (the values that arrived together go together). */
  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#batch.length === 0 || this.#stopping) return;
    const values = this.#batch;
    this.#batch = [];
    try {
      this.send(values);
      this.#sent += values.length;
      if (this.#owed) this.#starve();
    } catch (error) {
      // The values before the first one that cannot go still go: the failure arrives at its position.
      let i = 0;
      while (i < values.length && serializable(values[i])) i++;
      if (i > 0) this.send(values.slice(0, i));
      this.#failure = new DataCloneError(`a value task '${this.name}' yielded cannot be serialized to Redis (${(error as Error)?.message ?? String(error)}); yield plain data`, error);
      this.stop();
    }
  }

  /** The caller holds a whole window of values it has not taken: no more go until it gives credit. */
  get #owed(): boolean {
    return this.#sent - this.#taken >= this.#window;
  }

  /** The caller has a window of values it has not taken: check, after a while, that it still lives. */
  #starve(): void {
    if (this.#starved || this.#stopping) return;
    this.#starved = setTimeout(() => {
      this.#starved = undefined;
      void this.callerAlive().then((alive) => {
        if (this.#stopping || !this.#owed) return;
        if (alive) return this.#starve();
        this.#failure = new TaskAbortedError(this.name, 'its caller is gone (its producer stopped refreshing its alive key)');
        this.stop();
      });
    }, STARVED_MS);
    this.#starved.unref();
  }

  /** Credit came (or the stream stops): no check pending. */
  #fed(): void {
    clearTimeout(this.#starved);
    this.#starved = undefined;
  }
}

function serializable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}
