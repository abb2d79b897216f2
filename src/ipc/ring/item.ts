/**
 * An item on its way into a shared-memory queue, encoded once by its producer as a ring record
 * (src/shared/channel/stage.ts: numbers as they are, plain bytes, JSON-like values in the compact
 * form, anything else through `v8.serialize`), so that it arrives as structured clone would
 * deliver it. An item too large for the ring becomes a parcel: its `v8.serialize` bytes, held by
 * the queue's creator, while the ring carries a small record naming it. Internal.
 */
import { serialize } from 'node:v8';
import { recordSize, NUMBER } from '../../shared/channel/ring.js';
import { detach, stage, type Staged } from '../../shared/channel/stage.js';
import { cloneError } from '../errors.js';
import { PARCEL } from './layout.js';

/** Records above this share of the ring travel as parcels (a record that fills the ring would stall it). */
const PARCEL_ABOVE = 4;

/**
 * Stages `item` (valid until the next staging on this thread: `detach` it before waiting).
 * Kind `PARCEL` when it is too large for a ring of `capacity` bytes. Throws `DataCloneError`.
 */
export function stageItem(item: unknown, capacity: number): Staged {
  let s: Staged;
  try {
    s = stage(item, Infinity);
  } catch (error) {
    throw cloneError((error as Error).cause ?? error);
  }
  if (s.kind === NUMBER || recordSize(s.len) <= capacity / PARCEL_ABOVE) return s;
  const bytes = serialize(item); // it serialized above, through one form or the other
  return { kind: PARCEL, num: 0, bytes, len: bytes.byteLength, words: null };
}

/** A private copy of a staged item, for an item that waits (see `detach`). */
export function own(s: Staged): Staged {
  return s.kind === PARCEL ? s : detach(s);
}

/** What a remote producer sends its queue's creator for an item: [kind, number or bytes]. */
export function wireOf(s: Staged): [number, number | Uint8Array] {
  return [s.kind, s.kind === NUMBER ? s.num : s.bytes.subarray(0, s.len)];
}

/** The staged item a creator received as {@link wireOf}. */
export function fromWire(kind: number, payload: number | Uint8Array): Staged {
  if (typeof payload === 'number') return { kind, num: payload, bytes: new Uint8Array(0), len: 0, words: null };
  return { kind, num: 0, bytes: payload, len: payload.byteLength, words: null };
}
