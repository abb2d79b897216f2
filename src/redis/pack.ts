/**
 * Packing: `run()` calls accepted in one turn whose task is known to be cheap travel several to
 * one BullMQ job, so a burst of tiny calls pays Redis's and BullMQ's price per job once per pack
 * instead of once per call, as `map` does with its chunks. Each call keeps its own id and its
 * own result record; its worker runs it as its own local call. A pack holds about
 * `TARGET_PACK_MICROS` of work by the run times workers reported for its task (a task never
 * heard of yet goes one call per job), and a burst is spread over at least two packs per worker.
 */
import type { Call } from './call.js';
import { MODE_CALL } from '../worker/protocol.js';

/** Work one pack holds (µs of run time on its worker): a few Redis round trips' worth. */
const TARGET_PACK_MICROS = 2000;
/** Packs per worker a burst is spread over, at least. */
const PACKS_PER_WORKER = 2;

/** Decides which calls share a job. Internal. */
export class Packer {
  /** Run time per call by task name (µs, a moving average of what workers report). */
  readonly #cost = new Map<string, number>();

  constructor(private readonly maxCallsPerJob: number) {}

  /** Hears the run time (µs) a worker reported for a call of task `name` that succeeded. */
  hear(name: string, micros: number): void {
    const before = this.#cost.get(name);
    this.#cost.set(name, before === undefined ? micros : (before + micros) / 2);
  }

  /**
   * Splits `calls` into the jobs that carry them, in their order: a run of packable calls of
   * one task, one after the other, goes in packs (each call's `pack` names its job); any other
   * call goes alone.
   */
  plan(calls: readonly Call[], workers: number): Call[][] {
    const jobs: Call[][] = [];
    for (let i = 0; i < calls.length; ) {
      const first = calls[i]!;
      let end = i + 1;
      if (this.maxCallsPerJob > 1 && packable(first)) while (end < calls.length && calls[end]!.name === first.name && packable(calls[end]!)) end++;
      const size = end - i === 1 ? 1 : this.#size(first.name, end - i, workers);
      for (; i < end; i += size) {
        const pack = calls.slice(i, Math.min(i + size, end));
        if (pack.length > 1) for (const call of pack) call.pack = `${pack[0]!.id}.pack`;
        jobs.push(pack);
      }
    }
    return jobs;
  }

  #size(name: string, count: number, workers: number): number {
    const cost = this.#cost.get(name);
    if (cost === undefined) return 1;
    const byCost = Math.floor(TARGET_PACK_MICROS / Math.max(1, cost));
    const bySpread = Math.ceil(count / (PACKS_PER_WORKER * Math.max(1, workers)));
    return Math.max(1, Math.min(this.maxCallsPerJob, byCost, bySpread));
  }
}

/**
 * Whether a call may share a job: a plain `run()`, which has no future to show when it begins
 * and no signal, timeout, progress listener, caller-chosen id or stream of its own.
 */
function packable(call: Call): boolean {
  const d = call.data;
  return d.m === MODE_CALL && !d.b && !d.s && !d.k && d.w === undefined && !d.p;
}
