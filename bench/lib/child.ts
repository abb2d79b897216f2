// Running a measurement in a fresh child process (so RSS and module caches of earlier
// measurements do not pollute it): the parent re-invokes a script with extra arguments,
// the child reports results as prefixed JSON lines on stdout.

import { spawn } from 'node:child_process';

const PREFIX = '@@bench-child ';

/** In the child: sends one JSON-serialisable result to the parent. */
export function reportToParent(value: unknown): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(value)}\n`);
}

export interface ChildOptions {
  /** Node flags; defaults to this process's (so `--import tsx` carries over). */
  execArgv?: readonly string[];
  /** Kill the child after this many ms (default 10 minutes). */
  timeoutMs?: number;
  /** Forward the child's other stdout lines to ours (default false: they are dropped). */
  forwardStdout?: boolean;
}

/**
 * Runs `node [execArgv] script ...args` and resolves with every value the child passed to
 * `reportToParent`, in order. Rejects when the child exits non-zero or times out; the
 * child's stderr is forwarded.
 */
export function runChild(script: string, args: readonly string[], opts: ChildOptions = {}): Promise<unknown[]> {
  const execArgv = opts.execArgv ?? process.execArgv;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const results: unknown[] = [];
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} timed out after ${opts.timeoutMs ?? 600_000} ms`));
    }, opts.timeoutMs ?? 600_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      buffer += data;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(PREFIX)) results.push(JSON.parse(line.slice(PREFIX.length)) as unknown);
        else if (opts.forwardStdout) process.stdout.write(`${line}\n`);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(results);
      else reject(new Error(`child ${args.join(' ')} exited with ${signal ?? code}`));
    });
  });
}
