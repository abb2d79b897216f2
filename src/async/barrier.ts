import { BrokenBarrierError, InvalidArgumentError } from '../errors.js';
import { checkOptions, WaiterQueue, type Waiter, type WaitOptions } from './waiters.js';

/** Options of a `Barrier`. */
export interface BarrierOptions {
  /** Runs once per cycle, by the last task to arrive, before anyone is released. If it throws, the barrier breaks. */
  action?: () => void | PromiseLike<void>;
}

/**
 * A meeting point for `parties` tasks (asyncio's and threading's `Barrier`): each `wait()`
 * blocks until `parties` tasks are waiting, then all are released together and the barrier
 * resets for the next cycle.
 *
 * - Fairness: tasks arriving while a cycle's `action` runs belong to the next cycle.
 *   `wait()` resolves to the arrival index, `0` to `parties - 1`.
 * - Cancel / timeout: a `wait({ signal, timeout })` that gives up leaves the cycle (it no
 *   longer counts towards `parties`) and rejects with `CancelledError` / `TimeoutError`;
 *   the barrier stays intact. Once a cycle is complete, a late signal no longer affects it.
 * - Errors: `abort()` breaks the barrier: every waiter, and every later `wait()` until
 *   `reset()`, rejects with `BrokenBarrierError`. If `action` throws, the barrier breaks, the
 *   last arriving task rejects with that error and the others with `BrokenBarrierError`
 *   (`cause` = that error). `reset()` breaks the current waiters and makes the barrier usable
 *   again. Fewer than 1 party throws `InvalidArgumentError`.
 */
export class Barrier {
  readonly #parties: number;
  readonly #action: (() => void | PromiseLike<void>) | undefined;
  #waiters = new WaiterQueue<number>();
  #broken = false;
  #cause: unknown = undefined;

  constructor(parties: number, options: BarrierOptions = {}) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) {
      throw new InvalidArgumentError(`Barrier parties must be an integer >= 1, got ${String(parties)}`);
    }
    this.#parties = parties;
    this.#action = options.action;
  }

  /** Tasks needed to complete a cycle. */
  get parties(): number {
    return this.#parties;
  }

  /** Tasks waiting in the current cycle. */
  get nWaiting(): number {
    return this.#waiters.size;
  }

  /** True after `abort()` or a failed action, until `reset()`. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Waits for the other parties; resolves to this task's arrival index in the cycle. */
  async wait(options?: WaitOptions): Promise<number> {
    const error = options === undefined ? undefined : checkOptions(options);
    if (error !== undefined) throw error;
    if (this.#broken) throw new BrokenBarrierError(undefined, { cause: this.#cause });
    const index = this.#waiters.size;
    if (index + 1 < this.#parties) return this.#waiters.wait(options);
    // Last to arrive: close this cycle, so new arrivals start the next one.
    const cycle: Waiter<number>[] = [];
    for (let w = this.#waiters.take(); w !== undefined; w = this.#waiters.take()) cycle.push(w);
    try {
      if (this.#action !== undefined) await this.#action();
    } catch (cause) {
      this.#break(cause);
      for (const w of cycle) w.reject(new BrokenBarrierError('the barrier action threw; see `cause`, then `reset()` the barrier', { cause }));
      throw cause;
    }
    cycle.forEach((w, i) => w.resolve(i));
    return index;
  }

  /** Breaks the barrier: current and later waiters reject with `BrokenBarrierError` until `reset()`. */
  abort(): void {
    this.#break(undefined);
  }

  /** Breaks the current waiters (they reject with `BrokenBarrierError`) and makes the barrier usable again. */
  reset(): void {
    this.#waiters.rejectAll(() => new BrokenBarrierError('the barrier was reset while this task waited'));
    this.#broken = false;
    this.#cause = undefined;
  }

  #break(cause: unknown): void {
    this.#broken = true;
    this.#cause = cause;
    this.#waiters.rejectAll(() => new BrokenBarrierError(undefined, { cause }));
  }
}
