/**
 * Clean-up that must happen however a command ends (normally, on error, or on Ctrl-C):
 * temporary files, the delay server. Handlers run once, newest first.
 */
const cleanups: (() => unknown)[] = [];

/** Registers `fn` to run at the end of the command; returns a function that runs it early and unregisters it. */
export function addCleanup(fn: () => unknown): () => Promise<void> {
  cleanups.push(fn);
  return async () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) {
      cleanups.splice(i, 1);
      await fn();
    }
  };
}

/** Runs every registered clean-up (errors ignored). */
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch {
      // best effort: the command is ending anyway
    }
  }
}
