/**
 * The producer's side of streams and progress on Redis. The worker pushes what a task yields
 * (in batches) and what it reports with `progress()` onto this producer's result list, in
 * order and before the call's end, as results travel; here they reach the caller's
 * `TaskStream` and `onProgress`. The caller's credit (`p <taken> <jobId>`: it has taken
 * `taken` values) and an early stop (`s <jobId>`) go to the worker on the queue's control
 * channel. The worker's side is `relay.ts` and `progress.ts`.
 */
import type { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors.js';
import { TaskStream, streamWindow } from '../executor/stream.js';
import type { Call } from './call.js';
import type { RedisStreamOptions } from './options.js';
import { ALIVE_REFRESH_MS, ALIVE_TTL_MS, RESULT_PROGRESS, RESULT_YIELD } from './wire.js';

/** What a stream needs of its pool. */
export interface StreamHost {
  /** Accepts the stream's call (undefined when refused: the stream is rejected already); `ended` runs once it settles. */
  accept(window: number, stream: TaskStream<unknown>, ended: () => void): Call | undefined;
  /** Says this producer is alive until the function returned is called (see {@link Heartbeat}). */
  hold(): () => void;
  /** Cancels a call that never ran here or there: it settles with `TaskAbortedError`. */
  cancel(call: Call): void;
  /** Removes the call's job if it still waits in Redis; true if it did (the job never runs). */
  remove(call: Call): Promise<boolean>;
  /** Publishes a message on the control channel. */
  control(message: string): void;
}

/**
 * Opens a stream on Redis. Stopping it early cancels a call whose job was not yet added or
 * still waits (it never runs); a running one is told to stop, and settles once its worker has
 * returned the generator (its `finally` ran) and delivered the end.
 */
export function openRedisStream<T>(options: RedisStreamOptions, host: StreamHost): TaskStream<T> {
  const window = checkWindow(options);
  let call: Call | undefined;
  const stream = new TaskStream<T>(typeof window === 'number' ? window : 1, {
    pull: (taken) => {
      if (call && !call.settled) host.control(`p ${taken} ${call.id}`);
    },
    stop: () => {
      if (call && !call.settled) void stop(call, host);
    },
  });
  if (typeof window !== 'number') {
    stream.reject(window);
    return stream;
  }
  const release = host.hold();
  if ((call = host.accept(window, stream as TaskStream<unknown>, release))) call.stream = stream as TaskStream<unknown>;
  else release();
  return stream;
}

async function stop(call: Call, host: StreamHost): Promise<void> {
  if (!call.added) return host.cancel(call); // still here (or on its way: the pool removes it once added)
  const removed = await host.remove(call);
  if (call.settled) return;
  if (removed) host.cancel(call);
  else host.control(`s ${call.id}`);
}

function checkWindow(options: RedisStreamOptions): number | InvalidOptionError {
  const window = streamWindow(options);
  if (typeof window === 'number' && (options as { jobId?: unknown }).jobId !== undefined) {
    return new InvalidOptionError('a stream cannot take a jobId: its values go to one caller; give the task an idempotency key among its arguments instead');
  }
  return window;
}

/**
 * Hands a record that does not settle its call to the caller: a stream's values to its stream,
 * a progress value to the `onProgress` of the call (and of those sharing its job id). False for
 * any other record. (The pool marks a call that yields as begun.) A listener that throws is
 * reported as an uncaught exception on a later tick.
 */
export function deliverUpdate(call: Call, status: number, value: unknown): boolean {
  if (status === RESULT_YIELD) {
    call.stream?.push(value as unknown[]);
    return true;
  }
  if (status !== RESULT_PROGRESS) return false;
  for (const c of [call, ...(call.followers ?? [])]) {
    if (!c.onProgress || c.settled) continue;
    try {
      c.onProgress(value);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
  return true;
}

/**
 * Keeps a producer's `alive` key fresh while it has streams open. A worker whose stream waits
 * for credit checks the key: a producer that died (it reads nothing and gives no credit any
 * more) lets it expire, and the worker stops the stream instead of holding its slot forever.
 */
export class Heartbeat {
  #held = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  /** One more open stream; the returned function (call it once) is its end. */
  hold(): () => void {
    if (this.#held++ === 0) {
      this.#beat();
      this.#timer = setInterval(() => this.#beat(), ALIVE_REFRESH_MS);
      this.#timer.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#held > 0) return;
      clearInterval(this.#timer);
      this.redis.del(this.key).catch(() => {});
    };
  }

  #beat(): void {
    this.redis.set(this.key, '1', 'PX', ALIVE_TTL_MS).catch(() => {}); // Redis away: the sweep reports it
  }
}
