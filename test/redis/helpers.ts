/** Shared set-up of the RedisPool tests: a server per file, in-process workers, real `weft worker` processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Pool, PoolOptions } from '../../src/index.js';
import { RedisPool, RedisWorker } from '../../src/redis/index.js';

export type RedisTasks = typeof import('../fixtures/redis-tasks.js');
export const redisTasks = new URL('../fixtures/redis-tasks.ts', import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let queues = 0;
/** A queue name no other test of this process uses. */
export function freshQueue(label: string): string {
  return `${label}-${process.pid}-${++queues}`;
}

/** Lines of a mark file (none when it does not exist). */
export function marks(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/** A `weft worker` child process (from the sources, under tsx), resolved once it printed 'ready'. */
export async function startWorkerProcess(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('ready')) resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`weft worker exited with ${code} before it was ready: ${out}`)));
  });
  return { child, output: () => out };
}

/** Waits for a child to exit; resolves to its exit code (or signal). */
export function exited(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

/**
 * Makes RedisPools on the Redis at `url` as the contract suites make local pools: each with a
 * worker of its own on a fresh queue, sized and configured as a local pool would be; closing
 * the pool closes the worker.
 */
export function redisPoolMaker(url: string) {
  return function makeRedisPool<M>(module: URL | string, options: PoolOptions = {}): Pool<M> {
    const queue = freshQueue('contract');
    const { size, maxQueue, ...rest } = options;
    const worker = new RedisWorker(module, { connection: url, queue, size: size ?? (rest.maxSize === undefined ? 2 : undefined), pool: rest });
    let pool: RedisPool<M>;
    try {
      pool = new RedisPool<M>(module, { connection: url, queue, maxQueue });
    } catch (error) {
      void worker.close();
      throw error;
    }
    const close = pool.close.bind(pool);
    const terminate = pool.terminate.bind(pool);
    pool.close = (o) => close(o).finally(() => worker.close());
    pool.terminate = () => terminate().finally(() => worker.terminate());
    return pool as unknown as Pool<M>;
  };
}
