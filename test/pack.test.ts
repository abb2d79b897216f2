// weft as someone else's dependency: packed with `npm pack`, installed from the tarball into a
// fresh project, with no compiler run there. ThreadPool works, and weft/shared primitives cross
// processes through the native addon the package ships (when it was built here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../src/shared/native.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('installed from its packed tarball, weft runs a ThreadPool, and shares a Lock between processes', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pack-'));
  try {
    const tarball = execFileSync(npm, ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: app, stdio: 'pipe' });
    writeFileSync(join(app, 'tasks.mjs'), 'export function inc(lock, value, n) { const v = value.view; for (let i = 0; i < n; i++) { lock.acquireSync(); v[0]++; lock.release(); } return n; }\nexport const double = (x) => 2 * x;\n');
    writeFileSync(
      join(app, 'main.mjs'),
      `import { ThreadPool, ProcessPool } from 'weft';
import { Lock, SharedValue } from 'weft/shared';
const tasks = new URL('./tasks.mjs', import.meta.url);
const threads = new ThreadPool(tasks, { size: 2 });
const doubled = await threads.run('double', 21);
await threads.close();
let total = null;
if (process.argv[2] === 'processes') {
  const pool = new ProcessPool(tasks, { size: 2 });
  const lock = new Lock(), value = new SharedValue('int32');
  await Promise.all([pool.run('inc', lock, value, 100000), pool.run('inc', lock, value, 100000)]);
  await pool.close();
  total = value.get();
}
console.log(JSON.stringify({ doubled, total }));
`,
    );
    const run = spawnSync(process.execPath, ['main.mjs', loadAddon() ? 'processes' : 'threads'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim()) as { doubled: number; total: number | null };
    assert.equal(out.doubled, 42);
    if (loadAddon()) assert.equal(out.total, 200_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
