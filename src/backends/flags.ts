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

/** What the flag choices depend on: a Node version (`process.version`) and the flags it accepts. */
export interface NodeFlagFacts {
  /** `process.version`, e.g. `v20.19.0`. */
  version: string;
  /** `process.allowedNodeEnvironmentFlags`: the flags this Node accepts in `NODE_OPTIONS` (both permission flags are among them). */
  flags: ReadonlySet<string>;
}

/** This Node's facts. */
export function currentNode(): NodeFlagFacts {
  return { version: process.version, flags: process.allowedNodeEnvironmentFlags };
}

/**
 * The flag that turns on Node's permission model: `--permission` (Node 22.13+, 23.5+; the only
 * one Node 24 accepts), else `--experimental-permission` (Node 20). Read from the flags Node
 * accepts, falling back to the version when a list names neither.
 */
export function permissionFlag(node: NodeFlagFacts = currentNode()): '--permission' | '--experimental-permission' {
  if (node.flags.has('--permission')) return '--permission';
  if (node.flags.has('--experimental-permission')) return '--experimental-permission';
  const [major = 0, minor = 0] = node.version.replace(/^v/, '').split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}
