/**
 * The command line: `util.parseArgs` per command, values checked, and the usage text. Every
 * mistake becomes a `UsageError` whose one line says what to type instead.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { DEFAULT_MODELS, MODEL_NAMES, type ModelName } from './models.js';

/** The usage text of `weft --help`. */
export const USAGE = `weft: measure which concurrency model (event loop, threads, processes) fits a workload

Usage:
  weft bench [--quick | --full] [--models list] [--redis url] [--delay ms] [--json] [--report out.html]
      Run the built-in CPU-bound, I/O-bound and mixed workloads sequentially and under
      AsyncPool, ThreadPool and ProcessPool at several concurrency levels; print a table, the
      winner per workload and the seed article's claims checked on this machine.
  weft bench <module> <task> [--args json] [--tasks n] [--levels list] [--models list] [--redis url] [--json] [--report out.html]
      The same for your own task: an exported function of a .js or .ts module. A task that
      calls progress(fraction) from weft/worker (a number from 0 to 1) moves the bar as it goes.
  weft advise <module> <task> [--args json] [--verify] [--json]
      Probe a task once warm: CPU time of its thread and of the whole process (V8's own
      threads) vs wall time, event-loop blocking, cost of crossing a thread; classify it and
      predict a model and pool size (--verify: measure them, every worker warmed up, in a short
      bench, and recommend the fastest measured).
  weft race [--increments n] [--workers n] [--processes] [--json]
      Two workers increment a shared counter without a lock (updates get lost), then with
      weft's Lock (exact).
  weft worker <module> --redis url --queue name [--concurrency n] [--model thread|process|async]
              [--size n] [--lock-duration ms] [--prefix p] [--connect-timeout ms]
      Take the tasks of a RedisPool's queue and run them here, in a local pool; prints a line
      with 'ready' once taking tasks; SIGTERM or SIGINT finishes the running tasks and exits 0.

Options:
  --quick            a few seconds (smoke test)       --full        longer, more levels
  --args <json>      arguments of each call: 30, or '[30, "x"]' for several
  --tasks <n>        calls per measured run (default 32)
  --levels <list>    tasks in flight to try, e.g. 1,2,4 (default: 1 up to the core count)
  --models <list>    pooled models to compare: async,thread,process (default), redis
  --redis <url>      the Redis server of the redis model (weft starts its workers here)
  --delay <ms>       reply delay of the local HTTP server of the I/O workloads
  --report <file>    also write a self-contained HTML report with charts
  --json             print the results as JSON on stdout (progress stays on stderr)
  --verbose          print stack traces of errors
  -h, --help         this text                       -v, --version  weft's version

Exit codes: 0 success, 1 a run failed, 2 a usage mistake, 130 interrupted (Ctrl-C).`;

/** Flags every command accepts. */
export interface Common {
  json: boolean;
  verbose: boolean;
}

/** A parsed command line. */
export type Command =
  | ({ kind: 'help' } & Common)
  | ({ kind: 'version' } & Common)
  | ({
      kind: 'bench';
      mode: 'quick' | 'default' | 'full';
      module?: string;
      task?: string;
      args: unknown[];
      tasks?: number;
      levels?: number[];
      models: ModelName[];
      redis?: string;
      delay?: number;
      report?: string;
    } & Common)
  | ({ kind: 'advise'; module: string; task: string; args: unknown[]; verify: boolean } & Common)
  | ({ kind: 'race'; increments: number; workers: number; processes: boolean } & Common)
  | ({
      kind: 'worker';
      module: string;
      redis: string;
      queue: string;
      prefix?: string;
      concurrency?: number;
      model: 'thread' | 'process' | 'async';
      size?: number;
      lockDuration?: number;
      connectTimeout?: number;
    } & Common);

type Options = NonNullable<ParseArgsConfig['options']>;

const common: Options = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
};

const perCommand: Record<string, Options> = {
  bench: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    args: { type: 'string' },
    tasks: { type: 'string' },
    levels: { type: 'string' },
    models: { type: 'string' },
    redis: { type: 'string' },
    delay: { type: 'string' },
    report: { type: 'string' },
  },
  advise: { args: { type: 'string' }, verify: { type: 'boolean', default: false } },
  race: { increments: { type: 'string' }, workers: { type: 'string' }, processes: { type: 'boolean' } },
  worker: {
    redis: { type: 'string' }, queue: { type: 'string' }, prefix: { type: 'string' }, concurrency: { type: 'string' }, model: { type: 'string' },
    size: { type: 'string' }, 'lock-duration': { type: 'string' }, 'connect-timeout': { type: 'string' },
  },
};

/** Parses `--args`: one JSON value is one argument, a JSON array is the argument list. */
export function parseTaskArgs(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--args must be JSON (${(e as Error).message}): e.g. --args 30, --args '"text"' or --args '[30, "x"]'`);
  }
  return Array.isArray(value) ? value : [value];
}

function int(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
  return n;
}

function list(name: string, text: string): number[] {
  const values = text.split(',').map((part) => int(name, part.trim(), 1)!);
  return [...new Set(values)].sort((a, b) => a - b);
}

function models(text: string | undefined, redis: string | undefined): ModelName[] {
  if (text === undefined) return [...DEFAULT_MODELS];
  const names = text.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(MODEL_NAMES as readonly string[]).includes(n) || n === 'sequential') throw new UsageError(`unknown model '${n}' in --models: choose from async, thread, process, redis`);
  }
  if (names.includes('redis') && redis === undefined) throw new UsageError('--models redis needs --redis redis://host:6379: a running Redis server (weft starts its workers in this process)');
  return MODEL_NAMES.filter((m) => names.includes(m));
}

/** Parses `argv` (without node and the script) into a command, or throws a `UsageError`. */
export function parseCommand(argv: string[]): Command {
  const name = argv[0];
  const known = name !== undefined && Object.hasOwn(perCommand, name);
  if (name !== undefined && !name.startsWith('-') && !known) {
    throw new UsageError(`unknown command '${name}': use bench, advise, race or worker (weft --help lists them)`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: known ? argv.slice(1) : argv, options: { ...common, ...(known ? perCommand[name] : {}) }, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}${known ? ` (weft ${name} --help lists the options)` : ' (weft --help lists the options)'}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const pos = parsed.positionals;
  const base: Common = { json: v.json === true, verbose: v.verbose === true };
  if (v.help) return { kind: 'help', ...base };
  if (v.version) return { kind: 'version', ...base };
  if (!known) return { kind: 'help', ...base };
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (name === 'race') {
    if (pos.length > 0) throw new UsageError(`weft race takes no positional arguments, got '${pos[0]}'`);
    return {
      kind: 'race', ...base, increments: int('increments', str('increments'), 1) ?? 1_000_000, workers: int('workers', str('workers'), 1) ?? 2,
      processes: v.processes === true,
    };
  }
  if (name === 'worker') return workerCommand(pos, str, base);
  if (name === 'advise') {
    if (pos.length !== 2) throw new UsageError('weft advise needs a module and a task name: weft advise ./tasks.js fib --args 30');
    return { kind: 'advise', ...base, module: pos[0]!, task: pos[1]!, args: parseTaskArgs(str('args')), verify: v.verify === true };
  }
  if (v.quick && v.full) throw new UsageError('give --quick or --full, not both');
  if (pos.length === 1) throw new UsageError(`give the task name after the module: weft bench ${pos[0]} <task> [--args json]`);
  if (pos.length > 2) throw new UsageError(`weft bench takes a module and a task name, got ${pos.length} arguments: ${pos.join(' ')}`);
  if (pos.length === 0) {
    for (const flag of ['args', 'tasks', 'levels']) {
      if (str(flag) !== undefined) throw new UsageError(`--${flag} applies to your own task: weft bench ./tasks.js <task> --${flag} ...`);
    }
  }
  const levels = str('levels');
  return {
    kind: 'bench',
    ...base,
    mode: v.quick ? 'quick' : v.full ? 'full' : 'default',
    module: pos[0],
    task: pos[1],
    args: parseTaskArgs(str('args')),
    tasks: int('tasks', str('tasks'), 1),
    levels: levels === undefined ? undefined : list('levels', levels),
    models: models(str('models'), str('redis')),
    redis: str('redis'),
    delay: int('delay', str('delay'), 0),
    report: str('report'),
  };
}

const WORKER_MODELS = ['thread', 'process', 'async'] as const;

function workerCommand(pos: string[], str: (k: string) => string | undefined, base: Common): Command {
  if (pos.length !== 1) throw new UsageError('weft worker needs one task module: weft worker ./tasks.js --redis redis://127.0.0.1:6379 --queue jobs');
  const redis = str('redis');
  const queue = str('queue');
  if (redis === undefined || !/^rediss?:\/\//.test(redis)) throw new UsageError(`weft worker needs --redis redis://host:port (or rediss:// for TLS), got ${redis === undefined ? 'none' : `'${redis}'`}`);
  if (queue === undefined || queue === '' || queue.includes(':')) throw new UsageError("weft worker needs --queue <name> (the RedisPool's queue option, without ':')");
  const model = str('model') ?? 'thread';
  if (!(WORKER_MODELS as readonly string[]).includes(model)) throw new UsageError(`unknown --model '${model}': choose thread, process or async`);
  return {
    kind: 'worker', ...base, module: pos[0]!, redis, queue, prefix: str('prefix'), concurrency: int('concurrency', str('concurrency'), 1),
    model: model as (typeof WORKER_MODELS)[number], size: int('size', str('size'), 1), lockDuration: int('lock-duration', str('lock-duration'), 100),
    connectTimeout: int('connect-timeout', str('connect-timeout'), 1),
  };
}
