/**
 * `RedisWorker`: takes tasks from a BullMQ queue and runs them in a local weft pool (a
 * `ThreadPool` by default, so CPU-heavy tasks never starve BullMQ's lock renewal on this
 * thread), then pushes each result to the list of the producer that asked for it (a stream's
 * values and a task's progress go the same way, before the end: `relay.ts`, `progress.ts`).
 * Only the functions the worker's own task module exports run; no code travels through Redis.
 */
import { performance } from 'node:perf_hooks';
import { Worker, type Job } from 'bullmq';
import { AsyncPool } from '../backends/inline.js';
import { ProcessPool } from '../backends/process.js';
import { ThreadPool } from '../backends/thread.js';
import { TaskAbortedError, TaskTimeoutError, WorkerExitedError } from '../executor/errors.js';
import { terminateAfter } from '../executor/close.js';
import { checkTimeout, type CallHooks } from '../executor/options.js';
import type { MapHooks } from '../executor/map.js';
import type { Pool } from '../executor/pool.js';
import type { ModuleLocation } from '../executor/types.js';
import { encodeThrow } from '../worker/error-codec.js';
import { ThrownValueError, UnknownTaskError } from '../worker/errors.js';
import { FLAG_SPREAD, MODE_CHUNK } from '../worker/protocol.js';
import { Recent } from './recent.js';
import { closeLink, describeConnection, openLink, whenReady, type Link } from './connection.js';
import { resolveRedisWorkerOptions, type RedisWorkerOptions, type ResolvedRedisWorkerOptions } from './options.js';
import { ProgressRelay } from './progress.js';
import { StreamRelay } from './relay.js';
import { ResultWriter } from './writer.js';
import {
  Keys, RESULT_ABORTED, RESULT_CHUNK_ERROR, RESULT_ERROR, RESULT_OK, RESULT_PROGRESS, RESULT_STARTED, RESULT_TIMEOUT, RESULT_YIELD,
  decodeArgs, encodeResult, encodeUpdate, type JobData, type ResultRecord,
} from './wire.js';

/** Milliseconds BullMQ gets to finish closing once every task here has delivered its result. */
const BULL_CLOSE_MS = 3000;

/** A task name no module exports: running it proves the module loads. */
const PROBE = '\u0000weft-probe';

/** A task running here, with what aborts it (and, for a stream, what its caller's credit and stop do). */
interface Running {
  abort(): void;
  pull?(taken: number): void;
  stop?(): void;
}

/**
 * A worker of a `RedisPool`'s queue, from code (`weft worker` is the same from the shell).
 * `ready` resolves once it takes tasks (it rejects when Redis is unreachable or the task module
 * does not load); `close()` stops taking tasks, lets the running ones finish, and closes
 * everything it opened.
 *
 * @example
 * const worker = new RedisWorker(new URL('./tasks.js', import.meta.url), { connection: 'redis://127.0.0.1:6379', queue: 'jobs' });
 * await worker.ready;
 * process.once('SIGTERM', () => void worker.close());
 */
export class RedisWorker {
  /** Resolves once the worker takes tasks. */
  readonly ready: Promise<void>;
  readonly #opts: ResolvedRedisWorkerOptions;
  readonly #module: ModuleLocation;
  readonly #keys: Keys;
  readonly #where: string;
  readonly #link: Link;
  readonly #listener: Link;
  readonly #writer: ResultWriter;
  /** The ids of jobs whose producers asked to abort them: a job that arrives after its cancel never runs. */
  readonly #cancelled = new Recent();
  /** The ids of streams whose callers stopped them before they began here: they end at once, unrun. */
  readonly #stops = new Recent();
  readonly #running = new Map<string, Running>();
  readonly #processing = new Set<Promise<void>>();
  #local: Pool | undefined;
  #bull: Worker | undefined;
  #closing: Promise<void> | undefined;

  constructor(module: ModuleLocation, options: RedisWorkerOptions) {
    this.#opts = resolveRedisWorkerOptions(options);
    this.#module = module;
    this.#keys = new Keys(this.#opts.prefix, this.#opts.queue);
    this.#where = describeConnection(this.#opts.connection);
    this.#link = openLink(this.#opts.connection, 'weft-worker');
    this.#listener = openLink(this.#opts.connection, 'weft-worker-cancels');
    this.#writer = new ResultWriter(this.#link.redis, this.#keys);
    this.ready = this.#start();
    this.ready.catch(() => {});
  }

  /** Tasks this worker takes at once. */
  get concurrency(): number {
    return this.#bull?.concurrency ?? 0;
  }

  /** A one-line description: queue, Redis, model, sizes. */
  describe(): string {
    const o = this.#opts;
    return `queue '${o.queue}' on ${this.#where}, model ${o.model}, local pool of ${this.#local?.size ?? o.size ?? '?'}, concurrency ${this.concurrency}`;
  }

  async #start(): Promise<void> {
    const o = this.#opts;
    try {
      await whenReady(this.#link, o.connectTimeout, this.#where);
      this.#local = this.#makeLocal();
      await this.#probe(this.#local);
      await whenReady(this.#listener, o.connectTimeout, this.#where);
      await this.#listener.redis.subscribe(this.#keys.cancels, this.#keys.control);
      this.#listener.redis.on('message', (channel: string, message: string) => (channel === this.#keys.cancels ? this.#onCancel(message) : this.#onControl(message)));
      const size = o.size ?? this.#local.size;
      this.#bull = new Worker(o.queue, (job) => this.#track(this.#process(job)), {
        connection: this.#link.redis, prefix: o.prefix, concurrency: o.concurrency ?? (o.model === 'async' ? size : 2 * size),
        lockDuration: o.lockDuration, stalledInterval: Math.max(500, Math.floor(o.lockDuration / 2)), maxStalledCount: 1, autorun: false,
      });
      this.#bull.on('error', () => {}); // connection errors: BullMQ reconnects; the link keeps the last one
      void this.#bull.run().catch(() => {});
      await this.#bull.waitUntilReady();
    } catch (error) {
      await this.#stop();
      throw error;
    }
  }

  #makeLocal(): Pool {
    const o = this.#opts;
    const options = { ...o.pool, ...(o.size === undefined ? {} : { size: o.size }) };
    if (o.model === 'process') return new ProcessPool(this.#module, options);
    if (o.model === 'async') return new AsyncPool(this.#module, { size: o.concurrency ?? 50, ...options });
    return new ThreadPool(this.#module, options);
  }

  /** Fails with the module's load error (or its initializer's), so a broken module stops the worker at start. */
  async #probe(pool: Pool): Promise<void> {
    try {
      await pool.run(PROBE as never);
    } catch (error) {
      if (error instanceof UnknownTaskError) return;
      throw error;
    }
  }

  /** Keeps a processor run in view, so `close()` knows when every taken task has delivered its result. */
  #track(run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => this.#processing.delete(tracked));
    this.#processing.add(tracked);
    return tracked;
  }

  async #process(job: Job): Promise<void> {
    const id = job.id!;
    if (this.#cancelled.has(id)) return; // aborted before it reached us
    const data = job.data as JobData;
    const local = this.#local!;
    if (data.c) return this.#pack(local, job.name, data);
    const started = performance.now();
    if (data.b) this.#push([data.r], encodeResult([id, RESULT_STARTED, undefined, 0])).catch(() => {});
    // Progress goes to the producer that added the job (not to others sharing its caller-chosen id).
    const progress = data.p ? new ProgressRelay(job, (value) => this.#push([data.r], encodeUpdate(id, RESULT_PROGRESS, value))) : undefined;
    let record: ResultRecord;
    /** The time the local pool ran the call or map chunk (µs): what the producer sizes packs and chunks by. */
    let ran: number | undefined;
    const hear = (micros: number): void => void (ran = (ran ?? 0) + micros);
    try {
      const args = decodeArgs(data.a);
      const value =
        data.w !== undefined ? await this.#stream(local, job, args, data, progress?.report)
        : data.m & MODE_CHUNK ? await this.#chunk(local, job.name, args, data.m, id, hear)
        : await this.#call(local, job.name, args, data, id, { onProgress: progress?.report, onMicros: hear });
      progress?.finish();
      if (progress?.failure) throw progress.failure;
      record = [id, RESULT_OK, value, 0];
    } catch (error) {
      progress?.finish(); // the last progress goes before the result
      record = [id, ...failure(error, data), 0];
    } finally {
      this.#running.delete(id);
    }
    record[3] = ran ?? Math.round((performance.now() - started) * 1000);
    if (this.#cancelled.has(id)) return; // its producer no longer waits
    await this.#deliver(data, id, encodeResult(record));
  }

  #call(local: Pool, name: string, args: unknown[], data: JobData, id: string, hooks: CallHooks): Promise<unknown> {
    const controller = data.s ? new AbortController() : undefined;
    const future = local.submit(name as never, args as never, { ...hooks, signal: controller?.signal, timeout: data.t } as CallHooks);
    this.#running.set(id, { abort: () => (controller ? controller.abort(new TaskAbortedError(name, 'cancelled by its caller')) : future.cancel()) });
    return future.promise;
  }

  /**
   * A pack (`pack.ts`): each call it carries runs as its own local call, and its result goes to
   * the producer as it comes (batched per turn by the writer); the job completes once the last
   * is written. A call cancelled before it begins here never runs.
   */
  async #pack(local: Pool, name: string, data: JobData): Promise<void> {
    await Promise.all(
      data.c!.map(async ([id, a]) => {
        if (this.#cancelled.has(id)) return;
        let ran = 0;
        let record: ResultRecord;
        try {
          record = [id, RESULT_OK, await this.#call(local, name, decodeArgs(a), data, id, { onMicros: (micros) => (ran = micros) }), 0];
        } catch (error) {
          record = [id, ...failure(error, data), 0];
        } finally {
          this.#running.delete(id);
        }
        record[3] = ran;
        if (!this.#cancelled.has(id)) this.#push([data.r], encodeResult(record)).catch(() => {}); // a lost push leaves the job active: it is re-run
      }),
    );
    await this.#writer.written();
  }

  /**
   * A stream job: relayed from the local pool's stream (`relay.ts`). One its caller stopped
   * before it began ends at once, unrun; one that began on a worker since lost is not run
   * again (its caller saw values): it fails with `WorkerExitedError`.
   */
  #stream(local: Pool, job: Job, args: unknown[], data: JobData, onProgress: ((value: unknown) => void) | undefined): Promise<unknown> {
    const id = job.id!;
    if (this.#stops.has(id)) return Promise.reject(new TaskAbortedError(job.name, 'stopped by its caller before it began'));
    if (job.attemptsStarted > 1) {
      const lost = new WorkerExitedError(job.name, null);
      lost.message = `the Redis worker running stream '${job.name}' (job ${id}) was lost; a stream is never run twice, as its caller saw its values: stream it again if that is safe`;
      return Promise.reject(lost);
    }
    const send = (values: unknown[]): void => void this.#push([data.r], encodeUpdate(id, RESULT_YIELD, values)).catch(() => {});
    const alive = (): Promise<boolean> => this.#link.redis.exists(this.#keys.alive(data.r)).then((n) => n === 1, () => true); // Redis away: not proof the caller is
    const relay = new StreamRelay(local, job.name, args, data, onProgress, send, alive);
    this.#running.set(id, relay);
    return relay.run();
  }

  /**
   * A map chunk: one local task for the whole chunk (the producer already sized it to its cost).
   * `onMicros` hears the time it ran, without the time it waited for a local worker: sizing
   * chunks by that wait would shrink them while the wait grows.
   */
  async #chunk(local: Pool, name: string, items: unknown[], mode: number, id: string, onMicros: (micros: number) => void): Promise<unknown[]> {
    const options: MapHooks = { chunkSize: Math.max(1, items.length), onMicros };
    const results = (mode & FLAG_SPREAD ? local.starmap(name as never, items as never, options) : local.map(name as never, items as never, options)).chunks();
    const done: unknown[] = [];
    const collect = (async () => {
      for await (const chunk of results) for (let i = 0; i < chunk.length; i++) done.push(chunk[i]);
    })();
    // A cancelled chunk ends this job at once: an iterator's pending next() may never settle once it is returned.
    let stop!: (reason: unknown) => void;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    this.#running.set(id, {
      abort: () => {
        stop(new TaskAbortedError(name, 'cancelled by its caller'));
        void results.return?.();
      },
    });
    collect.catch(() => {});
    try {
      await Promise.race([collect, stopped]);
    } catch (error) {
      if (error instanceof TaskAbortedError) throw error;
      throw new ChunkFailure(done, error);
    }
    return done;
  }

  /**
   * Pushes a result to its producer's list (to every waiting producer, for a caller-chosen id).
   * For a plain job, resolves once the push is written to the connection BullMQ then completes
   * the job on, so it reaches Redis first (if the worker dies between, the job is re-run).
   */
  #deliver(data: JobData, id: string, record: Buffer): Promise<unknown> {
    if (data.k) {
      const waiting = this.#keys.waiting(id);
      return this.#link.redis.smembers(waiting).then((producers) => Promise.all([this.#push(producers, record), this.#link.redis.del(waiting)]));
    }
    this.#push([data.r], record).catch(() => {}); // a lost push leaves the job active: it is re-run
    return this.#writer.written();
  }

  /** Appends a record to producers' result lists (batched per turn: `writer.ts`); resolves once Redis has it. */
  #push(producers: string[], record: Buffer): Promise<unknown> {
    return this.#writer.push(producers, record);
  }

  #onCancel(id: string): void {
    this.#cancelled.add(id);
    this.#running.get(id)?.abort();
  }

  /** A stream's caller speaks (see `Keys.control`): `p <taken> <jobId>`, `s <jobId>`. */
  #onControl(message: string): void {
    const [verb, a, b] = message.split(' ');
    if (verb === 'p') this.#running.get(b!)?.pull?.(Number(a));
    else if (verb === 's') {
      const running = this.#running.get(a!);
      if (running?.stop) running.stop();
      else this.#stops.add(a!);
    }
  }

  /**
   * Stops taking tasks, waits for the running ones (their results are delivered), stops the
   * local pool and closes the connections. With `timeout` (ms), tasks still running by then are
   * stopped as by `terminate()`. Idempotent. One known limit: after Redis was restarted under a
   * running task, BullMQ's own close does not finish; this close still resolves (BullMQ gets a
   * few seconds), but a BullMQ timer may keep the process alive, so a program that wants to
   * end then exits explicitly (`weft worker` does).
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    const timeout = checkTimeout(options.timeout, 'timeout');
    this.#closing ??= this.ready.then(
      () => this.#stop(),
      () => undefined,
    );
    terminateAfter(this.#closing, timeout, () => this.terminate());
    return this.#closing;
  }

  /**
   * Stops now: takes no more tasks, stops the running ones (each fails with
   * `PoolTerminatedError`, delivered to its caller if it still waits), and closes everything.
   */
  terminate(): Promise<void> {
    void this.#local?.terminate();
    return this.close();
  }

  async #stop(): Promise<void> {
    const bull = this.#bull;
    if (bull) {
      // BullMQ's close waits for its own bookkeeping, which can hang after Redis was restarted under it;
      // the results are weft's to deliver, so wait for those, then give BullMQ a bounded while.
      const closing = bull.close().catch(() => {});
      await Promise.allSettled(this.#processing);
      const closed = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => setTimeout(r, BULL_CLOSE_MS, false).unref())]);
      if (!closed) await closeLink(this.#link); // cuts BullMQ's connections, which it would otherwise keep retrying
    }
    await this.#local?.close().catch(() => {});
    await closeLink(this.#listener);
    await closeLink(this.#link);
  }
}

/** A map chunk that failed at item `done.length`. */
class ChunkFailure {
  constructor(
    readonly done: unknown[],
    readonly error: unknown,
  ) {}
}

/** The status and value of a result record for a failed call. */
function failure(error: unknown, data: JobData): [number, unknown] {
  if (error instanceof ChunkFailure) return [RESULT_CHUNK_ERROR, [error.done, encodeThrow(error.error)]];
  if (error instanceof TaskTimeoutError) return [RESULT_TIMEOUT, data.t ?? error.timeout];
  if (error instanceof TaskAbortedError) return [RESULT_ABORTED, undefined];
  if (error instanceof ThrownValueError) return [RESULT_ERROR, { kind: 'value', value: error.value }]; // the caller rebuilds it around the same value
  return [RESULT_ERROR, encodeThrow(error)];
}
