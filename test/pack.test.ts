// weft as someone else's dependency: packed with `npm pack`, installed from the tarball into a
// fresh project, with no compiler run there. Checked there: ESM import, CommonJS require (and a
// CommonJS task module), TypeScript types under `module: node16`, `npx weft --help`, and
// weft/shared primitives crossing processes through the native addon the package ships, and
// weft/redis with a `npx weft worker` there (one copy of weft/worker: its taskSignal aborts).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../src/shared/native.js';
import { eventually } from './helpers.js';
import { RedisServer, skipRedis } from './redis/server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs `node args` in the app; returns its stdout's last line, parsed as JSON. */
function runIn(app: string, args: string[]): unknown {
  const run = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

describe('weft installed from its packed tarball into a fresh project', { timeout: 300_000 }, () => {
  let dir = '';
  let app = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-pack-'));
    const tarball = execFileSync(npm, ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: app, stdio: 'pipe' });
    writeFileSync(join(app, 'tasks.mjs'), 'export function inc(lock, value, n) { const v = value.view; for (let i = 0; i < n; i++) { lock.acquireSync(); v[0]++; lock.release(); } return n; }\nexport const double = (x) => 2 * x;\n');
    writeFileSync(join(app, 'tasks.cjs'), 'module.exports.fib = function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ESM: import a pool, run a task', () => {
    writeFileSync(
      join(app, 'esm.mjs'),
      "import { ThreadPool } from 'weft';\nconst pool = new ThreadPool(new URL('./tasks.mjs', import.meta.url), { size: 1 });\nconsole.log(JSON.stringify(await pool.run('double', 21)));\nawait pool.close();\n",
    );
    assert.equal(runIn(app, ['esm.mjs']), 42);
  });

  test('CommonJS: require weft and weft/shared; a CommonJS task module runs on threads and processes', () => {
    writeFileSync(
      join(app, 'cjs.cjs'),
      `const { ThreadPool, ProcessPool } = require('weft');
const { Lock } = require('weft/shared');
(async () => {
  const out = [typeof Lock];
  for (const Pool of [ThreadPool, ProcessPool]) {
    const pool = new Pool(require('node:path').join(__dirname, 'tasks.cjs'), { size: 1 });
    out.push(await pool.run('fib', 20));
    await pool.close();
  }
  console.log(JSON.stringify(out));
})();
`,
    );
    assert.deepEqual(runIn(app, ['cjs.cjs']), ['function', 6765, 6765]);
  });

  test('TypeScript (with @types/node, as a TS project has it): the types resolve under module node16, and a wrong task name is a type error', () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] }, files: ['check.mts'] }));
    writeFileSync(join(app, 'check.mts'), "import { ThreadPool, type PoolStats } from 'weft';\nimport { Lock } from 'weft/shared';\nconst pool = new ThreadPool(new URL('./tasks.mjs', import.meta.url));\nconst stats: PoolStats = pool.stats();\nconst lock: Lock = new Lock();\nvoid stats; void lock;\n");
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const ok = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    writeFileSync(join(app, 'check.mts'), "import { ThreadPool } from 'weft';\nconst pool = new ThreadPool<{ double(x: number): number }>(new URL('./tasks.mjs', import.meta.url));\nvoid pool.run('tripple', 1);\n");
    const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /tripple/);
  });

  test('npx weft --help', () => {
    const run = spawnSync(npm === 'npm' ? 'npx' : 'npx.cmd', ['--no-install', 'weft', '--help'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /weft bench/);
  });

  test('a Lock shared between two processes there (the shipped native addon)', { skip: loadAddon() ? false : 'the native addon is not built here' }, () => {
    writeFileSync(
      join(app, 'shared.mjs'),
      `import { ProcessPool } from 'weft';
import { Lock, SharedValue } from 'weft/shared';
const pool = new ProcessPool(new URL('./tasks.mjs', import.meta.url), { size: 2 });
const lock = new Lock(), value = new SharedValue('int32');
await Promise.all([pool.run('inc', lock, value, 100000), pool.run('inc', lock, value, 100000)]);
await pool.close();
console.log(JSON.stringify(value.get()));
`,
    );
    assert.equal(runIn(app, ['shared.mjs']), 200_000);
  });

  test('weft/redis there: a RedisPool runs a task on its `weft worker`, and cancelling a running call aborts its taskSignal', { skip: skipRedis }, async () => {
    const server = await RedisServer.start();
    writeFileSync(
      join(app, 'remote.mjs'),
      "import { writeFileSync } from 'node:fs';\nimport { taskSignal } from 'weft/worker';\nexport const double = (x) => 2 * x;\nexport function watch(path) { const signal = taskSignal(); return new Promise((resolve) => signal.addEventListener('abort', () => { writeFileSync(path, 'aborted'); resolve('aborted'); })); }\n",
    );
    const bin = join(app, 'node_modules', 'weft', 'dist', 'cli', 'main.js'); // what `npx weft` runs (npx itself would outlive a kill)
    const worker = spawn(process.execPath, [bin, 'worker', './remote.mjs', '--redis', server.url, '--queue', 'packed'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      worker.stdout!.on('data', (d: Buffer) => (out += d));
      await eventually(() => out.includes('ready'), 'the worker says ready', 60_000);
      const mark = join(app, 'aborted.txt');
      writeFileSync(
        join(app, 'producer.mjs'),
        `import { RedisPool } from 'weft/redis';
const pool = new RedisPool(new URL('./remote.mjs', import.meta.url), { connection: '${server.url}', queue: 'packed' });
const doubled = await pool.run('double', 21);
const watching = pool.submit('watch', [${JSON.stringify(mark)}], { signal: new AbortController().signal });
await new Promise((r) => setTimeout(r, 500));
watching.cancel();
const error = await watching.catch((e) => e.code);
await pool.close();
console.log(JSON.stringify([doubled, error]));
`,
      );
      assert.deepEqual(runIn(app, ['producer.mjs']), [42, 'ERR_WEFT_ABORTED']);
      await eventually(() => existsSync(mark), "the task's taskSignal aborted on the worker", 10_000);
    } finally {
      worker.kill('SIGKILL');
      await server.stop();
    }
  });
});
