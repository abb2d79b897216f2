/** The loop that reads a producer's result list with a blocking pop while its calls are outstanding. */
import type { Link } from './connection.js';

/** Seconds one blocking pop waits before the loop looks again whether calls are outstanding. */
const BLOCK_SECONDS = 1;
/** Results taken per pop once one has arrived. */
const POP_MORE = 1000;

/** Reads `key` on its own connection and hands each record to `onRecord`. Internal. */
export class ResultReader {
  #reading = false;

  constructor(
    private readonly link: Link,
    private readonly key: string,
    private readonly wanted: () => boolean,
    private readonly onRecord: (record: Buffer) => void,
  ) {}

  /** Starts the loop unless it runs; it ends once nothing is wanted, or its connection is closed. */
  start(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#loop().finally(() => (this.#reading = false));
  }

  /** Ends the loop now (the blocking pop is cut short). */
  stop(): void {
    this.link.redis.disconnect();
  }

  async #loop(): Promise<void> {
    const { redis } = this.link;
    while (this.wanted()) {
      let records: Buffer[];
      try {
        const first = await redis.blpopBuffer(this.key, BLOCK_SECONDS);
        if (!first) continue;
        records = [first[1]];
        const more = await redis.lpopBuffer(this.key, POP_MORE);
        if (more) records.push(...more);
      } catch {
        if (redis.status === 'end') return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const record of records) this.onRecord(record);
    }
  }
}
