/**
 * The shared executor contract (test/suites/backend.ts) run against RedisPool, with in-process
 * RedisWorkers on a redis-server of this file's own, as far as it applies to a remote pool.
 * (Streams and progress: test/redis/streams.test.ts.)
 */
import { after } from 'node:test';
import { backendSuite } from '../suites/backend.js';
import { redisPoolMaker } from './helpers.js';
import { RedisServer, skipRedis } from './server.js';

const server = skipRedis ? undefined : await RedisServer.start();
after(() => server?.stop());

if (server) backendSuite('RedisPool', redisPoolMaker(server.url), { isolated: true, remote: true });
