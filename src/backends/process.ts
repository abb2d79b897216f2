/**
 * Child processes, the whole story: how a weft child starts (its flags in `child-options.ts`,
 * its entry `process-entry.ts`), the pool of them (`ProcessPool`), and one task in its own
 * child (`Process`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import type { Backend, WorkerEvents, WorkerHandle } from '../executor/backend.js';
import type { PoolOptions } from '../executor/options.js';
import { Pool } from '../executor/pool.js';
import { SingleTaskRunner, type SingleTaskOptions } from '../executor/single.js';
import type { ModuleLocation, TaskArgs, TaskName, TaskResult, UntypedModule } from '../executor/types.js';
import { decodeThrow, type EncodedThrow } from '../worker/error-codec.js';
import { TASK_STRIDE, isFinal, isFinalized, takeStarted, type WorkerInit } from '../worker/protocol.js';
import { checkChildOptions, forkOptions, isOutOfMemory, type ChildOptions } from './child-options.js';
import { NameTable, decodeLoneResult, encodeLoneTask, fitsText, isLoneCall, isLoneWire } from './lone.js';
import { CHANNEL_FD, FrameChannel } from './process-channel.js';
import { fromWire, portableTasks, toWire } from './process-wire.js';
import { loadReviver } from './revive.js';

/** Options of a {@link ProcessPool}: the pool's, plus how each child process is started. */
export interface ProcessPoolOptions extends PoolOptions, ChildOptions {}

/** A running child as its backend sees it: a {@link WorkerHandle} plus its pid and a graceful stop. */
export interface ProcessHandle extends WorkerHandle {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Closes the IPC channel: an idle child exits with code 0 (SIGTERM, then SIGKILL, follow if it does not). */
  stop(): void;
}

const STDERR_TAIL = 4096;

/**
 * Runs each worker as a forked child process speaking the worker protocol over IPC with
 * advanced (structured clone) serialization.
 *
 * Crash accounting: shared memory does not cross processes, so the child appends its
 * started-task count to every result batch, and sends a final count when it dies through
 * JavaScript (`process.exit`, `process.abort()`, an uncaught error). A child that dies with no
 * chance to report (SIGKILL, a native crash, V8 out of memory) is taken to have been running
 * the first task it had not reported as started: that one fails (or is retried), those behind
 * it are re-dispatched. Results it computed but had not sent yet are lost, so such tasks may run twice.
 */
export class ProcessBackend implements Backend {
  readonly kind = 'process';
  readonly sharesMemory = false;
  readonly loadReviver = loadReviver;
  readonly #options: ChildOptions;
  readonly #entry: URL;
  /** The live children. */
  readonly children = new Set<ChildProcess>();

  constructor(options: ChildOptions) {
    this.#entry = checkChildOptions(options);
    this.#options = options;
  }

  spawn(init: WorkerInit, events: WorkerEvents): ProcessHandle {
    const child = fork(fileURLToPath(this.#entry), [], forkOptions(this.#options, this.#entry, init.module, init.tsx));
    const started = new Int32Array(init.started);
    const grace = this.#options.killGrace ?? 1000;
    this.children.add(child);
    let sent = 0;
    let reported = 0;
    let ready = false;
    let final = -1;
    let finalError: EncodedThrow | undefined;
    let error: unknown;
    let tail = '';
    let killTimer: NodeJS.Timeout | undefined;
    const stderr = child.stderr as Readable;
    stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const socket = child.stdio[CHANNEL_FD] as Socket;
    const channel = new FrameChannel(socket);
    const names = new NameTable();
    channel.onMessage((wire: unknown) => {
      const message = isLoneWire(wire) ? decodeLoneResult(wire) : fromWire(wire);
      if (Array.isArray(message)) {
        ready = true;
        reported = takeStarted(message);
        final = -1;
        Atomics.store(started, 0, reported);
        events.results(message);
      } else if (isFinal(message)) {
        final = message.final;
        finalError = message.error;
      } else if (isFinalized(message)) events.finalized?.(message.error);
    });
    child.on('error', (e) => (error ??= e));
    // Report the exit once the channel has delivered every message and stderr has ended (or
    // shortly after: a grandchild such as esbuild's service may hold either open).
    let open = 2;
    let reportedExit = false;
    const report = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (reportedExit) return;
      reportedExit = true;
      this.children.delete(child);
      if (killTimer) clearTimeout(killTimer);
      socket.destroy();
      // A child that never said it was ready began nothing (its runtime starts tasks only then).
      Atomics.store(started, 0, final >= 0 ? final : ready ? Math.min(sent, reported + 1) : 0);
      if (finalError && error === undefined) error = decodeThrow(finalError, 'worker');
      const outOfMemory = signal !== 'SIGKILL' && isOutOfMemory(tail);
      events.exit({ code, signal, error, outOfMemory });
    };
    let exited: (() => void) | undefined;
    const closed = (): void => void (--open === 0 && exited?.());
    stderr.once('end', closed);
    socket.once('close', closed); // after the last message (or an error)
    child.once('exit', (code, signal) => {
      const settle = (): void => {
        exited = () => report(code, signal);
        if (open === 0) exited();
        else setTimeout(exited, 50);
      };
      if (child.connected) child.once('disconnect', settle);
      else settle();
    });
    // The init message: everything but the shared buffers (shared memory stays in this process).
    const { started: _started, cancels: _cancels, ...rest } = init;
    channel.send(rest);
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (killTimer) clearTimeout(killTimer);
      killTimer = setTimeout(() => child.kill('SIGKILL'), grace);
    };
    const ref = (): void => {
      child.ref();
      child.channel?.ref();
      socket.ref();
      (stderr as Readable & { ref?: () => void }).ref?.();
    };
    return {
      pid: child.pid,
      child,
      send: (batch) => {
        channel.send(isLoneCall(batch) && fitsText(batch[3]) ? encodeLoneTask(batch, names.index(batch[2] as string, (m) => channel.send(m))) : toWire(portableTasks(batch)));
        sent += batch.length / TASK_STRIDE;
      },
      cancel: (id) => channel.send({ cancel: id }),
      control: (message) => channel.send(message),
      finalize: () => channel.send({ finalize: true }),
      ref,
      unref: () => {
        child.unref();
        child.channel?.unref();
        socket.unref();
        (stderr as Readable & { unref?: () => void }).unref?.();
      },
      stop: () => {
        ref(); // whoever awaits this child's exit keeps the process alive until it comes
        if (child.connected) child.disconnect();
        killTimer = setTimeout(kill, grace);
      },
      terminate: () => {
        ref();
        // Idle: let it exit on its own when the channel closes (code 0); busy: SIGTERM, then SIGKILL after the grace.
        if (sent === reported && child.connected) {
          child.disconnect();
          killTimer = setTimeout(kill, grace);
        } else {
          if (child.connected) child.disconnect();
          kill();
        }
      },
    };
  }
}

/**
 * A pool of child processes (Python's `ProcessPoolExecutor`): each task runs in a forked Node
 * process, so a crash, a leak, a `process.exit` or a native fault stays inside its child; the
 * pool fails only the task that was running and forks a replacement. Values cross by
 * structured clone (`Map`, `Set`, `Date`, typed arrays, `BigInt`, errors with `code`/`cause`).
 * Costlier to start and to talk to than a `ThreadPool`: use it for isolation, not for speed.
 *
 * @example
 * const pool = new ProcessPool<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), { size: 2, maxOldSpaceSize: 256 });
 * const n = await pool.run('fib', 30);
 * await pool.close();
 */
export class ProcessPool<M = UntypedModule> extends Pool<M> {
  readonly #backend: ProcessBackend;

  constructor(module: ModuleLocation, options: ProcessPoolOptions = {}) {
    const backend = new ProcessBackend(options);
    super(backend, module, options);
    this.#backend = backend;
  }

  /** Process ids of the live children (e.g. to watch them, or to kill one in a fault-injection test). */
  get pids(): number[] {
    return [...this.#backend.children].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }
}

/** Options of a {@link Process}: how its child is started, and an AbortSignal. */
export interface ProcessOptions extends ChildOptions, SingleTaskOptions {}

/**
 * One exported task function in its own child process (Python's `multiprocessing.Process`,
 * with the return value handed back by `join()`). The child exits once the task returns.
 * A crash, `process.exit` or `kill()` rejects `join()` with `WorkerExitedError` (exit code or signal).
 *
 * @example
 * const p = new Process<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url), 'fib', [30]).start();
 * console.log(p.pid, await p.join(), p.exitCode); // 12345 832040 0
 */
export class Process<M = UntypedModule, K extends TaskName<M> = TaskName<M>> extends SingleTaskRunner<TaskResult<M, K>> {
  readonly #options: ProcessOptions;
  #handle: ProcessHandle | undefined;

  constructor(module: ModuleLocation, name: K, args: TaskArgs<M, K>, options: ProcessOptions = {}) {
    super(module, name, args, options);
    this.#options = options;
  }

  /** The child's process id once started. */
  get pid(): number | undefined {
    return this.#handle?.pid;
  }

  /** Sends `signal` (default SIGTERM) to the child; `join()` rejects with `WorkerExitedError` if the task had not returned. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    return this.#handle?.child.kill(signal) ?? false;
  }

  /** @internal */
  protected backend(): ProcessBackend {
    return new ProcessBackend(this.#options);
  }

  /** @internal */
  protected spawned(handle: WorkerHandle): void {
    this.#handle = handle as ProcessHandle;
    this.#handle.ref();
  }

  /** @internal */
  protected finish(handle: WorkerHandle): void {
    (handle as ProcessHandle).stop();
  }
}
