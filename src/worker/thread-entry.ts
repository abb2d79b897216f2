/** Entry of a worker thread: runs the generic runtime over the thread's parent port. */
import { parentPort, workerData } from 'node:worker_threads';
import { Runtime } from './runtime.js';
import type { WorkerInit } from './protocol.js';

const port = parentPort!;
const runtime = new Runtime(workerData as WorkerInit, {
  post: (message) => port.postMessage(message),
  onMessage: (handler) => port.on('message', handler),
});
await runtime.start();
