/**
 * What the process and its child processes use, read from Linux's /proc: CPU time and
 * resident memory of direct children, which `process.cpuUsage()` does not count, and the CPU
 * time of one thread alone, which it does not separate. Elsewhere the readers return nothing
 * and the figures cover this process only.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and resident memory of one child process. */
export interface ChildUsage {
  pid: number;
  /** User + system CPU time in microseconds. */
  cpuMicros: number;
  /** Resident set size in bytes. */
  rss: number;
}

const TICK_MICROS = 10_000; // USER_HZ is 100 on every Linux Node supports
const PAGE = 4096;

/** True when /proc can be read (Linux): child processes are then measured too. */
export const canMeasureChildren = (() => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

function parseStat(pid: number): { ppid: number; cpuMicros: number; rss: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuMicros: (Number(f[11]) + Number(f[12])) * TICK_MICROS, rss: Number(f[21]) * PAGE };
  } catch {
    return undefined;
  }
}

/** Live processes whose parent is `parent` (default: this process); empty where /proc is missing. */
export function childProcesses(parent = process.pid): ChildUsage[] {
  if (!canMeasureChildren) return [];
  const out: ChildUsage[] = [];
  for (const pid of childPids(parent)) {
    const s = parseStat(pid);
    if (s && s.ppid === parent) out.push({ pid, cpuMicros: s.cpuMicros, rss: s.rss });
  }
  return out;
}

/** Candidate child pids: the kernel's per-thread `children` lists, or a scan of /proc without them. */
function childPids(parent: number): number[] {
  try {
    const pids: number[] = [];
    for (const tid of readdirSync(`/proc/${parent}/task`)) {
      const text = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    }
    return pids;
  } catch {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  }
}

/** CPU microseconds used so far by this process (all its threads) and its live children. */
export function cpuMicrosNow(children: ChildUsage[] = childProcesses()): number {
  const own = process.cpuUsage();
  return own.user + own.system + children.reduce((sum, c) => sum + c.cpuMicros, 0);
}

/** What one thread has had of the CPU so far. */
export interface ThreadTimes {
  /** Microseconds it ran on a CPU. */
  cpuMicros: number;
  /** Microseconds it was ready to run but waited for a core (0 where the kernel does not say). */
  queuedMicros: number;
}

/**
 * The calling thread's own CPU time (not V8's background threads, not other workers) and its
 * time waiting for a core, or undefined where /proc cannot tell. `process.cpuUsage()` counts
 * every thread of the process together.
 */
export function threadTimes(): ThreadTimes | undefined {
  try {
    // nanoseconds on a CPU, then nanoseconds waiting on a run queue
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    if (Number.isFinite(run) && Number.isFinite(wait)) return { cpuMicros: run! / 1000, queuedMicros: wait! / 1000 };
  } catch {
    // kernels without schedstat: the tick counts of stat
  }
  try {
    const text = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { cpuMicros: (Number(f[11]) + Number(f[12])) * TICK_MICROS, queuedMicros: 0 };
  } catch {
    return undefined;
  }
}

/**
 * Tracks peak resident memory (this process plus its children) by sampling on a timer and on
 * demand; `sample()` between tasks catches runs that keep the event loop busy.
 */
export class MemorySampler {
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #children: boolean;

  /** `children`: add the memory of child processes (costs a /proc scan per sample). */
  constructor(children: boolean) {
    this.#children = children;
  }

  /** Starts sampling every `intervalMs`. */
  start(intervalMs = 50): this {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    return this;
  }

  /** Takes one sample now. */
  sample(): void {
    const kids = this.#children ? childProcesses() : [];
    const rss = process.memoryUsage.rss() + kids.reduce((sum, c) => sum + c.rss, 0);
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling and returns the peak in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}
