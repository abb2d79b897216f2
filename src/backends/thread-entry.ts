/** Entry of a worker thread: runs the generic runtime over the thread's parent port. */
import { getEnvironmentData, parentPort } from 'node:worker_threads';
import { WorkerRuntime } from '../worker/runtime.js';
import { INIT_KEY, type WorkerInit } from '../worker/protocol.js';
import { loadArgsReviver } from './revive.js';

const port = parentPort!;
const runtime = new WorkerRuntime(
  getEnvironmentData(INIT_KEY) as unknown as WorkerInit,
  {
    post: (message, transfer) => port.postMessage(message, transfer),
    postFinalized: (message) => port.postMessage(message),
    onMessage: (handler) => port.on('message', handler),
  },
  loadArgsReviver,
);
runtime.flushBeforeExit();
await runtime.start();
