/** Job ids seen lately: a bounded set whose entries expire, for cancels that arrive before their job. */
export class Recent {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly max = 100_000,
  ) {}

  add(id: string): void {
    const now = Date.now();
    this.#seen.delete(id);
    this.#seen.set(id, now);
    for (const [key, at] of this.#seen) {
      if (this.#seen.size <= this.max && now - at < this.ttlMs) break;
      this.#seen.delete(key);
    }
  }

  has(id: string): boolean {
    const at = this.#seen.get(id);
    return at !== undefined && Date.now() - at < this.ttlMs;
  }
}
