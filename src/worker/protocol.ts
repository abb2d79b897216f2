/**
 * The wire between a pool and its workers: every message, its encoding and its decoding, in
 * this one file. Every backend speaks it (a worker thread's port, a child's IPC channel, the
 * inline backend's microtasks).
 *
 * Data flow of one `pool.run('fib', 30)`:
 *
 *   caller ── Pool.#accept ──> TaskQueue ── Pool.#drain picks a worker ──> encodeTasks():
 *     [id, mode, name, args,  id, mode, name, args, …]          one message, many tasks
 *   ──> WorkerRuntime (inside the worker) reads each task with taskArgs(), counts it in
 *     `started`, calls the export, and collects [id, status, value, micros, …]
 *   ──> one result message per burst ──> Pool.#onResults: STATUS_OK resolves the task's
 *     promise (reviving a tagged shared primitive first); any other status becomes an error
 *     through resultError().
 *
 * A worker's first message is an empty result batch: "my module is loaded (or failed to load)".
 * The parent may also send a control object `{ cancel: id }`, which aborts that task's signal
 * (and stops it when it streams), or has the worker skip it when it has not begun.
 *
 * Streams and progress ride the same result batches as records that do not settle: a
 * streaming task (FLAG_STREAM) sends `[id, STATUS_YIELD, [values…], 0]` as it goes and settles
 * last; a task someone listens to (FLAG_PROGRESS) sends `[id, STATUS_PROGRESS, value, 0]`. The
 * parent answers with `{ pull: id, taken }` (credit: the stream's back-pressure) and
 * `{ seen: id }` (the progress record was handled: send the next, coalesced one). A thread, sharing memory with its pool,
 * learns of such cancels through the `cancels` ring instead, exactly (see CANCEL_SLOTS).
 * Retiring a worker gracefully, the pool sends `{ finalize: true }`: once its tasks are done the
 * worker runs the pool's finalizer and answers `{ finalized: true, error? }`; then it is stopped
 * (see {@link FinalizeMessage}). That answer is the one message from a worker that is neither a
 * result batch nor a {@link FinalMessage}.
 *
 * Processes only: shared memory does not cross a process (`started` and `cancels` are the
 * child's own), so a child appends its started-task count to every result batch (see {@link appendStarted}), and a child dying through JavaScript
 * sends a {@link FinalMessage} first. Flat arrays keep structured cloning cheap when thousands of
 * tiny tasks are in flight.
 */
import { DataCloneError } from '../errors.js';
import { decodeThrow, type EncodedThrow } from './error-codec.js';

/** Call the export with `args` spread. */
export const MODE_CALL = 0;
/** `args` is a chunk of map items: call the export once per item, reply with the array of results. */
export const MODE_CHUNK = 1;
/** Added to a mode: the task gets an AbortSignal (see `weft/worker`) and can be cancelled. */
export const FLAG_SIGNAL = 2;
/** Added to a call: the args slot holds the single argument itself, not a one-element array (cheaper to clone). */
export const FLAG_ONE_ARG = 4;
/** Added to a chunk: each item is an argument tuple, spread into the call (`starmap`). */
export const FLAG_SPREAD = 8;
/** Added to a call: someone listens to its `progress()` (see {@link STATUS_PROGRESS}); without it, `progress()` costs nothing. */
export const FLAG_PROGRESS = 16;
/** Added to a call: stream the values of the iterator it returns (see {@link STATUS_YIELD}); the window rides above {@link WINDOW_SHIFT}. */
export const FLAG_STREAM = 32;
/** A stream's window (the most values its worker may run ahead of the caller) is `mode >>> WINDOW_SHIFT`. */
export const WINDOW_SHIFT = 8;
/** The largest window a stream's mode can carry. */
export const MAX_WINDOW = 2 ** 23 - 1;

/** The task returned a value. */
export const STATUS_OK = 0;
/** The task threw: value is an `EncodedThrow`. */
export const STATUS_ERROR = 1;
/** A map chunk failed part-way: value is `[resultsBeforeTheFailure, EncodedThrow]`. */
export const STATUS_CHUNK_ERROR = 2;
/** The result could not be cloned back: value is the clone error's message. */
export const STATUS_CLONE_ERROR = 3;
/** The task was cancelled before it began, and never ran (value: undefined). */
export const STATUS_SKIPPED = 4;
/**
 * Not a settlement: values a streaming task yielded, in order (value: an array of them). The
 * task goes on; its settlement (`STATUS_OK` with the iterator's return value, or an error)
 * comes last, after every value it yielded.
 */
export const STATUS_YIELD = 5;
/** Not a settlement: the latest value the running task passed to `progress()`; the task goes on. */
export const STATUS_PROGRESS = 6;
/** Added to a status: the task returned a promise, so its worker overlapped it with others (the pool learns which tasks await). */
export const STATUS_ASYNC = 8;
/** The status without {@link STATUS_ASYNC}. */
export const STATUS_MASK = 7;

/** Number of array slots per task in a batch, and per result. */
export const TASK_STRIDE = 4;
export const RESULT_STRIDE = 4;

/**
 * Slots of a worker's `cancels` ring (more than the tasks a pool ever sends ahead to one
 * worker). To cancel its n-th task before it begins, the pool writes n at `n % CANCEL_SLOTS`;
 * the worker, having counted the task as started, claims that mark (n → -n) and skips it.
 */
export const CANCEL_SLOTS = 1024;

/** Map chunks at least this long made only of numbers travel as a moved Float64Array, both ways. */
export const PACK_MIN = 64;

/** Environment-data key under which a worker thread finds its {@link WorkerInit}. */
export const INIT_KEY = 'weft:init';

/** What every worker is started with. */
export interface WorkerInit {
  /** file: URL of the task module. */
  readonly module: string;
  /** Export run once before any task, with `initArgs`. */
  readonly initializer?: string;
  readonly initArgs?: readonly unknown[];
  /** Export run once when the pool retires the worker gracefully, after its last task, with `finalizerArgs`. */
  readonly finalizer?: string;
  readonly finalizerArgs?: readonly unknown[];
  /** Tasks that may run at once inside the worker (async tasks overlap up to this). */
  readonly concurrency: number;
  /** Int32Array[1] over this buffer counts tasks started: after a crash the pool knows which never began. */
  readonly started: SharedArrayBuffer;
  /** Int32Array[CANCEL_SLOTS]: tasks cancelled before they began (see {@link CANCEL_SLOTS}). */
  readonly cancels: SharedArrayBuffer;
  /** file: URL of tsx's ESM API, when the worker must load TypeScript. */
  readonly tsx?: string;
}

/** Parent → worker control message: abort task `cancel`'s signal, or skip it if it has not begun (processes). */
export interface CancelMessage {
  readonly cancel: number;
}

/**
 * Parent → worker control message for a stream: its caller has taken `taken` values in all
 * (sent each time it has taken a quarter window more), so the worker may run up to its window
 * ahead of that. A `CancelMessage` for a running stream stops its iterator (its `finally` runs).
 */
export interface PullMessage {
  readonly pull: number;
  readonly taken: number;
}

/**
 * Parent → worker control message: the caller has handled task `seen`'s last progress record.
 * A worker keeps at most one progress record per task in flight; what `progress()` reports
 * meanwhile is coalesced to its latest value, sent on this answer (or just before the result).
 */
export interface SeenMessage {
  readonly seen: number;
}

/**
 * Parent → worker control message: the pool retires this worker gracefully. Once its running
 * tasks are done, the worker runs the finalizer (if it has one and started well) and answers
 * with a {@link FinalizedMessage}; the pool then stops it as it stops any worker.
 */
export interface FinalizeMessage {
  readonly finalize: true;
}

/** Worker → parent: the finalizer is done; `error` is what it threw (or why it could not run), if it failed. */
export interface FinalizedMessage {
  readonly finalized: true;
  readonly error?: EncodedThrow;
}

/** Child → parent, just before a child dies through JavaScript: how many tasks it had started, and why it dies. */
export interface FinalMessage {
  readonly final: number;
  readonly error?: EncodedThrow;
}

/** One task as the parent sends it. */
export interface WireTask {
  readonly id: number;
  readonly mode: number;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly transfer?: readonly unknown[] | undefined;
}

/**
 * Parent side: flattens tasks into one batch of `TASK_STRIDE` slots each, plus what they
 * transfer. The batch is built packed (never `new Array(n)`, which is holey): V8 clones a holey
 * array as a sparse one, property by property, several times slower.
 */
export function encodeTasks<T>(tasks: readonly WireTask[]): { batch: unknown[]; transfer: T[] | undefined } {
  const batch: unknown[] = [];
  let transfer: T[] | undefined;
  for (const t of tasks) {
    const one = t.args.length === 1 && (t.mode & MODE_CHUNK) === 0;
    batch.push(t.id, one ? t.mode | FLAG_ONE_ARG : t.mode, t.name, one ? t.args[0] : t.args);
    if (t.transfer) (transfer ??= []).push(...(t.transfer as T[]));
  }
  return { batch, transfer };
}

/** Worker side: the argument list of the task at slot `i` of a batch. */
export function taskArgs(batch: readonly unknown[], i: number): unknown[] {
  return (batch[i + 1] as number) & FLAG_ONE_ARG ? [batch[i + 3]] : (batch[i + 3] as unknown[]);
}

/** True for a {@link CancelMessage}. */
export function isCancel(message: unknown): message is CancelMessage {
  return message !== null && typeof message === 'object' && 'cancel' in message;
}

/** True for a {@link PullMessage}. */
export function isPull(message: unknown): message is PullMessage {
  return message !== null && typeof message === 'object' && 'pull' in message;
}

/** True for a {@link SeenMessage}. */
export function isSeen(message: unknown): message is SeenMessage {
  return message !== null && typeof message === 'object' && 'seen' in message;
}

/** True for a {@link FinalizeMessage}. */
export function isFinalize(message: unknown): message is FinalizeMessage {
  return message !== null && typeof message === 'object' && 'finalize' in message;
}

/** True for a {@link FinalizedMessage}. */
export function isFinalized(message: unknown): message is FinalizedMessage {
  return message !== null && typeof message === 'object' && 'finalized' in message;
}

/** True for a {@link FinalMessage}. */
export function isFinal(message: unknown): message is FinalMessage {
  return message !== null && typeof message === 'object' && 'final' in message;
}

/** Child side: a result batch with the started-task count as one extra trailing slot (see {@link takeStarted}). */
export function appendStarted(batch: unknown[], started: number): unknown[] {
  batch.push(started);
  return batch;
}

/** Parent side: removes and returns the started-task count a child appended to a result batch. */
export function takeStarted(batch: unknown[]): number {
  return batch.pop() as number;
}

/**
 * A map chunk that failed at item `done.length`: `done` holds the results before it. In the
 * worker, `error` is what the task threw; on the caller's side, the rebuilt Error.
 */
export class ChunkError {
  constructor(
    readonly done: unknown[],
    readonly error: unknown,
  ) {}
}

/** Parent side: what a result of any status but `STATUS_OK` stands for (a rebuilt error, or a failed chunk). */
export function resultError(status: number, value: unknown, task: string): Error | ChunkError {
  status &= STATUS_MASK;
  if (status === STATUS_ERROR) return decodeThrow(value as EncodedThrow, task);
  if (status === STATUS_CHUNK_ERROR) {
    const [done, encoded] = value as [unknown[], EncodedThrow];
    return new ChunkError(done, decodeThrow(encoded, task));
  }
  return new DataCloneError(
    `the result of task '${task}' cannot be cloned back to the caller (${String(value)}); return plain data instead of functions, symbols or class instances with methods`,
  );
}
