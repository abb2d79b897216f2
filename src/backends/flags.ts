/** Flags whose next argument is their value: dropped with it (a worker must not re-run the parent's `-e` script). */
const TAKES_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe']);
/** Flags that only make sense for a main script, or would clash in a worker (inspector ports). */
const MAIN_ONLY = /^(-[cip]$|--(input-type|test|experimental-test|watch|inspect|eval|print|check|interactive))/;

/**
 * The parent's Node flags, less those only a main script may have (`-e` and its script above
 * all): what a worker thread or a child process of a pool should start with.
 */
export function inheritedFlags(): string[] {
  const out: string[] = [];
  const flags = process.execArgv;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (TAKES_VALUE.has(f)) i++;
    else if (!MAIN_ONLY.test(f)) out.push(f);
  }
  return out;
}
