/**
 * Worker-thread entry of the race demonstrations (`race-demo.ts`): revives the job's
 * primitives and runs it (`race-job.ts`). Internal: started as compiled .js or, under tsx, as
 * .ts through an eval bootstrap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Barrier, Condition, Lock } from '../shared/index.js';
import { raceJob, type RaceRole } from './race-job.js';

const job = workerData as { role: RaceRole; counter: Int32Array; count: number; start: unknown; lock?: unknown; cond?: unknown };
const lock = job.lock === undefined ? null : Lock.from(job.lock);
const cond = job.cond === undefined ? null : Condition.from(job.cond);
parentPort!.postMessage(raceJob(job.role, job.counter, job.count, Barrier.from(job.start), lock, cond));
