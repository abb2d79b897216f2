import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModuleLoadError } from '../worker/errors.js';
import type { ModuleLocation } from './types.js';

const TS = /\.[mc]?tsx?$/;
/** What Node's own type stripping loads: `.ts`, `.mts`, `.cts` (not `.tsx`). */
const STRIPPABLE = /\.[mc]?ts$/;

/** A task module located and checked, with the tsx API to register in workers when it (or weft itself) is TypeScript. */
export interface ResolvedModule {
  url: string;
  tsx: string | undefined;
}

/**
 * Turns a task module location (file URL, URL string, absolute or cwd-relative path) into a
 * file URL, checking it exists, so a wrong path fails at pool construction with the path named.
 */
export function resolveTaskModule(location: ModuleLocation): ResolvedModule {
  let url: string;
  if (location instanceof URL) url = location.href;
  else if (typeof location === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) url = location;
  else if (typeof location === 'string' && location.length > 0) url = pathToFileURL(isAbsolute(location) ? location : resolve(location)).href;
  else throw new ModuleLoadError(`the task module must be a file URL or a path, got ${String(location)}`);
  if (url.startsWith('file:')) {
    const path = fileURLToPath(url);
    if (!existsSync(path)) {
      throw new ModuleLoadError(
        `task module not found: ${path}; pass new URL('./tasks.js', import.meta.url) or an absolute path (relative paths resolve from the current directory, ${process.cwd()})`,
      );
    }
  }
  return { url, tsx: typeScriptLoader(currentLoaderFacts(url)) === 'tsx' ? tsxApi(url) : undefined };
}

/** How workers load a task module: as JavaScript, with Node's own type stripping, or through tsx. */
export type TypeScriptLoader = 'none' | 'node' | 'tsx';

/** What {@link typeScriptLoader} decides from. */
export interface LoaderFacts {
  /** The task module's URL. */
  moduleUrl: string;
  /** The URL of weft's own code (`.ts` when weft runs from its sources). */
  weftUrl: string;
  /** `process.features.typescript`: `'strip'` or `'transform'` where Node strips types itself (22.18+, 23.6+, or with `--experimental-strip-types`), else false or absent. */
  nodeTypeScript: string | boolean | undefined;
  /** The parent's Node flags (`process.execArgv`). */
  execArgv: readonly string[];
}

/**
 * How workers load the task module. Node's own type stripping comes first where it is on, so
 * TypeScript tasks need no tsx there; tsx stays for weft's own `.ts` sources (whose imports
 * name `.js` files), for `.tsx`, for modules under `node_modules` (which Node does not strip),
 * and for a program that itself runs under tsx, whose task modules may lean on what only tsx
 * does (`./util.js` naming `util.ts`, enums).
 */
export function typeScriptLoader(facts: LoaderFacts): TypeScriptLoader {
  if (TS.test(facts.weftUrl)) return 'tsx';
  if (!TS.test(facts.moduleUrl)) return 'none';
  const strippable = STRIPPABLE.test(facts.moduleUrl) && !/[\\/]node_modules[\\/]/.test(facts.moduleUrl);
  return facts.nodeTypeScript && strippable && !runsUnderTsx(facts.execArgv) ? 'node' : 'tsx';
}

/** This process's facts for {@link typeScriptLoader}. */
function currentLoaderFacts(moduleUrl: string): LoaderFacts {
  const features = process.features as { typescript?: string | boolean };
  return { moduleUrl, weftUrl: import.meta.url, nodeTypeScript: features.typescript, execArgv: process.execArgv };
}

/** True when the flags load tsx (`tsx main.ts`, `node --import tsx`, `--loader tsx`). */
function runsUnderTsx(execArgv: readonly string[]): boolean {
  return execArgv.some((flag) => /(^|[=/\\])tsx([/\\]|$)/.test(flag));
}

/** The file URL of tsx's ESM API, looked up from weft, then from the current directory. */
export function tsxApi(moduleUrl: string): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // not reachable from weft's folder: try the current directory
  }
  try {
    // require's resolution picks the CommonJS build; its ESM twin sits beside it
    const cjs = createRequire(resolve('package.json')).resolve('tsx/esm/api');
    const esm = cjs.replace(/\.cjs$/, '.mjs');
    if (existsSync(esm)) return pathToFileURL(esm).href;
  } catch {
    // not installed
  }
  throw new ModuleLoadError(
    `the task module ${moduleUrl} is TypeScript, and loading it in a worker needs tsx: run \`npm install -D tsx\` and start your program with \`tsx\` or \`node --import tsx\``,
  );
}
