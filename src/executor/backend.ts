import type { Reviver } from '../shared/tag.js';
import type { EncodedThrow } from '../worker/error-codec.js';
import type { PullMessage, SeenMessage, WorkerInit } from '../worker/protocol.js';
import type { Transferable } from './types.js';

/** How a worker ended: exit code (or signal, for processes) and the error that killed it, if any. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: unknown;
  /** The worker ran out of the memory its limits allow. */
  outOfMemory?: boolean;
}

/** What a running worker tells its pool. */
export interface WorkerEvents {
  /** A result batch (flat `[id, status, value, micros, …]`). */
  results(batch: unknown[]): void;
  /** The worker is gone, for whatever reason; called exactly once. */
  exit(info: WorkerExit): void;
  /** The worker answered `finalize()`: its finalizer is done (`error`: what it threw, when it failed). */
  finalized?(error: EncodedThrow | undefined): void;
}

/** One running worker, as the scheduler sees it: whatever it is (thread, process, the loop itself). */
export interface WorkerHandle {
  /** Sends a task batch; throws synchronously when an argument cannot be cloned. */
  send(batch: unknown[], transfer?: readonly Transferable[]): void;
  /** Asks the worker to abort task `id`'s signal (and to stop it, when it streams). */
  cancel(id: number): void;
  /** Sends a stream's credit or a progress answer (see `PullMessage`, `SeenMessage`): only tasks that stream or report progress cause these. */
  control(message: PullMessage | SeenMessage): void;
  /** Lets the process exit while this worker idles (or not). */
  ref(): void;
  unref(): void;
  /** Stops the worker now; `exit` follows. */
  terminate(): void;
  /** Asks the worker to run the pool's finalizer once its tasks are done; `finalized` follows (the worker keeps running until stopped). */
  finalize(): void;
}

/**
 * A way of running tasks: thread, process, inline. The scheduler in `Pool` never asks which
 * one it has (tinypool's idea); a backend only starts workers that speak the protocol.
 */
export interface Backend {
  /** Short name for messages and stats: 'thread', 'process', 'inline'. */
  readonly kind: string;
  /**
   * The worker sees this process's memory (threads, inline): the pool then cancels a task that
   * has not begun through the shared `cancels` ring, exactly; otherwise by message.
   */
  readonly sharesMemory: boolean;
  spawn(init: WorkerInit, events: WorkerEvents): WorkerHandle;
  /**
   * Loads the reviver for results that arrive as tagged copies (a shared primitive, a Queue):
   * absent when results are passed by reference, as inline.
   */
  loadReviver?(): Promise<Reviver>;
}
