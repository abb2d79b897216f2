import { InvalidOptionError } from '../errors.js';
import { TaskAbortedError } from './errors.js';
import { ChunkError, PACK_MIN } from '../worker/protocol.js';

/** Options of `pool.map`. */
export interface MapOptions {
  /** Yield results in input order (default) or as soon as each chunk finishes. */
  ordered?: boolean;
  /** Items per message to a worker, or 'auto' (default): grows until a chunk holds about a millisecond of work. */
  chunkSize?: number | 'auto';
  /** Stops the map: no more input is pulled and the iterator throws `TaskAbortedError`. */
  signal?: AbortSignal;
  /** Most chunks in flight at once (bounds memory on endless input). Default: 4 per worker. */
  window?: number;
}

/**
 * `MapOptions` with what weft's own code also passes: `onMicros` hears each chunk's run time on
 * its worker (µs) as it finishes, so a Redis worker reports the time its local pool spent, not
 * the time the chunk also waited for a local worker. Internal.
 */
export interface MapHooks extends MapOptions {
  onMicros?: (micros: number) => void;
}

/** Submits one chunk; returns a function that cancels it if it has not started. Internal. */
export type SubmitChunk = (
  items: ArrayLike<unknown>,
  onDone: (error: unknown, value: unknown, micros: number) => void,
  transfer?: ArrayBuffer[],
) => () => void;

const TARGET_CHUNK_MICROS = 1000;
const MAX_AUTO_CHUNK = 8192;

/** What `pool.map` returns: its results one by one, or a chunk at a time through `chunks()`. */
export interface MapResults<R> extends AsyncIterableIterator<R> {
  /** The same results a chunk at a time, in the same order: one await per chunk instead of one per item. */
  chunks(): AsyncIterableIterator<ArrayLike<R>>;
}

/** @internal the iterator behind `pool.map`. */
export function mapTasks(submit: SubmitChunk, input: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions, workers: number): MapResults<unknown> {
  return new MapIterator(submit, input, options, workers);
}

class MapIterator implements MapResults<unknown> {
  readonly #submit: SubmitChunk;
  readonly #source: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #sync: boolean;
  readonly #ordered: boolean;
  readonly #auto: boolean;
  readonly #window: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onMicros: ((micros: number) => void) | undefined;
  readonly #onAbort = (): void => this.#abort();
  #chunkSize: number;
  #submitted = 0;
  #nextToYield = 0;
  #inflight = 0;
  /** Finished chunks: by index when ordered, in completion order otherwise. */
  readonly #ready = new Map<number, unknown[] | Error | ChunkError>();
  #readyOrder: number[] = [];
  /** Cancellers of the chunks in flight, by index: a stopped map cancels those not yet started. */
  readonly #cancels = new Map<number, () => void>();
  #buffer: ArrayLike<unknown> = [];
  /** The buffer is a plain array: each slot is cleared once yielded, so the map lets go of what it gave. */
  #clears = false;
  #pos = 0;
  #pendingError: unknown;
  #inputDone = false;
  #finished = false;
  #wake: (() => void) | undefined;

  constructor(submit: SubmitChunk, input: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions, workers: number) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('map options must be an object');
    const chunk = options.chunkSize ?? 'auto';
    if (chunk !== 'auto' && !(Number.isInteger(chunk) && chunk >= 1)) throw new InvalidOptionError(`chunkSize must be 'auto' or an integer >= 1, got ${String(chunk)}`);
    const window = options.window ?? workers * 4;
    if (!(Number.isInteger(window) && window >= 1)) throw new InvalidOptionError(`window must be an integer >= 1, got ${String(window)}`);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new InvalidOptionError('signal must be an AbortSignal');
    const asyncIt = (input as AsyncIterable<unknown>)?.[Symbol.asyncIterator];
    const syncIt = (input as Iterable<unknown>)?.[Symbol.iterator];
    if (typeof asyncIt !== 'function' && typeof syncIt !== 'function') throw new InvalidOptionError('map input must be an iterable or an async iterable');
    this.#sync = typeof asyncIt !== 'function';
    this.#source = this.#sync ? syncIt!.call(input) : asyncIt!.call(input);
    this.#submit = submit;
    this.#ordered = options.ordered ?? true;
    this.#auto = chunk === 'auto';
    this.#chunkSize = chunk === 'auto' ? 1 : chunk;
    this.#window = window;
    this.#signal = options.signal;
    this.#onMicros = (options as MapHooks).onMicros;
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#signal?.aborted) this.#abort();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    // Fast path: a result already at hand costs one resolved promise, no async frame.
    if (this.#pos < this.#buffer.length) return Promise.resolve({ value: this.#yield(), done: false });
    return this.#next();
  }

  async #next(): Promise<IteratorResult<unknown>> {
    return (await this.#refill()) ? { value: this.#yield(), done: false } : { value: undefined, done: true };
  }

  #yield(): unknown {
    const i = this.#pos++;
    const value = this.#buffer[i];
    if (this.#clears) (this.#buffer as unknown[])[i] = undefined;
    return value;
  }

  /**
   * The same results a chunk at a time (arrays, or Float64Arrays for numbers), in the same
   * order: one await per chunk instead of one per item, the fastest way through a long map.
   */
  chunks(): AsyncIterableIterator<ArrayLike<unknown>> {
    const iterator: AsyncIterableIterator<ArrayLike<unknown>> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        if (!(await this.#refill())) return { value: undefined, done: true };
        const buffer = this.#buffer;
        const start = this.#pos;
        this.#pos = buffer.length;
        return { value: start === 0 ? buffer : Array.prototype.slice.call(buffer, start), done: false };
      },
      return: async () => {
        this.#stop();
        return { value: undefined, done: true };
      },
    };
    return iterator;
  }

  /** Makes results available in the buffer; false once the map is over. Throws a failed item's error at its position. */
  async #refill(): Promise<boolean> {
    for (;;) {
      if (this.#pos < this.#buffer.length) return true;
      if (this.#pendingError !== undefined) {
        const error = this.#pendingError;
        this.#stop();
        throw error;
      }
      if (this.#finished) return false;
      const chunk = this.#take();
      if (chunk !== undefined) {
        if (chunk instanceof ChunkError) {
          this.#buffer = chunk.done;
          this.#pendingError = chunk.error;
        } else if (chunk instanceof Error) {
          this.#buffer = [];
          this.#pendingError = chunk;
        } else this.#buffer = chunk;
        this.#clears = Array.isArray(this.#buffer);
        this.#pos = 0;
        continue;
      }
      await this.#fill();
      if (this.#pendingError !== undefined || this.#hasReady()) continue;
      if (this.#inflight === 0 && this.#inputDone) {
        this.#stop();
        return false;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.#stop();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.#stop();
    throw error;
  }

  #hasReady(): boolean {
    return this.#ordered ? this.#ready.has(this.#nextToYield) : this.#readyOrder.length > 0;
  }

  #take(): unknown[] | Error | ChunkError | undefined {
    const index = this.#ordered ? this.#nextToYield : this.#readyOrder.shift();
    if (index === undefined || !this.#ready.has(index)) return undefined;
    const chunk = this.#ready.get(index);
    this.#ready.delete(index);
    if (this.#ordered) this.#nextToYield++;
    return chunk;
  }

  async #fill(): Promise<void> {
    while (!this.#inputDone && !this.#finished && this.#inflight + this.#ready.size < this.#window) {
      const items: unknown[] = [];
      const size = this.#chunkSize;
      while (items.length < size) {
        const r = this.#sync ? (this.#source as Iterator<unknown>).next() : await (this.#source as AsyncIterator<unknown>).next();
        if (r.done) {
          this.#inputDone = true;
          break;
        }
        items.push(r.value);
      }
      if (this.#finished) return;
      if (items.length > 0) this.#send(items);
    }
  }

  #send(items: unknown[]): void {
    const index = this.#submitted++;
    this.#inflight++;
    const packed = packNumbers(items);
    let settled = false; // a closed pool settles the chunk before submit returns
    const cancel = this.#submit(packed ?? items, (error, value, micros) => {
      settled = true;
      this.#inflight--;
      this.#cancels.delete(index);
      this.#onMicros?.(micros);
      if (this.#finished) return;
      this.#ready.set(index, error !== undefined ? (error as Error) : (value as unknown[]));
      if (!this.#ordered) this.#readyOrder.push(index);
      if (this.#auto && error === undefined && micros > 0) this.#adapt(items.length, micros);
      this.#wake?.();
    }, packed ? [packed.buffer as ArrayBuffer] : undefined);
    if (!settled) this.#cancels.set(index, cancel);
  }

  #adapt(count: number, micros: number): void {
    const ideal = Math.max(1, Math.min(MAX_AUTO_CHUNK, Math.floor((TARGET_CHUNK_MICROS * count) / micros)));
    this.#chunkSize = ideal > this.#chunkSize ? Math.min(ideal, this.#chunkSize * 8) : ideal;
  }

  #abort(): void {
    if (this.#finished) return;
    this.#pendingError ??= new TaskAbortedError('map', this.#signal?.reason);
    this.#buffer = [];
    this.#wake?.();
  }

  #stop(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#inputDone = true;
    this.#pendingError = undefined;
    this.#ready.clear();
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    void this.#source.return?.();
  }
}

/** A long chunk of plain numbers as a Float64Array (exact for every JS number), else undefined. */
function packNumbers(items: unknown[]): Float64Array | undefined {
  if (items.length < PACK_MIN) return undefined;
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'number') return undefined;
  return new Float64Array(items as number[]);
}
