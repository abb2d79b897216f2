// Builds weft's native addon (native/shm.cc: process-shared memory and a cross-process futex)
// with node-gyp, and copies it into dist/native/ under a name that says which platform and
// Node ABI it fits, so a packed weft ships it and needs no compiler where it is installed.
//
// Never fails the install: without a compiler (or on a platform other than Linux) it prints
// one line saying what is lost and how to get it, and weft runs with thread-only shared memory.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'native', `weft_shm-${process.platform}-${process.arch}-abi${process.versions.modules}.node`);

function warn(why) {
  console.warn(`weft: the native addon was not built (${why}); everything works, but weft/shared primitives cannot cross processes. To get it: install python3, make and g++, then run \`node scripts/build-native.mjs\` in weft's folder.`);
}

/** node-gyp: the one npm runs scripts with, else npm's own copy, else one on PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return [process.execPath, process.env.npm_config_node_gyp];
  const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(npmCli)) return [process.execPath, npmCli];
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

if (process.platform !== 'linux') {
  warn(`${process.platform} is not supported yet: only Linux`);
  process.exit(0);
}
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--release'];
// Build against the running Node's headers when they are installed beside it (no download).
const headers = join(dirname(process.execPath), '..', 'include', 'node', 'node.h');
if (!process.env.npm_config_nodedir && existsSync(headers)) args.push(`--nodedir=${join(dirname(process.execPath), '..')}`);
// native/binding.gyp, not one at the package root: npm would run node-gyp itself at every install, and fail without a compiler.
const run = spawnSync(cmd, args, { cwd: join(root, 'native'), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
const built = join(root, 'native', 'build', 'Release', 'weft_shm.node');
if (run.status !== 0 || !existsSync(built)) {
  const last = (run.stderr ?? String(run.error ?? '')).trim().split('\n').filter((l) => /error/i.test(l)).slice(-1)[0] ?? 'node-gyp failed';
  warn(last.trim());
  process.exit(0);
}
mkdirSync(dirname(target), { recursive: true });
// Copy, then rename over the old file: a running process that loaded it keeps its own inode
// (overwriting a loaded shared object in place crashes that process).
copyFileSync(built, `${target}.tmp`);
renameSync(`${target}.tmp`, target);
