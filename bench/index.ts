// Runs weft's benchmarks one after another (never two at once: on a small machine they would
// measure each other), each in its own process, weft as built in dist/:
//
//   npm run build && npm run bench [-- thread-pool round-trip ...]
//
// With no names it runs them all: thread-pool, process-pool, round-trip, async, shared, processes-shared, stream, redis.
// Arguments after a `--` are passed to every benchmark (e.g. `-- -- --quick`).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['thread-pool', 'process-pool', 'round-trip', 'async', 'shared', 'processes-shared', 'stream', 'redis'];
const split = process.argv.indexOf('--');
const names = (split < 0 ? process.argv.slice(2) : process.argv.slice(2, split)).filter(Boolean);
const passed = split < 0 ? [] : process.argv.slice(split + 1);
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}: choose among ${ALL.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of names.length > 0 ? names : ALL) {
  console.log(`\n### bench/${name}.ts\n`);
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...passed], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`bench/${name}.ts exited with ${run.signal ?? run.status}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
