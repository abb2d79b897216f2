import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModuleLoadError } from '../worker/errors.js';
import type { ModuleLocation } from './types.js';

const TS = /\.[mc]?tsx?$/;

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
  return { url, tsx: needsTsx(url) ? tsxApi(url) : undefined };
}

/** True when workers must load TypeScript: the task module is .ts, or weft itself runs from its .ts sources. */
export function needsTsx(moduleUrl: string): boolean {
  return TS.test(moduleUrl) || TS.test(import.meta.url);
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
