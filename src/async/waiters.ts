import { Deque } from '../deque.js';
import { CancelledError, InvalidArgumentError, TimeoutError } from './errors.js';

/** Longest delay `setTimeout` honours (longer ones fire at once). */
export const MAX_TIMER = 2 ** 31 - 1;

/** Options every waiting call accepts. */
export interface WaitOptions {
  /** Give up when this signal aborts: the call rejects with `CancelledError` (`cause` = the signal's reason). */
  signal?: AbortSignal | undefined;
  /** Give up after this many milliseconds: the call rejects with `TimeoutError`. `Infinity` waits forever. */
  timeout?: number | undefined;
}

/** One parked caller. `done` turns true once it is granted or cancelled; a done waiter is skipped. */
export class Waiter<T> {
  done = false;
  /** Set only when the wait has a signal or a timeout: what to undo once it ends. */
  armed: Armed | undefined = undefined;

  constructor(
    readonly resolve: (value: T) => void,
    readonly reject: (error: unknown) => void,
    /** Data the parked caller brings along (e.g. the item of a blocked `put`). */
    readonly payload: unknown,
  ) {}
}

interface Armed {
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// One shared Promise executor instead of a closure per wait: it parks the resolvers here, and
// `wait` picks them up right after `new Promise` returns (the executor runs synchronously).
let parkedResolve: ((value: never) => void) | undefined;
let parkedReject: ((error: unknown) => void) | undefined;
function park(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  parkedResolve = resolve;
  parkedReject = reject;
}

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
 * A FIFO of parked callers. Cancelled or timed-out waiters are marked `done` and skipped
 * lazily, so cancelling is O(1) and never disturbs the order of the others.
 */
export class WaiterQueue<T> {
  #q = new Deque<Waiter<T>>();
  #live = 0;
  #dead = 0;

  /** Number of live (not granted, not cancelled) waiters. */
  get size(): number {
    return this.#live;
  }

  /**
   * Parks a caller. Options must already be validated. `onGiveUp` runs (synchronously, before
   * the rejection) when the waiter is cancelled or times out.
   */
  wait(options: WaitOptions | undefined, payload?: unknown, onGiveUp?: (w: Waiter<T>) => void): Promise<T> {
    const promise = new Promise<T>(park);
    const w = new Waiter<T>(parkedResolve as (value: T) => void, parkedReject!, payload);
    this.#q.push(w);
    this.#live++;
    if (options !== undefined) this.#arm(w, options, onGiveUp);
    return promise;
  }

  #arm(w: Waiter<T>, options: WaitOptions, onGiveUp: ((w: Waiter<T>) => void) | undefined): void {
    const { signal, timeout } = options;
    const armed: Armed = (w.armed = { timer: undefined, signal, onAbort: undefined });
    if (signal !== undefined) {
      armed.onAbort = () => this.#giveUp(w, cancelled(signal), onGiveUp);
      signal.addEventListener('abort', armed.onAbort, { once: true });
    }
    if (timeout !== undefined && timeout !== Infinity) {
      armed.timer = setTimeout(() => this.#giveUp(w, new TimeoutError(`gave up waiting after ${timeout} ms: raise \`timeout\` or find what holds the resource`), onGiveUp), Math.min(timeout, MAX_TIMER));
    }
  }

  /** Removes and returns the first live waiter, already marked done and detached, or `undefined`. */
  take(): Waiter<T> | undefined {
    for (let w = this.#q.shift(); w !== undefined; w = this.#q.shift()) {
      if (w.done) {
        this.#dead--;
        continue;
      }
      this.#live--;
      w.done = true;
      if (w.armed !== undefined) detach(w.armed);
      return w;
    }
    return undefined;
  }

  /** The first live waiter, left in place. */
  peek(): Waiter<T> | undefined {
    for (let w = this.#q.peek(); w !== undefined; w = this.#q.peek()) {
      if (!w.done) return w;
      this.#q.shift();
      this.#dead--;
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

  #compact(): void {
    const q = new Deque<Waiter<T>>(this.#live);
    for (let w = this.#q.shift(); w !== undefined; w = this.#q.shift()) if (!w.done) q.push(w);
    this.#q = q;
    this.#dead = 0;
  }

  #giveUp(w: Waiter<T>, error: unknown, onGiveUp: ((w: Waiter<T>) => void) | undefined): void {
    if (w.done) return;
    w.done = true;
    this.#live--;
    if (w.armed !== undefined) detach(w.armed);
    // Dead waiters are skipped lazily; compact when they outnumber the living, so a resource
    // held for a long time while many waiters time out does not hold on to their memory.
    if (++this.#dead > 32 && this.#dead > this.#live) this.#compact();
    onGiveUp?.(w);
    w.reject(error);
  }
}

function detach(armed: Armed): void {
  if (armed.timer !== undefined) clearTimeout(armed.timer);
  if (armed.onAbort !== undefined) armed.signal!.removeEventListener('abort', armed.onAbort);
}
