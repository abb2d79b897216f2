/**
 * A real redis-server for the tests, on a free loopback port, without persistence. Where
 * redis-server is missing outside CI, the Redis tests skip with one line saying how to enable
 * them; under `CI=true` (`.ci/system-deps` installs Debian's redis-server) they fail instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const found = spawnSync('redis-server', ['--version']).status === 0;

/** Why the Redis tests skip, or undefined when they must run. */
export const skipRedis: string | undefined =
  found || process.env.CI === 'true' ? undefined : 'redis-server is not installed: `apt-get install redis-server` (or put it on PATH) to run the RedisPool tests';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running redis-server the test owns. */
export class RedisServer {
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port (or on `port`). */
  static async start(port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()));
    await server.#launch();
    return server;
  }

  async #launch(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
      child.once('error', reject);
    });
    child.stdout!.resume();
  }

  /** Stops the server (SIGKILL: nothing is saved). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and starts a fresh one on the same port: every key is gone. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }
}
