import { Queue, type QueueOptions, type Store } from './queue.js';

/** Options of a `PriorityQueue`. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /** Orders items, smallest first; default compares with `<` (numbers, strings). */
  compare?: (a: T, b: T) => number;
}

/**
 * A `Queue` that hands out the smallest item first (asyncio's `PriorityQueue`), ordered by
 * `compare`; items that compare equal come out in the order they were put. Same waiting,
 * cancellation and shutdown rules as `Queue`.
 *
 * @example
 * const q = new PriorityQueue<[number, string]>({ compare: (a, b) => a[0] - b[0] });
 */
export class PriorityQueue<T> extends Queue<T> {
  constructor(options: PriorityQueueOptions<T> = {}) {
    super(options);
    this.store = new Heap<T>(options.compare ?? natural);
  }
}

/** A `Queue` that hands out the most recently put item first (asyncio's `LifoQueue`). */
export class LifoQueue<T> extends Queue<T> {
  constructor(options: QueueOptions = {}) {
    super(options);
    this.store = new Stack<T>();
  }
}

function natural<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Stack<T> implements Store<T> {
  #items: T[] = [];
  get length(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  take(): T {
    return this.#items.pop() as T;
  }
}

/** A binary min-heap; a sequence number breaks ties so equal items stay FIFO. */
class Heap<T> implements Store<T> {
  #items: T[] = [];
  #seqs: number[] = [];
  #seq = 0;
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    const seqs = this.#seqs;
    let i = items.length;
    items.push(item);
    seqs.push(this.#seq++);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  take(): T {
    const items = this.#items;
    const top = items[0] as T;
    const lastItem = items.pop() as T;
    const lastSeq = this.#seqs.pop() as number;
    if (items.length > 0) {
      items[0] = lastItem;
      this.#seqs[0] = lastSeq;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(l, m)) m = l;
        if (r < items.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }

  #less(i: number, j: number): boolean {
    const c = this.#compare(this.#items[i] as T, this.#items[j] as T);
    return c < 0 || (c === 0 && (this.#seqs[i] as number) < (this.#seqs[j] as number));
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const seqs = this.#seqs;
    [items[i], items[j]] = [items[j] as T, items[i] as T];
    [seqs[i], seqs[j]] = [seqs[j] as number, seqs[i] as number];
  }
}
