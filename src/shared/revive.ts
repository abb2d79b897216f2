/**
 * Turning posted copies back into primitives.
 *
 * Structured clone (postMessage, a pool's task arguments and results) keeps an object's own
 * enumerable fields, including a `SharedArrayBuffer` by reference, but drops its prototype.
 * Every weft shared object therefore carries a `__weft` tag next to its buffer; these functions
 * rebuild the class instance over the same memory from that tag.
 */
import { Lock } from './lock.js';
import { RLock } from './rlock.js';
import { Semaphore, BoundedSemaphore } from './semaphore.js';
import { Event } from './event.js';
import { Condition } from './condition.js';
import { Barrier } from './barrier.js';
import { SharedValue } from './value.js';
import { SharedArray } from './array.js';
import { SharedStruct } from './struct.js';
import { Channel } from './channel/channel.js';

const revivers: Record<string, (obj: unknown) => unknown> = {
  Lock: Lock.from,
  RLock: RLock.from,
  Semaphore: Semaphore.from,
  BoundedSemaphore: BoundedSemaphore.from,
  Event: Event.from,
  Condition: Condition.from,
  Barrier: (obj) => Barrier.from(obj),
  SharedValue: SharedValue.from,
  SharedArray: SharedArray.from,
  SharedStruct: SharedStruct.from,
  Channel: Channel.from,
};

/**
 * Returns the weft primitive a posted copy stands for, over the same shared memory; anything
 * else (primitives, untagged objects, already-revived instances) comes back unchanged. It only
 * looks at `value` itself, not inside it. A tagged object whose memory is wrong throws
 * `InvalidSharedObjectError`. Cheap enough to call on every task argument.
 *
 * @example
 * parentPort.on('message', (m) => { const lock = reviveShared(m.lock); });
 */
export function reviveShared<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const tag = (value as { __weft?: unknown }).__weft;
  if (typeof tag !== 'string') return value;
  const from = Object.hasOwn(revivers, tag) ? revivers[tag] : undefined;
  return from ? (from(value) as T) : value;
}

/** Revives each element of `args` in place (top level only) and returns the same array. */
export function reviveArgs(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (typeof v === 'object' && v !== null) args[i] = reviveShared(v);
  }
  return args;
}
