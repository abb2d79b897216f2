/**
 * The small HTTP server the I/O workloads talk to: answers every request after a delay, on
 * 127.0.0.1 and a free port, so `weft bench` needs no network and no setup.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running delay server. */
export interface DelayServer {
  /** URL to request; each answer comes after the configured delay. */
  url: string;
  /** Stops the server and drops its open connections. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that answers each request with a small body after `delayMs`. */
export async function startDelayServer(delayMs: number): Promise<DelayServer> {
  const body = Buffer.alloc(256, 'w');
  const server: Server = createServer((_req, res) => {
    setTimeout(() => res.end(body), delayMs);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
