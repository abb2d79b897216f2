/** The loop that reads a producer's result list with a blocking pop while its calls are outstanding. */
import type { Link } from './connection.js';

/** Seconds one blocking pop waits before the loop looks again whether calls are outstanding. */
const BLOCK_SECONDS = 1;
/** Results taken per pop once one has arrived. */
const POP_MORE = 1000;

/** Reads `key` on its own connection and hands each record to `onRecord`. Internal. */
export class ResultReader {
  #reading = false;
  /** Whether the server has BLMPOP (Redis 7+); undefined until the first pop tells. */
  #blmpop: boolean | undefined;

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
        records = await this.#pop();
      } catch {
        if (redis.status === 'end') return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const record of records) this.onRecord(record);
    }
  }

  /** Waits up to a second for results; takes all that are there (up to POP_MORE) in one call on Redis 7 (BLMPOP), in two before. */
  async #pop(): Promise<Buffer[]> {
    const { redis } = this.link;
    if (this.#blmpop !== false) {
      try {
        const reply = (await redis.callBuffer('BLMPOP', [BLOCK_SECONDS, 1, this.key, 'LEFT', 'COUNT', POP_MORE])) as [Buffer, Buffer[]] | null;
        this.#blmpop = true;
        return reply ? reply[1] : [];
      } catch (error) {
        if (this.#blmpop === true || !/unknown command/i.test((error as Error)?.message ?? '')) throw error;
        this.#blmpop = false; // Redis 6: no BLMPOP
      }
    }
    const first = await redis.blpopBuffer(this.key, BLOCK_SECONDS);
    if (!first) return [];
    const more = await redis.lpopBuffer(this.key, POP_MORE);
    return more ? [first[1], ...more] : [first[1]];
  }
}
