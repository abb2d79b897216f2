import { it } from 'node:test';
import assert from 'node:assert/strict';
import { alive, collect, commandName, descendants, startCli } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

it('Ctrl-C (SIGINT) during a bench stops every worker process, exits 130 and leaves no orphan', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const child = startCli(['bench', '--models', 'process,thread']);
  const done = collect(child, 90_000);
  const pid = child.pid!;
  let workers: number[] = [];
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    workers = descendants(pid);
    if (workers.some((w) => commandName(w) === 'node')) break;
  }
  assert.ok(workers.some((w) => commandName(w) === 'node'), 'the bench started ProcessPool workers (node child processes)');
  await sleep(200);
  workers = descendants(pid);
  child.kill('SIGINT');
  const run = await done;
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /^weft: interrupted: stopping every worker$/m);
  for (const deadline = Date.now() + 5000; workers.some(alive) && Date.now() < deadline; ) await sleep(50);
  assert.deepEqual(workers.filter(alive), [], 'no worker process outlives weft');
});
