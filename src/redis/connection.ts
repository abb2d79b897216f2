/**
 * weft's own Redis connections: opened with the settings BullMQ needs, errors kept rather than
 * printed, and a bounded wait for readiness (BullMQ itself would wait forever).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InvalidOptionError } from '../errors.js';
import { RedisUnavailableError } from './errors.js';

/** Where Redis is: a `redis://` or `rediss://` URL (user, password, db in it), or ioredis options (host, port, username, password, tls…). */
export type RedisConnection = string | URL | RedisOptions;

/** A connection, the connections BullMQ duplicated from it (closed with it), and the last error it reported, for messages. */
export interface Link {
  readonly redis: Redis;
  readonly duplicates: Set<Redis>;
  lastError: Error | undefined;
}

/** Checks a `connection` option without opening anything. */
export function checkConnection(connection: unknown): asserts connection is RedisConnection {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) throw new InvalidOptionError(`connection must be a redis:// or rediss:// URL or ioredis options, got '${connection}'`);
    return;
  }
  if (connection instanceof URL) return checkConnection(connection.href);
  if (connection === null || typeof connection !== 'object') {
    throw new InvalidOptionError(`connection is required: a redis:// URL or ioredis options (host, port, password, tls…), got ${String(connection)}`);
  }
}

/** Opens a connection (it connects in the background, and reconnects after a loss). */
export function openLink(connection: RedisConnection, name: string): Link {
  // BullMQ's workers need commands that wait through a reconnection rather than fail.
  const ours = { maxRetriesPerRequest: null, connectionName: name };
  const redis = typeof connection === 'object' && !(connection instanceof URL) ? new Redis({ ...connection, ...ours }) : new Redis(String(connection), ours);
  const link: Link = { redis, duplicates: new Set(), lastError: undefined };
  redis.on('error', (error: Error) => {
    link.lastError = error;
  });
  // BullMQ duplicates a connection it is given for its blocking commands: keep hold of those, so
  // closing the link closes them even when BullMQ's own close cannot finish (Redis restarted under it).
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (...args: Parameters<Redis['duplicate']>): Redis => {
    const copy = duplicate(...args);
    copy.on('error', () => {});
    link.duplicates.add(copy);
    copy.once('end', () => link.duplicates.delete(copy));
    return copy;
  };
  return link;
}

/** Describes where a connection points, without its password. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === 'object' && !(connection instanceof URL)) return `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
  const url = new URL(String(connection));
  url.password = '';
  url.username = '';
  return url.href.replace(/\/$/, '');
}

/** Resolves once `link` is ready; rejects with `RedisUnavailableError` after `timeout` ms. */
export function whenReady(link: Link, timeout: number, where: string): Promise<void> {
  const { redis } = link;
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      const why = link.lastError ? ` (${link.lastError.message})` : '';
      reject(new RedisUnavailableError(`Redis at ${where} is not reachable after ${timeout} ms${why}: start redis-server, check the connection URL, password and TLS options, or raise connectTimeout`, { cause: link.lastError }));
    }, timeout);
    redis.on('ready', onReady);
  });
}

/** Closes a connection (and its duplicates): politely when it is up, at once otherwise. */
export async function closeLink(link: Link): Promise<void> {
  const { redis } = link;
  for (const copy of link.duplicates) {
    copy.options.retryStrategy = () => null; // a copy BullMQ would reconnect stays closed
    copy.disconnect();
  }
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to disconnect
    }
  }
  redis.disconnect();
}
