// Lazy, ordered, chunked map over a pool that only has "run one task": how the benchmarks
// drive pools without a streaming `map`. Pulls `chunkSize` items at a time from a sync
// source, keeps at most `window` chunks in flight, yields results in input order.
//
// Hand-written iterator rather than an async generator: on Node 20 an async generator with
// `yield*` tops out near 1-2M items/s, while an iterator that answers from a buffered chunk
// with an already-resolved promise reaches ~4M items/s, so the harness is not the bottleneck.

export function chunkedMap<T, R>(
  source: Iterable<T>,
  runChunk: (chunk: T[]) => Promise<readonly R[]>,
  chunkSize = 1000,
  window = 4,
): AsyncIterableIterator<R> {
  const it = source[Symbol.iterator]();
  let exhausted = false;
  const inFlight: Promise<readonly R[]>[] = [];
  let buffer: readonly R[] = [];
  let index = 0;

  const fill = (): void => {
    while (!exhausted && inFlight.length < window) {
      const chunk: T[] = [];
      while (chunk.length < chunkSize) {
        const r = it.next();
        if (r.done) {
          exhausted = true;
          break;
        }
        chunk.push(r.value);
      }
      if (chunk.length === 0) break;
      const p = runChunk(chunk);
      p.catch(() => {}); // surfaced when awaited in refill(); no unhandled rejection meanwhile
      inFlight.push(p);
    }
  };

  const refill = async (): Promise<IteratorResult<R, undefined>> => {
    while (index >= buffer.length) {
      fill();
      const head = inFlight.shift();
      if (!head) return { done: true, value: undefined };
      buffer = await head;
      index = 0;
      fill(); // keep the workers busy while the consumer drains this chunk
    }
    return { done: false, value: buffer[index++]! };
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next(): Promise<IteratorResult<R, undefined>> {
      if (index < buffer.length) return Promise.resolve({ done: false, value: buffer[index++]! });
      return refill();
    },
    async return(): Promise<IteratorResult<R, undefined>> {
      exhausted = true;
      inFlight.length = 0;
      buffer = [];
      index = 0;
      return { done: true, value: undefined };
    },
  };
}

/** The same items through the cheapest possible async iterator: the for-await floor of any lazy map. */
export function asyncIterate<T>(source: Iterable<T>): AsyncIterableIterator<T> {
  const it = source[Symbol.iterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => Promise.resolve(it.next()),
  };
}
