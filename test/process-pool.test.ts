import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessPool, ResourceLimitError, TaskTimeoutError, WorkerExitedError } from '../src/index.js';
import { backendSuite, tasksUrl, type Tasks } from './suites/backend.js';
import { semanticsSuite } from './suites/semantics.js';
import { finalizerSuite } from './suites/finalizer.js';
import { streamSuite } from './suites/streams.js';
import { eventually, rejectsWith } from './helpers.js';

type ProcTasks = typeof import('./fixtures/process/tasks.js');
const procUrl = new URL('./fixtures/process/tasks.ts', import.meta.url);

backendSuite('ProcessPool', (module, options) => new ProcessPool(module, options), { isolated: true });
semanticsSuite('ProcessPool', (module, options) => new ProcessPool(module, options), { isolated: true });
finalizerSuite('ProcessPool', (module, options) => new ProcessPool(module, options), { isolated: true });
streamSuite('ProcessPool', (module, options) => new ProcessPool(module, options), { isolated: true });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessPool: crashes stay inside their child', () => {
  test('process.abort() fails its task with SIGABRT; the tasks behind it complete', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1 });
    try {
      const aborting = pool.run('aborts');
      const behind = Array.from({ length: 20 }, (_, i) => pool.run('square', i));
      const error = await rejectsWith(aborting, WorkerExitedError, 'ERR_WEFT_WORKER_EXITED', /aborts.*SIGABRT/);
      assert.equal(error.signal, 'SIGABRT');
      assert.deepEqual(await Promise.all(behind), Array.from({ length: 20 }, (_, i) => i * i));
    } finally {
      await pool.close();
    }
  });

  test('a child killed with SIGKILL mid-task fails that task with the signal; the pool forks a replacement', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1 });
    try {
      const victim = await pool.run('pid');
      const running = pool.run('busy', 1, 10_000);
      await new Promise((r) => setTimeout(r, 100));
      process.kill(victim, 'SIGKILL');
      const error = await rejectsWith(running, WorkerExitedError, 'ERR_WEFT_WORKER_EXITED', /SIGKILL/);
      assert.equal(error.signal, 'SIGKILL');
      assert.equal(error.exitCode, null);
      assert.notEqual(await pool.run('pid'), victim);
    } finally {
      await pool.close();
    }
  });

  test('exceeding maxOldSpaceSize is a ResourceLimitError; the pool recovers', async () => {
    const pool = new ProcessPool<Tasks>(tasksUrl, { size: 1, maxOldSpaceSize: 32 });
    try {
      await rejectsWith(pool.run('allocate'), ResourceLimitError, 'ERR_WEFT_RESOURCE_LIMIT');
      assert.equal(await pool.run('add', 2, 3), 5);
    } finally {
      await pool.close();
    }
  });

  test('with retries, a task whose child died is re-run', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1, retries: 1 });
    try {
      const victim = await pool.run('pid');
      const running = pool.run('busy', 7, 400);
      await new Promise((r) => setTimeout(r, 100));
      process.kill(victim, 'SIGKILL');
      assert.equal(await running, 7);
    } finally {
      await pool.close();
    }
  });

  test('fault injection: children killed at random during 10,000 tasks; every task settles once, right or WorkerExitedError', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 2 });
    try {
      const settled = new Int32Array(10_000);
      let ok = 0;
      let exited = 0;
      const runs = Array.from({ length: 10_000 }, (_, i) =>
        pool.run('square', i).then(
          (v) => {
            assert.equal(v, i * i);
            settled[i]!++;
            ok++;
          },
          (e: unknown) => {
            assert.ok(e instanceof WorkerExitedError, String(e));
            assert.equal(e.signal, 'SIGKILL');
            settled[i]!++;
            exited++;
          },
        ),
      );
      let kills = 0;
      const killer = setInterval(() => {
        const pids = pool.pids;
        const pid = pids[Math.floor(Math.random() * pids.length)];
        if (pid !== undefined && kills < 8) {
          kills++;
          process.kill(pid, 'SIGKILL');
        }
      }, 150);
      await Promise.all(runs);
      clearInterval(killer);
      assert.ok(settled.every((n) => n === 1), 'every task settled exactly once');
      assert.equal(ok + exited, 10_000);
      assert.ok(exited <= kills, `${exited} failures for ${kills} kills`);
      assert.equal(await pool.run('square', 3), 9);
    } finally {
      await pool.close();
    }
  });
});

describe('ProcessPool: hangs and shutdown', () => {
  test('a timed-out task kills and replaces its child', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1, cancelGrace: 0 });
    try {
      const before = await pool.run('pid');
      await rejectsWith(pool.submit('busy', [1, 10_000], { timeout: 100 }), TaskTimeoutError, 'ERR_WEFT_TASK_TIMEOUT');
      await eventually(() => !alive(before), 'the stuck child is gone');
      assert.notEqual(await pool.run('pid'), before);
    } finally {
      await pool.close();
    }
  });

  test('terminate() SIGKILLs children that ignore SIGTERM after killGrace', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1, killGrace: 200 });
    const pid = await pool.run('pid');
    const stubborn = pool.run('ignoresSigterm').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await pool.terminate();
    assert.equal(alive(pid), false);
    assert.equal(((await stubborn) as { code?: string }).code, 'ERR_WEFT_POOL_TERMINATED');
  });

  test('children exit on their own when the parent is SIGKILLed (no orphans)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/process/orphan-parent.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes(']'), 'the parent printed its children', 30_000);
    const pids = JSON.parse(out) as number[];
    assert.ok(pids.length >= 2 && pids.every(alive));
    parent.kill('SIGKILL');
    await eventually(() => !pids.some(alive), 'every child exited', 10_000);
  });

  test('an idle pool that was never closed does not keep the process alive', () => {
    const script = `
      import { ProcessPool } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
      const pool = new ProcessPool(${JSON.stringify(fileURLToPath(procUrl))}, { size: 2 });
      console.log(await pool.run('square', 4));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.stdout, '16\n', r.stderr);
    assert.equal(r.status, 0);
  });
});

describe('ProcessPool: children', () => {
  test('Map, Set, Date, typed arrays, BigInt and nested errors cross intact', async () => {
    const pool = new ProcessPool<Tasks>(tasksUrl, { size: 1 });
    try {
      const value = { m: new Map([[1n, new Set(['a'])]]), d: new Date(5), u: new Uint16Array([1, 2]), e: new RangeError('r') };
      const back = (await pool.run('echo', value)) as typeof value;
      assert.deepEqual(back.m, value.m);
      assert.equal(back.d.getTime(), 5);
      assert.deepEqual(back.u, value.u);
      assert.ok(back.e instanceof RangeError);
    } finally {
      await pool.close();
    }
  });

  test('maxTasksPerWorker recycles children', async () => {
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1, maxTasksPerWorker: 2 });
    try {
      const pids = new Set<number>();
      for (let i = 0; i < 6; i++) pids.add(await pool.run('pid'));
      assert.ok(pids.size >= 3, `saw ${pids.size} children`);
    } finally {
      await pool.close();
    }
  });

  test('env is inherited and extended by default; inheritEnv: false gives a clean one; cwd and execArgv apply', async () => {
    process.env.WEFT_PARENT_ONLY = 'parent';
    const dir = mkdtempSync(join(tmpdir(), 'weft-cwd-'));
    const a = new ProcessPool<ProcTasks>(procUrl, { size: 1, env: { WEFT_EXTRA: 'extra' }, cwd: dir, execArgv: ['--stack-size=2000'] });
    const b = new ProcessPool<ProcTasks>(procUrl, { size: 1, env: { WEFT_EXTRA: 'only' }, inheritEnv: false });
    try {
      assert.equal(await a.run('env', 'WEFT_PARENT_ONLY'), 'parent');
      assert.equal(await a.run('env', 'WEFT_EXTRA'), 'extra');
      assert.equal(await a.run('cwd'), dir);
      assert.ok((await a.run('execArgv')).includes('--stack-size=2000'));
      assert.equal(await b.run('env', 'WEFT_PARENT_ONLY'), undefined);
      assert.equal(await b.run('env', 'WEFT_EXTRA'), 'only');
    } finally {
      await Promise.all([a.close(), b.close()]);
      rmSync(dir, { recursive: true, force: true });
      delete process.env.WEFT_PARENT_ONLY;
    }
  });

  test('a sandboxed task reading outside its allowance gets ERR_ACCESS_DENIED; the pool stays healthy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-sandbox-'));
    const allowed = join(dir, 'allowed.txt');
    const secret = join(tmpdir(), `weft-secret-${process.pid}.txt`);
    writeFileSync(allowed, 'fine');
    writeFileSync(secret, 'secret');
    const pool = new ProcessPool<ProcTasks>(procUrl, { size: 1, sandbox: { allowFsRead: [dir] } });
    try {
      assert.equal(await pool.run('readsFile', allowed), 'fine');
      const error = await rejectsWith(pool.run('readsFile', secret), Error, 'ERR_ACCESS_DENIED');
      assert.match(error.message, /restricted/);
      assert.equal(await pool.run('square', 5), 25);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(secret, { force: true });
    }
  });
});
