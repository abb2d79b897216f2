/**
 * The wire protocol between a pool and its workers, shared by every backend.
 *
 * Parent → worker: a task batch is a flat array `[id, mode, name, args, id, mode, name, args, …]`
 * (one message for many tasks), or a control object `{ cancel: id }`.
 * Worker → parent: a result batch is a flat array `[id, status, value, micros, …]`.
 * Flat arrays keep structured cloning cheap when thousands of tiny tasks are in flight.
 */

/** Call the export with `args` spread. */
export const MODE_CALL = 0;
/** `args` is a chunk of map items: call the export once per item, reply with the array of results. */
export const MODE_CHUNK = 1;
/** Added to a mode: the task gets an AbortSignal (see `weft/worker`) and can be cancelled. */
export const FLAG_SIGNAL = 2;
/** Added to a call: the args slot holds the single argument itself, not a one-element array (cheaper to clone). */
export const FLAG_ONE_ARG = 4;

/** The task returned a value. */
export const STATUS_OK = 0;
/** The task threw: value is an `EncodedThrow`. */
export const STATUS_ERROR = 1;
/** A map chunk failed part-way: value is `[resultsBeforeTheFailure, EncodedThrow]`. */
export const STATUS_CHUNK_ERROR = 2;
/** The result could not be cloned back: value is the clone error's message. */
export const STATUS_CLONE_ERROR = 3;

/** Number of array slots per task in a batch, and per result. */
export const TASK_STRIDE = 4;
export const RESULT_STRIDE = 4;

/** Environment-data key under which a worker thread finds its {@link WorkerInit}. */
export const INIT_KEY = 'weft:init';

/** What every worker is started with. */
export interface WorkerInit {
  /** file: URL of the task module. */
  readonly module: string;
  /** Export run once before any task, with `initArgs`. */
  readonly initializer?: string;
  readonly initArgs?: readonly unknown[];
  /** Tasks that may run at once inside the worker (async tasks overlap up to this). */
  readonly concurrency: number;
  /** Int32Array[1] over this buffer counts tasks started: after a crash the pool knows which never began. */
  readonly started: SharedArrayBuffer;
  /** file: URL of tsx's ESM API, when the worker must load TypeScript. */
  readonly tsx?: string;
}

/** Parent → worker control message. */
export interface CancelMessage {
  readonly cancel: number;
}
