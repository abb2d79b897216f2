/**
 * `RedisPool`: the executor contract (run, submit, map, starmap, stream, stats, close, terminate)
 * over BullMQ on Redis, so tasks run on `weft worker`s on other machines. One job per call (one
 * per chunk for `map`, one per stream; tiny `run()` calls share jobs: `pack.ts`), added in bulk;
 * each result (and a stream's values, a task's progress: `stream.ts`) is pushed by the worker
 * onto this producer's own list and read back with a blocking pop, and a sweep of the jobs'
 * states catches the results that will never come (a job BullMQ failed, a job lost with its Redis).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { InvalidOptionError, QueueFullError } from '../errors.js';
import { PoolClosedError, PoolTerminatedError, TaskAbortedError } from '../executor/errors.js';
import { Future } from '../executor/future.js';
import { mapTasks, type MapOptions, type MapResults, type SubmitChunk } from '../executor/map.js';
import { terminateAfter } from '../executor/close.js';
import { checkCallOptions, checkTimeout, type CloseOptions } from '../executor/options.js';
import { StatsRecorder } from '../executor/stats.js';
import type { TaskStream } from '../executor/stream.js';
import type { MapItem, MapTaskName, ModuleLocation, StreamItem, StreamTaskName, TaskArgs, TaskName, TaskResult, UntypedModule } from '../executor/types.js';
import { UnknownTaskError } from '../worker/errors.js';
import { FLAG_SPREAD, MODE_CALL, MODE_CHUNK } from '../worker/protocol.js';
import { bounded } from './bounded.js';
import { Call, addJobs, byJob, jobData } from './call.js';
import { closeLink, describeConnection, openLink, whenReady, type Link } from './connection.js';
import { QueueFigures, type JobCounts, type RedisPoolStats } from './counts.js';
import { RedisUnavailableError } from './errors.js';
import { checkJobId, resolveRedisPoolOptions, type RedisCallOptions, type RedisPoolOptions, type RedisStreamOptions, type ResolvedRedisPoolOptions } from './options.js';
import { Packer } from './pack.js';
import { remoteError } from './remote-error.js';
import { ResultReader } from './results.js';
import { Heartbeat, deliverUpdate, openRedisStream } from './stream.js';
import { Sweep } from './sweep.js';
import { Keys, RESULT_OK, RESULT_STARTED, RESULT_YIELD, decodeResult, type JobData } from './wire.js';

/** Chunks a map keeps in flight by default: 4 per assumed worker, as the local pools do. */
const MAP_WORKERS = 4;

/**
 * Runs tasks on `weft worker`s anywhere, through BullMQ on Redis: the same executor API as
 * `ThreadPool` and `ProcessPool`. Arguments and results travel with v8 serialization, and a
 * task's error arrives with its name, message, remote stack, `code` and `cause`.
 *
 * Delivery is at least once: a worker that dies mid-task has it re-run by another after its
 * lock expires, and every call here still settles exactly once. A `submit()` future turns
 * 'running' once its worker says it began; `cancel()` removes a queued job (it never runs),
 * aborts a running call submitted with a signal or timeout on its worker, and returns false for
 * one known to run without (as in Python). The begin notice travels like a result, so a cancel
 * can overtake it: such a call runs to its end and its result is dropped.
 *
 * An open pool keeps its Redis connections, and so the process, alive: `close()` it.
 *
 * @example
 * const pool = new RedisPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), { connection: 'redis://127.0.0.1:6379', queue: 'jobs' });
 * console.log(await pool.run('fib', 30));
 * await pool.close();
 */
export class RedisPool<M = UntypedModule> implements AsyncDisposable {
  readonly #opts: ResolvedRedisPoolOptions;
  readonly #keys: Keys;
  readonly #where: string;
  readonly #producer = randomBytes(8).toString('hex');
  readonly #main: Link;
  #heartbeat: Heartbeat | undefined;
  readonly #reader: Link;
  readonly #queue: Queue;
  readonly #calls = new Map<string, Call>();
  /** Calls of `#calls` known to have begun (counted as they begin and settle, for `stats()`). */
  #begun = 0;
  readonly #stats = new StatsRecorder();
  readonly #sweep: Sweep;
  #outbox: Call[] = [];
  /** Cancels on their way to Redis. */
  readonly #revoking = new Set<Promise<void>>();
  #adding = 0;
  #seq = 0;
  #state: 'open' | 'closing' | 'terminated' = 'open';
  #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #terminating: Promise<void> | undefined;
  readonly #figures: QueueFigures;
  readonly #results: ResultReader;
  readonly #packer: Packer;

  /** `module` names the task module the workers run (for its types; it is not loaded here). */
  constructor(module: ModuleLocation, options: RedisPoolOptions) {
    if (!(module instanceof URL) && (typeof module !== 'string' || module.length === 0)) {
      throw new InvalidOptionError(`the task module must be a file URL or a path (the one the workers run), got ${String(module)}`);
    }
    const opts = (this.#opts = resolveRedisPoolOptions(options));
    this.#keys = new Keys(opts.prefix, opts.queue);
    this.#where = describeConnection(opts.connection);
    this.#main = openLink(opts.connection, `weft-pool-${this.#producer}`);
    this.#reader = openLink(opts.connection, `weft-pool-${this.#producer}-results`);
    this.#queue = new Queue(opts.queue, { connection: this.#main.redis, prefix: opts.prefix });
    this.#queue.on('error', () => {}); // connection errors are the link's to report
    this.#figures = new QueueFigures(this.#queue, this.#main);
    this.#packer = new Packer(opts.maxCallsPerJob);
    this.#results = new ResultReader(this.#reader, this.#keys.results(this.#producer), () => this.#calls.size > 0 && this.#state !== 'terminated', (r) => this.#onResult(r));
    this.#sweep = new Sweep(this.#queue, this.#main, opts.connectTimeout, this.#where, {
      calls: () => this.#calls.values(),
      touch: (call) => {
        this.#calls.delete(call.id);
        this.#calls.set(call.id, call);
      },
      fail: (call, error) => this.#fail(call, error),
    });
  }

  /** Runs task `name` with `args` on a worker; resolves to its result. */
  run<K extends TaskName<M>>(name: K, ...args: TaskArgs<M, K>): Promise<TaskResult<M, K>> {
    return new Promise((resolve, reject) => {
      this.#accept(name, args, MODE_CALL, resolve as (v: unknown) => void, reject, undefined, true);
    });
  }

  /**
   * Submits a task with per-call options (signal, timeout, priority, jobId) and returns a
   * {@link Future}. `timeout` counts from the task's start on its worker.
   */
  submit<K extends TaskName<M>>(name: K, args: TaskArgs<M, K>, options: RedisCallOptions = {}): Future<TaskResult<M, K>> {
    let call: Call | undefined;
    const promise = new Promise<TaskResult<M, K>>((resolve, reject) => {
      call = this.#accept(name, args, MODE_CALL, resolve as (v: unknown) => void, reject, options, true);
    });
    if (call) call.data.b = 1; // a Future shows when its call begins
    return new Future(promise, (reason) => (call ? this.#cancel(call, reason) : false), () => call?.begun ?? false);
  }

  /**
   * Applies task `name` to every item of `input`, as `ThreadPool.map` does: lazily, under a
   * bounded window, in input order (or as finished with `ordered: false`); the items travel in
   * chunks, one job per chunk, added in bulk.
   */
  map<K extends MapTaskName<M>>(name: K, input: Iterable<MapItem<M, K>> | AsyncIterable<MapItem<M, K>>, options: MapOptions = {}): MapResults<TaskResult<M, K>> {
    const submit: SubmitChunk = (items, onDone) => this.#submitChunk(name, MODE_CHUNK, items, onDone);
    return mapTasks(submit, input, options, MAP_WORKERS) as MapResults<TaskResult<M, K>>;
  }

  /** `map` for tasks of several arguments: each item is an argument tuple (Python's `Pool.starmap`). */
  starmap<K extends TaskName<M>>(name: K, input: Iterable<TaskArgs<M, K>> | AsyncIterable<TaskArgs<M, K>>, options: MapOptions = {}): MapResults<TaskResult<M, K>> {
    const submit: SubmitChunk = (items, onDone) => this.#submitChunk(name, MODE_CHUNK | FLAG_SPREAD, items, onDone);
    return mapTasks(submit, input, options, MAP_WORKERS) as MapResults<TaskResult<M, K>>;
  }

  /** Runs generator task `name` with `args` on a worker, yielding its values as it makes them: see {@link TaskStream}, and {@link streamWith} for options. */
  stream<K extends StreamTaskName<M>>(name: K, ...args: TaskArgs<M, K>): TaskStream<StreamItem<M, K>> {
    return this.streamWith(name, args);
  }

  /**
   * `stream` with per-call options: those of `submit` but `jobId`, and `window`. The values
   * travel batched through this pool's result list, the caller's credit and an early `break`
   * through pub/sub; a stream is never re-run on another worker (its values were seen).
   */
  streamWith<K extends StreamTaskName<M>>(name: K, args: TaskArgs<M, K>, options: RedisStreamOptions = {}): TaskStream<StreamItem<M, K>> {
    return openRedisStream(options, {
      accept: (window, stream, ended) => this.#accept(name, args, MODE_CALL, (v) => (ended(), stream.resolve(v)), (e) => (ended(), stream.reject(e)), options, true, window),
      hold: () => (this.#heartbeat ??= new Heartbeat(this.#main.redis, this.#keys.alive(this.#producer))).hold(),
      cancel: (call) => this.#cancel(call, undefined),
      remove: (call) => bounded(this.#queue.remove(call.id), this.#opts.connectTimeout).then((n) => n === 1, () => false),
      control: (message) => void this.#main.redis.publish(this.#keys.control, message).catch(() => {}),
    });
  }

  /**
   * A snapshot: this pool's counters; its calls queued (not known to have begun) and running
   * (a `submit` whose worker said it began); run times as the workers report them, and wait
   * times (the rest of each call's time: queue and transport); the workers serving the queue and
   * the whole queue's job counts as last read from Redis (refreshed in the background as the
   * pool works and on each call; `jobCounts()` reads them now).
   */
  stats(): RedisPoolStats {
    this.#figures.refresh();
    const { jobs, workers } = this.#figures;
    const active = Math.min(workers, jobs.active);
    const begun = this.#begun;
    const base = {
      backend: 'redis', state: this.#state === 'open' ? ('open' as const) : this.#state, workers, activeWorkers: active, idleWorkers: workers - active,
      queued: this.#calls.size - begun, running: begun, startFailures: 0, brokenReason: undefined,
    };
    return { ...this.#stats.snapshot(base, Math.max(1, workers)), outstanding: this.#calls.size, jobs };
  }

  /** Reads the queue's job counts from Redis now. */
  async jobCounts(): Promise<JobCounts> {
    await whenReady(this.#main, this.#opts.connectTimeout, this.#where);
    return this.#figures.read();
  }

  /** Calls not yet settled. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * Stops accepting calls, waits for the accepted ones to settle, then closes every Redis
   * connection, so the process can exit by itself. `cancelPending: true` first removes the
   * jobs still waiting in Redis (their calls are cancelled); with `timeout` (ms), the pool is
   * terminated if calls remain by then. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#terminating) return this.#terminating;
    let timeout: number | undefined;
    try {
      timeout = checkTimeout(options.timeout, 'timeout');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#state === 'open') this.#state = 'closing';
    if (options.cancelPending) void this.#cancelWaiting();
    this.#closing ??= this.#whenIdle().then(() => this.#shutdown());
    terminateAfter(this.#closing, timeout, () => this.terminate());
    return this.#closing;
  }

  /**
   * Stops now: rejects every outstanding call with `PoolTerminatedError`, removes their jobs
   * still waiting in Redis and asks the workers to abort the running ones, then closes the
   * connections. Idempotent.
   */
  terminate(): Promise<void> {
    if (this.#terminating) return this.#terminating;
    this.#state = 'terminated';
    const calls = [...this.#calls.values(), ...this.#outbox.filter((c) => !c.settled)];
    for (const call of calls) this.#fail(call, new PoolTerminatedError());
    this.#outbox = [];
    const revoking = [...byJob(calls.filter((c) => c.added))].map(([job, same]) => this.#revoke(job, same));
    this.#terminating = Promise.allSettled(revoking).then(() => this.#shutdown());
    return this.#terminating;
  }

  /** `await using pool = new RedisPool(...)` closes the pool at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #accept(
    name: string, args: unknown[], mode: number, resolve: (value: unknown) => void, reject: (reason: unknown) => void,
    options: RedisCallOptions | undefined, bounded: boolean, window?: number,
  ): Call | undefined {
    let data: JobData;
    let jobId: string | undefined;
    try {
      jobId = this.#check(name, options, bounded);
      data = jobData(name, args, mode, this.#producer, this.#opts.maxPayloadBytes, options, jobId !== undefined, window);
    } catch (error) {
      reject(error);
      return undefined;
    }
    const id = jobId ?? `${this.#producer}.${++this.#seq}`;
    const call = new Call(id, name, data, options?.priority ?? 0, resolve, reject, options?.signal);
    call.onProgress = options?.onProgress;
    const first = this.#calls.get(id);
    if (first) {
      (first.followers ??= []).push(call); // the same caller-chosen id: one job, one result for both
      return call;
    }
    this.#calls.set(id, call);
    if (call.signal) {
      call.onAbort = () => this.#cancel(call, call.signal!.reason);
      call.signal.addEventListener('abort', call.onAbort, { once: true });
    }
    if (this.#outbox.push(call) === 1) queueMicrotask(() => void this.#flush());
    return call;
  }

  /** Throws why a call cannot be accepted now, if it cannot; returns its caller-chosen id. */
  #check(name: string, options: RedisCallOptions | undefined, bounded: boolean): string | undefined {
    if (this.#state !== 'open') {
      throw new PoolClosedError(`the pool is ${this.#state === 'closing' ? 'closed' : 'terminated'}: task '${String(name)}' was not accepted; create a new pool to run more tasks`);
    }
    if (typeof name !== 'string') throw new UnknownTaskError(`a task name must be a string naming an export of the task module, got ${typeof name}`);
    if (bounded && this.#calls.size >= this.#opts.maxQueue) {
      throw new QueueFullError(`the pool has ${this.#calls.size} calls outstanding (maxQueue: ${this.#opts.maxQueue}): await some results before submitting more, raise maxQueue, or use map() which applies backpressure`);
    }
    if (options === undefined) return undefined;
    checkCallOptions(options);
    if ((options as { transfer?: unknown }).transfer !== undefined) throw new InvalidOptionError('transfer does not apply to a RedisPool: arguments are serialized to Redis');
    const jobId = checkJobId(options.jobId);
    if (options.signal?.aborted) throw new TaskAbortedError(name, options.signal.reason);
    return jobId;
  }

  #submitChunk(name: string, mode: number, ...[items, onDone]: Parameters<SubmitChunk>): () => void {
    let call: Call | undefined; // assigned after #accept returns: it may reject (pool closed) before then
    let micros = 0;
    call = this.#accept(
      name, Array.from(items), mode,
      (value) => onDone(undefined, value, micros),
      (error) => onDone(error, undefined, micros),
      undefined, false,
    );
    if (call) call.onMicros = (m) => (micros = m);
    return () => {
      if (call) this.#cancel(call, undefined);
    };
  }

  /** Adds the calls accepted since the last flush, in bulk. */
  async #flush(): Promise<void> {
    const calls = this.#outbox.filter((c) => !c.settled);
    this.#outbox = [];
    if (calls.length === 0) return;
    this.#adding++;
    try {
      await whenReady(this.#main, this.#opts.connectTimeout, this.#where);
      const jobs = this.#packer.plan(calls, this.#figures.workers);
      await bounded(addJobs(this.#queue, this.#main.redis, this.#keys, this.#producer, jobs), this.#opts.connectTimeout, () => new RedisUnavailableError(`Redis at ${this.#where} did not take ${calls.length} job(s) within ${this.#opts.connectTimeout} ms (connectTimeout); they may still run once it does`));
      const now = performance.now();
      for (const call of calls) {
        call.added = true;
        call.addedAt = now;
        if (call.settled) this.#revokeLater(call); // cancelled while being added
      }
      this.#results.start();
      this.#sweep.start();
      this.#figures.refresh();
    } catch (error) {
      const why = error instanceof RedisUnavailableError ? error : new RedisUnavailableError(`Redis at ${this.#where} refused the jobs: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      for (const call of calls) if (!call.settled) this.#fail(call, why);
    } finally {
      this.#adding--;
      this.#checkIdle();
    }
  }

  #onResult(buffer: Buffer): void {
    const [id, status, value, micros] = decodeResult(buffer);
    const call = this.#calls.get(id);
    if (!call) return; // cancelled here, or a second run after a worker was lost
    if ((status === RESULT_STARTED || status === RESULT_YIELD) && !call.begun) {
      call.begun = true;
      this.#begun++;
    }
    if (status === RESULT_STARTED) return;
    if (deliverUpdate(call, status, value)) return; // a stream's values, a progress value: the call goes on
    this.#stats.recordRun(micros, true);
    this.#stats.waitTime.record(Math.max(0, (performance.now() - call.acceptedAt) * 1000 - micros));
    call.onMicros?.(micros);
    if (status === RESULT_OK && call.data.m === MODE_CALL) this.#packer.hear(call.name, micros);
    if (status === RESULT_OK) this.#fulfil(call, value);
    else this.#fail(call, remoteError(status, value, call.name));
  }

  #fulfil(call: Call, value: unknown): void {
    for (const c of this.#settle(call)) {
      this.#stats.completed++;
      c.resolve(value);
    }
  }

  #fail(call: Call, error: unknown): void {
    for (const c of this.#settle(call)) {
      this.#stats.failed++;
      c.reject(error);
    }
  }

  /** Marks a call (and the calls that share its id) settled; returns them. */
  #settle(call: Call): Call[] {
    const all = [call, ...(call.followers ?? [])];
    for (const c of all) {
      c.settled = true;
      if (c.onAbort) c.signal!.removeEventListener('abort', c.onAbort);
    }
    if (this.#calls.get(call.id) === call) {
      this.#calls.delete(call.id);
      if (call.begun) this.#begun--;
    }
    this.#checkIdle();
    return all;
  }

  #checkIdle(): void {
    if (this.#calls.size > 0 || this.#adding > 0) return;
    this.#sweep.stop();
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Cancels a call not yet settled here: its job is removed from Redis, or aborted on its worker.
   * A call known to have begun, without a signal or timeout, cannot be stopped alone: false, as in Python.
   */
  #cancel(call: Call, reason: unknown, revoke = true): boolean {
    if (call.settled || (call.begun && !call.data.s)) return false;
    const first = this.#calls.get(call.id);
    if (first !== call && first?.followers?.includes(call)) {
      first.followers.splice(first.followers.indexOf(call), 1); // the job goes on for the others
      call.settled = true;
    } else this.#settle(call);
    this.#stats.cancelled++;
    call.reject(new TaskAbortedError(call.name, reason));
    if (call.added && revoke) this.#revokeLater(call);
    return true;
  }

  /** Removes a call's job if it waits (a pack goes on for its other calls); else asks every worker to abort the call. Best effort. */
  #revokeLater(call: Call): void {
    const revoking = this.#revoke(call.pack ? undefined : call.id, [call]).finally(() => this.#revoking.delete(revoking));
    this.#revoking.add(revoking);
  }

  /** Removes job `job` if it waits; else (or with no `job` to remove) asks every worker to abort `calls`. Best effort. */
  async #revoke(job: string | undefined, calls: Call[]): Promise<void> {
    const { redis } = this.#main;
    try {
      const removed = job === undefined ? 0 : await bounded(this.#queue.remove(job), this.#opts.connectTimeout);
      if (removed === 0) await bounded(Promise.all(calls.map((c) => redis.publish(this.#keys.cancels, c.id))), this.#opts.connectTimeout);
    } catch {
      // Redis is gone: the job may still run; its result will be dropped.
    }
  }

  /** `close({ cancelPending })`: cancels the calls whose jobs still wait in Redis. */
  async #cancelWaiting(): Promise<void> {
    const reason = new PoolClosedError('the pool was closed with cancelPending before this call began');
    const calls = [...this.#calls.values()];
    for (const call of calls) if (!call.added) this.#cancel(call, reason);
    for (const [job, same] of byJob(calls.filter((c) => c.added))) {
      try {
        const state = await this.#queue.getJobState(job);
        if ((state === 'waiting' || state === 'prioritized' || state === 'delayed') && (await this.#queue.remove(job)) === 1) for (const call of same) this.#cancel(call, reason, false);
      } catch {
        // Redis is gone: leave the calls to the sweep
      }
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#calls.size === 0 && this.#adding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #shutdown(): Promise<void> {
    await Promise.all(this.#revoking); // a cancel's removal or abort message goes out before the connection closes
    this.#sweep.stop();
    this.#results.stop();
    await this.#queue.close().catch(() => {});
    await closeLink(this.#main);
  }
}
