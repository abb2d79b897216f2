/** Entry of a worker thread: runs the generic runtime over the thread's parent port. */
import { getEnvironmentData, parentPort } from 'node:worker_threads';
import { Runtime } from './runtime.js';
import { INIT_KEY, type WorkerInit } from './protocol.js';

const port = parentPort!;
const runtime = new Runtime(getEnvironmentData(INIT_KEY) as unknown as WorkerInit, {
  post: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (handler) => port.on('message', handler),
});
runtime.flushBeforeExit();
await runtime.start();
