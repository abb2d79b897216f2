/**
 * Progress of a bench: a live bar per phase with an ETA (cli-progress) on a terminal, plain
 * lines when stdout is not a terminal or `CI` is set. Everything goes to stderr, so stdout
 * carries only the results (and stays valid JSON under `--json`).
 */
import cliProgress from 'cli-progress';

/** One phase's progress, counted in tasks. */
export interface Phase {
  /** Counts `n` tasks done (a fraction: part of a task that reports its progress). */
  tick(n?: number): void;
  /** Reports a finished run (a plain line, or the bar's label). */
  note(text: string): void;
  /** Ends the phase. */
  end(): void;
}

/** Writes the progress of each phase. */
export interface Progress {
  /** Starts a phase of `total` tasks. */
  phase(name: string, total: number): Phase;
}

/** True when progress should be a live bar: stdout and stderr are terminals and `CI` is not set. */
export function wantsBar(): boolean {
  return Boolean(process.stdout.isTTY && process.stderr.isTTY && !process.env.CI);
}

/** Progress as live bars when `live`, plain lines otherwise; `silent` prints nothing. */
export function createProgress(mode: 'live' | 'plain' | 'silent'): Progress {
  if (mode === 'silent') return { phase: () => ({ tick: () => {}, note: () => {}, end: () => {} }) };
  return mode === 'live' ? barProgress() : plainProgress();
}

function barProgress(): Progress {
  return {
    phase(name, total) {
      const bar = new cliProgress.SingleBar(
        {
          format: `${name.padEnd(9)} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total} tasks | {run}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
          etaAsynchronousUpdate: true,
          fps: 8,
          // Before the first tasks finish the rate is unknown: cli-progress would print 'NULL'.
          formatTime: (t, options, round) => (Number.isFinite(t) ? cliProgress.Format.TimeFormat(t, options, round) : '?'),
          // Tasks that report progress move the bar by fractions: the count shows whole tasks.
          formatValue: (v, options, type) => cliProgress.Format.ValueFormat(type === 'value' ? Math.floor(v) : v, options, type),
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { run: 'starting' });
      return {
        tick: (n = 1) => bar.increment(n),
        note: (text) => bar.update({ run: text }),
        end: () => bar.stop(),
      };
    },
  };
}

function plainProgress(): Progress {
  const out = (line: string): void => void process.stderr.write(`${line}\n`);
  return {
    phase(name, total) {
      const t0 = Date.now();
      let done = 0;
      out(`[${name}] starting: ${total} tasks`);
      return {
        tick: (n = 1) => void (done += n),
        note: (text) => {
          const elapsed = (Date.now() - t0) / 1000;
          const eta = done > 0 ? Math.max(0, (elapsed * (total - done)) / done) : NaN;
          out(`[${name}] ${text} (${Math.floor(done)}/${total} tasks, ETA ${Number.isFinite(eta) ? `${eta.toFixed(1)} s` : '?'})`);
        },
        end: () => out(`[${name}] done in ${((Date.now() - t0) / 1000).toFixed(1)} s`),
      };
    },
  };
}
