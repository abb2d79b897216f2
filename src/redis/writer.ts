/**
 * The worker's side of a producer's result list: the records (results, begin notices, a
 * stream's values, progress) pushed in one turn of the event loop go to each list as one
 * command, a script that appends them all and, when it created the list, sets its lifetime (a
 * producer that died leaves nothing for long). One command for many records keeps both this
 * process and Redis out of each other's way when tiny tasks finish by the thousand; a lone
 * result goes at the end of the same turn, so it waits for nothing.
 */
import type { Redis } from 'ioredis';
import { RESULT_TTL_MS, type Keys } from './wire.js';

/** Most records in one command (a Lua script takes a bounded number of arguments). */
const MAX_RECORDS = 1000;

/** `RPUSH` the records, then `PEXPIRE` the list if this push created it; returns the list's length. */
const PUSH_SCRIPT = `local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
if n == #ARGV - 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** The connection, with the push script defined on it. */
interface PushingRedis extends Redis {
  weftPushResults(key: string, ttl: number, ...records: Buffer[]): Promise<number>;
}

/** Records waiting for the end of this turn, for one list, and the promise every push of them gets. */
interface Batch {
  records: Buffer[];
  stored: Promise<void>;
  settle(stored: Promise<unknown>): void;
}

/** Pushes records to producers' result lists, batched per turn of the event loop. Internal. */
export class ResultWriter {
  readonly #redis: PushingRedis;
  #batches = new Map<string, Batch>();
  #written: Promise<void> | undefined;
  #onWritten: (() => void) | undefined;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    if (!('weftPushResults' in redis)) redis.defineCommand('weftPushResults', { numberOfKeys: 1, lua: PUSH_SCRIPT });
    this.#redis = redis as PushingRedis;
  }

  /** Appends `record` to the lists of `producers`; resolves once Redis has stored it in every one. */
  push(producers: readonly string[], record: Buffer): Promise<unknown> {
    if (producers.length === 1) return this.#add(this.keys.results(producers[0]!), record);
    return Promise.all(producers.map((producer) => this.#add(this.keys.results(producer), record)));
  }

  /**
   * Resolves once the records pushed so far are written to the connection: a command sent on it
   * after that reaches Redis after them (BullMQ completes a job on the same connection).
   */
  written(): Promise<void> {
    return this.#written ?? Promise.resolve();
  }

  #add(key: string, record: Buffer): Promise<void> {
    let batch = this.#batches.get(key);
    if (!batch) {
      let settle!: (stored: Promise<unknown>) => void;
      const stored = new Promise<void>((resolve, reject) => (settle = (p) => p.then(() => resolve(), reject)));
      this.#batches.set(key, (batch = { records: [], stored, settle }));
    }
    if (!this.#written) {
      this.#written = new Promise((resolve) => (this.#onWritten = resolve));
      setImmediate(() => this.#flush());
    }
    batch.records.push(record);
    return batch.stored;
  }

  #flush(): void {
    const batches = this.#batches;
    const onWritten = this.#onWritten!;
    this.#batches = new Map();
    this.#written = this.#onWritten = undefined;
    for (const [key, { records, settle }] of batches) {
      const parts: Promise<number>[] = [];
      for (let i = 0; i < records.length; i += MAX_RECORDS) parts.push(this.#redis.weftPushResults(key, RESULT_TTL_MS, ...records.slice(i, i + MAX_RECORDS)));
      settle(parts.length === 1 ? parts[0]! : Promise.all(parts));
    }
    onWritten();
  }
}
