/**
 * Entry of a child process: runs the generic runtime over weft's channel (`process-channel.ts`).
 *
 * The first message is the `WorkerInit` (less `started`: shared memory does not cross
 * processes). Every result batch carries the number of tasks started so far as one extra
 * trailing slot (`appendStarted` in the protocol); a child dying through JavaScript
 * (`process.exit`, `process.abort()`, an uncaught error) first sends a `FinalMessage`. The
 * parent keeps the pool's `started` counter from these. The child exits when its IPC channel
 * closes, so it never outlives its parent.
 */
import { Socket } from 'node:net';
import { WorkerRuntime } from '../worker/runtime.js';
import { encodeThrow } from '../worker/error-codec.js';
import { CANCEL_SLOTS, appendStarted, takeStarted, type FinalMessage, type WorkerInit } from '../worker/protocol.js';
import { decodeLoneTask, encodeLoneResult, fitsText, isLoneResult, isLoneWire, isNameMessage } from './lone.js';
import { CHANNEL_FD, FrameChannel } from './process-channel.js';
import { fromWire, portableResults, toWire } from './process-wire.js';
import { loadArgsReviver } from './revive.js';

const started = new Int32Array(new SharedArrayBuffer(4));
/** Task names by the index lone calls give (see lone.ts). */
const names: string[] = [];
const channel = new FrameChannel(new Socket({ fd: CHANNEL_FD, readable: true, writable: true }));

function send(message: unknown): void {
  if (process.connected) channel.send(message);
}

function final(error?: unknown): void {
  try {
    const message: FinalMessage = { final: Atomics.load(started, 0), error: error === undefined ? undefined : encodeThrow(error) };
    send(message);
  } catch {
    // the channel is gone: the parent infers what it can
  }
}

/** What the parent sends, once the runtime listens: a lone call, a name for lone calls, or anything else of the wire. */
function receiver(handler: (message: unknown) => void): (message: unknown) => void {
  return (message) => {
    if (isLoneWire(message)) handler(decodeLoneTask(message, names));
    else if (isNameMessage(message)) names.push(message.loneName);
    else handler(fromWire(message));
  };
}

// The first message is the init; the runtime takes every later one.
channel.onMessage((message) => {
  const init = { ...(message as Omit<WorkerInit, 'started' | 'cancels'>), started: started.buffer as SharedArrayBuffer, cancels: new SharedArrayBuffer(4 * CANCEL_SLOTS) };
  const runtime = new WorkerRuntime(
    init,
    {
      post: (batch) => {
        if (!process.connected) return;
        if (isLoneResult(batch) && fitsText(batch[2])) return channel.send(encodeLoneResult(batch, Atomics.load(started, 0)));
        const out = portableResults(batch);
        try {
          channel.send(toWire(appendStarted(out, Atomics.load(started, 0))));
        } finally {
          takeStarted(out); // the runtime may post the batch again, result by result
        }
      },
      postFinalized: (message) => send(message),
      onMessage: (handler) => channel.onMessage(receiver(handler)),
    },
    loadArgsReviver,
  );
  // Installed before the runtime's own wrappers, so the final note goes out after the runtime
  // has flushed the results it holds, just before the process ends.
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    final();
    return exit(code);
  }) as typeof process.exit;
  const abort = process.abort.bind(process);
  process.abort = () => {
    final();
    return abort();
  };
  runtime.flushBeforeExit();
  process.on('uncaughtExceptionMonitor', (error) => final(error));
  void runtime.start();
});
process.on('disconnect', () => process.exit(0));
