import { performance } from 'node:perf_hooks';
import { decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import { CANCEL_SLOTS, type WorkerInit } from '../worker/protocol.js';
import type { Backend, WorkerExit } from './backend.js';
import { BrokenPoolError } from './errors.js';
import type { ResolvedModule } from './module.js';
import type { ResolvedPoolOptions } from './options.js';
import { Slot } from './slot.js';
import type { Task } from './task.js';

/** Workers in a row that may fail to start before the pool is broken. */
const MAX_START_FAILURES = 5;
/** Pause before the next start after a start failure, doubled for each further one in a row. */
const START_BACKOFF_MS = 100;
/** Signals that mean someone stopped the worker, not that it failed to start (a crash is SIGSEGV, SIGABRT…). */
const KILLED_FROM_OUTSIDE = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);

/** What a pool hears from its workers. */
export interface WorkerListener {
  results(slot: Slot, batch: unknown[]): void;
  exit(slot: Slot, info: WorkerExit): void;
  /** A pause after start failures is over: workers may be started again. */
  respawn(): void;
}

/**
 * The live workers of a pool: starting them (and giving up on ones that never get going),
 * retiring them, letting idle ones time out, and stopping them all. Which tasks go where is
 * the pool's business (`dispatch.ts`). Internal.
 */
export class Workers implements Iterable<Slot> {
  readonly #slots: Slot[] = [];
  /** Workers in a row that died or hung before they started, and the first one's story. */
  #startFailures = 0;
  #firstFailure = '';
  /** No worker starts before this time (performance.now()), after start failures. */
  #pauseUntil = 0;
  #pauseTimer: NodeJS.Timeout | undefined;
  /** Holds the event loop open while the pool has pending tasks (`setRef`). */
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(
    readonly backend: Backend,
    readonly init: Omit<WorkerInit, 'started' | 'cancels'>,
    readonly listener: WorkerListener,
    readonly options: Pick<ResolvedPoolOptions, 'minSize' | 'idleTimeout' | 'startTimeout' | 'finalizerTimeout'>,
  ) {}

  /** Workers alive, including those being retired. */
  get count(): number {
    return this.#slots.length;
  }

  /** Workers in a row that failed to start. */
  get startFailures(): number {
    return this.#startFailures;
  }

  [Symbol.iterator](): Iterator<Slot> {
    return this.#slots[Symbol.iterator]();
  }

  /** The workers' part of `pool.stats()`. */
  describe(): { backend: string; workers: number; activeWorkers: number; idleWorkers: number; running: number; startFailures: number } {
    const { running, active } = this.activity();
    const workers = this.count;
    return { backend: this.backend.kind, workers, activeWorkers: active, idleWorkers: workers - active, running, startFailures: this.#startFailures };
  }

  /** Tasks sent to workers and not settled, and how many workers have any. */
  activity(): { running: number; active: number } {
    let running = 0;
    let active = 0;
    for (const s of this.#slots) {
      running += s.inflight.size;
      if (s.inflight.size > 0) active++;
    }
    return { running, active };
  }

  /** Workers alive and not being retired. */
  live(): number {
    let n = 0;
    for (const s of this.#slots) if (!s.retiring) n++;
    return n;
  }

  /**
   * Starts a worker (it never keeps the process alive by itself: see `setRef`). During the pause
   * that follows a start failure nothing starts: the listener's `respawn` is called when it ends.
   */
  spawn(): void {
    const wait = this.#pauseUntil - performance.now();
    if (wait > 0) {
      this.#pauseTimer ??= setTimeout(() => {
        this.#pauseTimer = undefined;
        this.listener.respawn();
      }, wait);
      return;
    }
    const started = new SharedArrayBuffer(4);
    const cancels = new SharedArrayBuffer(4 * CANCEL_SLOTS);
    const slot = new Slot(new Int32Array(started), new Int32Array(cancels));
    slot.handle = this.backend.spawn(
      { ...this.init, started, cancels },
      {
        results: (batch) => this.listener.results(slot, batch),
        exit: (info) => this.listener.exit(slot, info),
        finalized: (error) => this.#finalized(slot, error),
      },
    );
    slot.handle.unref();
    this.#slots.push(slot);
    const timeout = this.options.startTimeout;
    slot.startTimer = setTimeout(() => {
      slot.startTimer = undefined;
      if (slot.ready || slot.retiring) return;
      slot.startFailure = new Error(`the worker did not start within startTimeout (${timeout} ms): its task module's import or the initializer hangs`);
      this.retire(slot);
    }, timeout);
    slot.startTimer.unref(); // as the worker itself: the pool's keep-alive holds the process while tasks are pending
  }

  /** The worker has loaded its module and run its initializer: the run of start failures ends. */
  markReady(slot: Slot): void {
    slot.ready = true;
    clearTimeout(slot.startTimer);
    slot.startTimer = undefined;
    this.#startFailures = 0;
    this.#pauseUntil = 0;
  }

  /**
   * Counts the exit of a worker that never started (one neither the pool nor anyone else
   * stopped: it exited, crashed or hung by itself): pauses
   * the next start, longer each time; returns the error that breaks the pool once
   * `MAX_START_FAILURES` workers in a row have failed.
   */
  countStartFailure(slot: Slot, info: WorkerExit): BrokenPoolError | undefined {
    if (slot.ready || (slot.retiring && !slot.startFailure)) return undefined;
    // Killed from outside (a user, a supervisor): not the worker failing to start; it is simply replaced.
    if (!slot.startFailure && info.signal !== null && KILLED_FROM_OUTSIDE.has(info.signal)) return undefined;
    if (this.#startFailures++ === 0) this.#firstFailure = startFailureOf(slot, info);
    if (this.#startFailures >= MAX_START_FAILURES) return new BrokenPoolError(this.#startFailures, this.#firstFailure);
    this.#pauseUntil = performance.now() + START_BACKOFF_MS * 2 ** (this.#startFailures - 1);
    return undefined;
  }

  /** Forgets a worker that has exited. */
  remove(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    slot.clearIdle();
    clearTimeout(slot.startTimer);
    clearTimeout(slot.finalizeTimer);
  }

  /** Tells a worker to stop now (cutting short a finalizer it runs); its exit follows. */
  retire(slot: Slot): void {
    slot.retiring = true;
    clearTimeout(slot.finalizeTimer);
    slot.finalizeTimer = undefined;
    slot.handle.terminate();
  }

  /**
   * Retires a worker gracefully (on close, idle timeout, recycling): with a `finalizer`, the
   * worker runs it once its tasks are done (one still starting finishes starting first, and
   * skips it if its module or initializer failed), within `finalizerTimeout` in all, then
   * stops as by {@link retire}. A failure or overrun is a warning, not an error.
   */
  retireGracefully(slot: Slot): void {
    const name = this.init.finalizer;
    if (name === undefined) return this.retire(slot);
    slot.retiring = true;
    slot.handle.ref(); // the finalizer gets to finish even when nothing else keeps the process alive
    const timeout = this.options.finalizerTimeout;
    slot.finalizeTimer = setTimeout(() => {
      const what = slot.ready ? 'did not finish' : 'could not run: its worker had not started';
      warnFinalizer(
        `the pool's finalizer '${name}' ${what} within finalizerTimeout (${timeout} ms); the worker was stopped anyway. Make it settle sooner, or raise finalizerTimeout`,
      );
      this.retire(slot);
    }, timeout);
    slot.handle.finalize();
  }

  /** The worker's finalizer is done: report its failure, if any, and stop the worker. */
  #finalized(slot: Slot, error: EncodedThrow | undefined): void {
    if (!slot.finalizing) return; // too late: finalizerTimeout (or terminate) stopped it already
    if (error !== undefined) {
      const name = this.init.finalizer!;
      const why = decodeThrow(error, name).message;
      warnFinalizer(`the pool's finalizer '${name}' failed in a worker: ${why}; the worker was stopped anyway. Fix the finalizer, or leave the finalizer option out`);
    }
    this.retire(slot);
  }

  /** Retires an idle worker after `idleTimeout`, unless it got work or only `minSize` remain by then. */
  scheduleIdle(slot: Slot): void {
    const { idleTimeout, minSize } = this.options;
    if (idleTimeout === Infinity || this.#slots.length <= minSize) return;
    slot.idleSince = performance.now();
    if (slot.idleTimer === undefined) this.#countDown(slot, idleTimeout);
  }

  #countDown(slot: Slot, ms: number): void {
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.idleSince === undefined || slot.retiring || slot.inflight.size > 0) return; // busy since: its next idle spell counts anew
      const left = slot.idleSince + this.options.idleTimeout - performance.now();
      if (left > 1) this.#countDown(slot, left);
      else if (this.live() > this.options.minSize) this.retireGracefully(slot);
    }, ms);
    slot.idleTimer.unref();
  }

  /** Signals a running task to stop, then stops its worker (even one waiting to finalize) if it has not settled after `grace` ms. */
  stopRunning(task: Task, grace: number): void {
    const slot = task.slot as Slot;
    slot.handle.cancel(task.id);
    const check = (): void => {
      if (slot.inflight.has(task.id) && (!slot.retiring || slot.finalizing)) this.retire(slot);
    };
    if (grace === 0) check();
    else setTimeout(check, grace).unref();
  }

  /**
   * Whether the pool keeps the process alive (while tasks are pending): through one handle of
   * its own rather than each worker's, so that a call at a time toggles one flag, not two per
   * worker. Workers stay unref'd but for a finalizing one, which holds the process until it exits.
   */
  setRef(on: boolean): void {
    if (on) (this.#keepAlive ??= setInterval(() => {}, 1 << 30)).ref();
    else this.#keepAlive?.unref();
  }

  /**
   * Retires every worker, `graceful`ly (each runs the finalizer first: `close()`) or now
   * (cutting short the finalizers already running: `terminate()`); resolves once all have exited.
   */
  async stopAll(graceful: boolean): Promise<void> {
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    const slots = [...this.#slots];
    for (const s of slots) {
      s.clearIdle();
      if (graceful && !s.retiring) this.retireGracefully(s);
      else if (!graceful && (!s.retiring || s.finalizing)) this.retire(s);
    }
    await Promise.all(slots.map((s) => s.exited));
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}

/** What every worker of a pool is started with, but its shared counters. */
export function workerInit(module: ResolvedModule, opts: ResolvedPoolOptions): Omit<WorkerInit, 'started' | 'cancels'> {
  const { initializer, initArgs, finalizer, finalizerArgs } = opts;
  return { module: module.url, tsx: module.tsx, concurrency: opts.concurrentTasksPerWorker, initializer, initArgs, finalizer, finalizerArgs };
}

/** Reports a finalizer that failed or overran, in the pool's process: the pool itself carries on. */
function warnFinalizer(message: string): void {
  process.emitWarning(message, { code: 'ERR_WEFT_FINALIZER' });
}

/** What went wrong with a worker that never started, in one line. */
function startFailureOf(slot: Slot, info: WorkerExit): string {
  if (slot.startFailure) return slot.startFailure.message;
  const error = info.error instanceof Error ? `: ${info.error.message}` : '';
  return `${info.signal ? `the worker was killed by ${info.signal}` : `the worker exited with code ${info.code}`} before it started${error}`;
}
