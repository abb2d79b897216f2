import { CancelledError, InvalidArgumentError, TimeoutError } from '../errors.js';

/** Longest delay `setTimeout` honours (longer ones fire at once). */
export const MAX_TIMER = 2 ** 31 - 1;

/** What an `acquire()` that did not have to wait returns: one settled promise, shared. */
export const granted: Promise<true> = Promise.resolve(true);

/** Options every waiting call accepts. */
export interface WaitOptions {
  /** Give up when this signal aborts: the call rejects with `CancelledError` (`cause` = the signal's reason). */
  signal?: AbortSignal | undefined;
  /** Give up after this many milliseconds: the call rejects with `TimeoutError`. `Infinity` waits forever. */
  timeout?: number | undefined;
}

/**
 * One parked caller: a node of its `WaiterQueue`'s linked list. Kept small (five fields, no
 * per-wait closure) because it is allocated on every wait that parks.
 */
export class Waiter<T> {
  /** The next waiter in line. */
  next: Waiter<T> | undefined = undefined;
  /** Data the parked caller brings along (e.g. the item of a blocked `put`). */
  payload: unknown = undefined;
  /** Set only when the wait has a signal or a timeout: what to undo once it ends; `GAVE_UP` once it has. */
  armed: Armed | undefined = undefined;

  constructor(
    readonly resolve: (value: T) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

interface Armed {
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Marks a waiter that was cancelled or timed out: it stays in the list until skipped. */
const GAVE_UP: Armed = { timer: undefined, signal: undefined, onAbort: undefined };

/** Returns an `InvalidArgumentError` unless `value` is a number >= 0 (Infinity allowed when `allowInfinity`). */
export function badCount(name: string, value: number, allowInfinity = false): InvalidArgumentError | undefined {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowInfinity && !Number.isFinite(value))) {
    return new InvalidArgumentError(`${name} must be a number >= 0, got ${String(value)}`);
  }
  return undefined;
}

/** Throws `InvalidArgumentError` unless `value` is a number >= 0 (Infinity allowed when `allowInfinity`). */
export function checkCount(name: string, value: number, allowInfinity = false): void {
  const error = badCount(name, value, allowInfinity);
  if (error !== undefined) throw error;
}

/**
 * Validates a `{ signal, timeout }` bag; returns the error to reject with (`InvalidArgumentError`
 * for a bad timeout, `CancelledError` for an already-aborted signal), if any.
 */
export function checkOptions(options: WaitOptions): Error | undefined {
  if (options.timeout !== undefined) {
    const error = badCount('timeout', options.timeout, true);
    if (error !== undefined) return error;
  }
  return options.signal?.aborted ? cancelled(options.signal) : undefined;
}

/** The error a wait rejects with when `signal` aborts. */
export function cancelled(signal: AbortSignal): CancelledError {
  return new CancelledError(undefined, { cause: signal.reason });
}

/**
 * A FIFO of parked callers, as a singly linked list. Only a wait with a signal or a timeout can
 * give up; it is marked and skipped lazily, so cancelling is O(1) and never disturbs the order
 * of the others.
 */
export class WaiterQueue<T> {
  #head: Waiter<T> | undefined = undefined;
  #tail: Waiter<T> | undefined = undefined;
  #live = 0;
  #dead = 0;
  // The Promise executor, made once per queue: it links a new waiter at the tail, which
  // `wait` then reads back (the executor runs synchronously inside `new Promise`).
  readonly #enqueue = (resolve: (value: T) => void, reject: (error: unknown) => void): void => {
    const w = new Waiter<T>(resolve, reject);
    if (this.#tail === undefined) this.#head = w;
    else this.#tail.next = w;
    this.#tail = w;
  };

  /** Number of live (not granted, not cancelled) waiters. */
  get size(): number {
    return this.#live;
  }

  /**
   * Parks a caller. Options must already be validated. `onGiveUp` runs (synchronously, before
   * the rejection) when the waiter is cancelled or times out.
   */
  wait(options: WaitOptions | undefined, payload?: unknown, onGiveUp?: (w: Waiter<T>) => void): Promise<T> {
    const promise = this.park();
    if (payload !== undefined) this.#tail!.payload = payload;
    if (options !== undefined) this.#arm(this.#tail!, options, onGiveUp);
    return promise;
  }

  /** Parks a caller with no payload, signal or timeout: the hot path of `wait`. */
  park(): Promise<T> {
    this.#live++;
    return new Promise<T>(this.#enqueue);
  }

  #arm(w: Waiter<T>, options: WaitOptions, onGiveUp: ((w: Waiter<T>) => void) | undefined): void {
    const { signal, timeout } = options;
    if (signal === undefined && (timeout === undefined || timeout === Infinity)) return;
    const armed: Armed = (w.armed = { timer: undefined, signal, onAbort: undefined });
    if (signal !== undefined) {
      armed.onAbort = () => this.#giveUp(w, cancelled(signal), onGiveUp);
      signal.addEventListener('abort', armed.onAbort, { once: true });
    }
    if (timeout !== undefined && timeout !== Infinity) {
      armed.timer = setTimeout(() => this.#giveUp(w, new TimeoutError(`gave up waiting after ${timeout} ms: raise \`timeout\` or find what holds the resource`), onGiveUp), Math.min(timeout, MAX_TIMER));
    }
  }

  /** Unlinks and returns the first live waiter, already detached from its signal and timer, or `undefined`. */
  take(): Waiter<T> | undefined {
    for (let w = this.#head; w !== undefined; w = this.#head) {
      this.#head = w.next;
      if (this.#head === undefined) this.#tail = undefined;
      if (w.armed !== undefined) {
        if (w.armed === GAVE_UP) {
          this.#dead--;
          continue;
        }
        detach(w.armed);
        w.armed = undefined;
      }
      this.#live--;
      return w;
    }
    return undefined;
  }

  /** Grants the first live waiter with `value`; false if nobody waits. */
  wake(value: T): boolean {
    const w = this.take();
    if (w === undefined) return false;
    w.resolve(value);
    return true;
  }

  /** Rejects every live waiter with `error()`. */
  rejectAll(error: () => unknown): void {
    for (let w = this.take(); w !== undefined; w = this.take()) w.reject(error());
  }

  /** Unlinks every waiter that gave up. */
  #compact(): void {
    let last: Waiter<T> | undefined;
    for (let w = this.#head; w !== undefined; w = w.next) {
      if (w.armed === GAVE_UP) continue;
      if (last === undefined) this.#head = w;
      else last.next = w;
      last = w;
    }
    if (last === undefined) this.#head = undefined;
    else last.next = undefined;
    this.#tail = last;
    this.#dead = 0;
  }

  #giveUp(w: Waiter<T>, error: unknown, onGiveUp: ((w: Waiter<T>) => void) | undefined): void {
    if (w.armed === undefined || w.armed === GAVE_UP) return; // granted or already gone
    detach(w.armed);
    w.armed = GAVE_UP;
    this.#live--;
    // Waiters that gave up are skipped lazily; compact when they outnumber the living, so a
    // resource held for a long time while many waiters time out does not hold on to their memory.
    if (++this.#dead > 32 && this.#dead > this.#live) this.#compact();
    onGiveUp?.(w);
    w.reject(error);
  }
}

function detach(armed: Armed): void {
  if (armed.timer !== undefined) clearTimeout(armed.timer);
  if (armed.onAbort !== undefined) armed.signal!.removeEventListener('abort', armed.onAbort);
}
