// The house rules of ARCHITECTURE.md, checked on every file of src/: every import points down
// the layers, no file imports itself back through others, and no file outgrows one sitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/**
 * Top to bottom; a file may import its own folder and any folder below it. `ground` is src/*.ts.
 * The command line stands above index.ts: it is a user of the public entry points.
 */
const LAYERS = ['cli', 'index', 'redis', 'async', 'backends', 'ipc', 'executor', 'worker', 'shared', 'ground'];
/** What the command line may import: the public entry points, and the tsx lookup it shares with the pools. */
const CLI_MAY_IMPORT = ['index.ts', 'redis/index.ts', 'async/index.ts', 'shared/index.ts', 'worker/context.ts', 'executor/module.ts'];
const MAX_LINES = 450;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [relative(SRC, p)] : [];
  });
}

function layerOf(file: string): string {
  if (file === 'index.ts') return 'index';
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : 'ground';
}

/** Relative imports of a file (static, re-exports and dynamic), as paths from src/. */
function importsOf(file: string): string[] {
  // Code only: TSDoc examples (` * const x = import('./tasks.js')`) are not imports.
  const text = readFileSync(join(SRC, file), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
    .join('\n');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(SRC, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const all = files(SRC).sort();
const graph = new Map(all.map((f) => [f, importsOf(f)]));

test('every import in src/ points at a file that exists', () => {
  const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
  assert.deepEqual(missing, []);
});

test('every import in src/ points down the layers (or within its own folder)', () => {
  const up: string[] = [];
  for (const [file, deps] of graph) {
    const from = LAYERS.indexOf(layerOf(file));
    for (const dep of deps) if (LAYERS.indexOf(layerOf(dep)) < from) up.push(`${file} -> ${dep}`);
  }
  assert.deepEqual(up, []);
});

test('the command line imports only public entry points', () => {
  const inner = [...graph]
    .filter(([f]) => layerOf(f) === 'cli')
    .flatMap(([f, deps]) => deps.filter((d) => layerOf(d) !== 'cli' && !CLI_MAY_IMPORT.includes(d)).map((d) => `${f} -> ${d}`));
  assert.deepEqual(inner, []);
});

test('no file in src/ imports itself back through others', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of all) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test(`no file in src/ is longer than ${MAX_LINES} lines`, () => {
  const long = all
    .map((f) => [f, readFileSync(join(SRC, f), 'utf8').trimEnd().split('\n').length] as const)
    .filter(([, n]) => n > MAX_LINES)
    .map(([f, n]) => `${f}: ${n}`);
  assert.deepEqual(long, []);
});
