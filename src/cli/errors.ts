/** An error the `weft` command reports as one line (its message says what to do), then exits with `exitCode`. */
export class CliError extends Error {
  /** Process exit code: 2 for a usage mistake, 1 for a failure while running. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A usage mistake (unknown command or flag, bad value): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The one-line text of any thrown value, `Class: message` for errors. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const first = error.message.split('\n')[0] ?? '';
    return error.name && error.name !== 'Error' ? `${error.name}: ${first}` : first;
  }
  return String(error);
}
