/** Entry of a worker thread: runs the generic runtime over the thread's parent port. */
import { getEnvironmentData, parentPort } from 'node:worker_threads';
import { WorkerRuntime } from '../worker/runtime.js';
import { INIT_KEY, type WorkerInit } from '../worker/protocol.js';
import { isLoneResult, isNameMessage, loneCall, LONE_KEY, threadRings } from './lone.js';
import { loadArgsReviver } from './revive.js';

const port = parentPort!;
const { calls, results } = threadRings(getEnvironmentData(LONE_KEY) as SharedArrayBuffer);
const names: string[] = [];
const runtime = new WorkerRuntime(
  getEnvironmentData(INIT_KEY) as unknown as WorkerInit,
  {
    post: (message, transfer) => {
      if (transfer === undefined && isLoneResult(message) && results.put(message[0] as number, message[1] as number, message[3] as number)) port.postMessage(message[2]);
      else port.postMessage(message, transfer);
    },
    postFinalized: (message) => port.postMessage(message),
    onMessage: (handler) =>
      port.on('message', (message: unknown) => {
        if (typeof message !== 'object' || message === null) handler(loneCall(message, names, calls));
        else if (isNameMessage(message)) names.push(message.loneName);
        else handler(message);
      }),
  },
  loadArgsReviver,
);
runtime.flushBeforeExit();
await runtime.start();
