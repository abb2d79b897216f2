import type { Backend, WorkerEvents, WorkerHandle } from '../executor/backend.js';
import type { PoolOptions } from '../executor/options.js';
import { Pool } from '../executor/pool.js';
import type { ModuleLocation, UntypedModule } from '../executor/types.js';
import type { WorkerInit } from '../worker/protocol.js';
import { WorkerRuntime } from '../worker/runtime.js';

/**
 * Runs each "worker" as a runtime inside the calling thread's event loop: no copies, no
 * threads, concurrency from `await`. Batches are handed over on a microtask, so a long run of
 * tasks never recurses.
 */
export class InlineBackend implements Backend {
  readonly kind = 'inline';
  readonly sharesMemory = true;

  spawn(init: WorkerInit, events: WorkerEvents): WorkerHandle {
    let alive = true;
    let deliver: ((message: unknown) => void) | undefined;
    const runtime = new WorkerRuntime(init, {
      post: (message) => {
        if (alive) events.results(message);
      },
      postFinalized: (message) => {
        if (alive) events.finalized?.(message.error);
      },
      onMessage: (handler) => (deliver = handler),
    });
    void runtime.start();
    const send = (message: unknown): void => {
      queueMicrotask(() => {
        if (alive) deliver!(message);
      });
    };
    return {
      send: (batch) => send(batch),
      cancel: (id) => send({ cancel: id }),
      control: (message) => send(message),
      finalize: () => send({ finalize: true }),
      ref: () => {},
      unref: () => {},
      terminate: () => {
        if (!alive) return;
        alive = false;
        queueMicrotask(() => events.exit({ code: 0, signal: null }));
      },
    };
  }
}

/**
 * asyncio's model behind the executor API: runs the task module's functions in this thread's
 * event loop with at most `size` in flight. Best for I/O-bound work (many waits, little CPU);
 * switching to `ThreadPool` or `ProcessPool` is a one-word change.
 *
 * Differences from the isolated pools: arguments and results are passed by reference (not
 * copied); a task that ignores its AbortSignal cannot be stopped (its result is discarded);
 * CPU-heavy tasks block the loop, which is what `weft advise` warns about.
 *
 * @example
 * const pool = new AsyncPool<typeof import('./fetchers.js')>(new URL('./fetchers.js', import.meta.url), { size: 50 });
 * for await (const page of pool.map('download', urls)) save(page);
 */
export class AsyncPool<M = UntypedModule> extends Pool<M> {
  constructor(module: ModuleLocation, options: PoolOptions = {}) {
    // `size` runtimes, one task each: at most `size` tasks in flight, as documented.
    super(new InlineBackend(), module, { ...options, concurrentTasksPerWorker: options.concurrentTasksPerWorker ?? 1 });
  }
}
