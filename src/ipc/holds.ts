/** What counts the copies of the pipe ends using a queue (the queue's state in its broker). */
export interface Holder {
  hold(readers: number, writers: number): void;
}

/** The queues a pipe end reads from and writes to, by id in their broker. */
export interface EndIds {
  inbox?: string | undefined;
  outbox?: string | undefined;
}

/**
 * How many copies of each pipe end are alive, kept by the broker that holds the pipe's
 * queues, the way an OS counts a pipe's file descriptors. A copy counts from the moment it is
 * posted: reading a posted end's `token` (structured clone does, while it copies the end)
 * reserves a hold for the copy, which the copy takes over when it is revived; so closing the
 * sender's own copy right after posting (as Python's `test_spawn_close` does) never closes the
 * pipe under the receiver. The two messages may arrive in either order. Internal.
 */
export class Holds {
  /** Reserved for copies in flight, not yet revived. */
  readonly #reserved = new Set<string>();
  /** Revived before their reservation arrived (over another connection). */
  readonly #early = new Set<string>();

  constructor(readonly queues: Map<string, Holder>) {}

  /** One more (`delta` 1) or one less (-1) copy of the end. */
  change(end: EndIds, delta: number): void {
    if (end.inbox !== undefined) this.queues.get(end.inbox)?.hold(delta, 0);
    if (end.outbox !== undefined) this.queues.get(end.outbox)?.hold(0, delta);
  }

  /** A copy of the end is on its way (its `token` was read). */
  reserve(end: EndIds, token: string): void {
    if (this.#early.delete(token)) return;
    this.#reserved.add(token);
    this.change(end, 1);
  }

  /** A copy was revived: it takes over its reservation, or counts itself when there is none (yet). */
  adopt(end: EndIds, token: string | undefined): void {
    if (token !== undefined && this.#reserved.delete(token)) return;
    if (token !== undefined) this.#early.add(token);
    this.change(end, 1);
  }
}

/** The key of an end in per-connection bookkeeping. */
export function endKey(end: EndIds): string {
  return `${end.inbox ?? ''}>${end.outbox ?? ''}`;
}
