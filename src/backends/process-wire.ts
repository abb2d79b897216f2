/**
 * The cheap road over a child's channel (`process-channel.ts`). A structured clone goes through a
 * `v8.Serializer` made for each message, and one holding any array costs microseconds more than
 * a string of the same values. So a small batch whose every value JSON carries exactly (finite numbers other
 * than -0, strings, booleans, null, plain arrays and plain objects of them) travels as a JSON string;
 * anything else, or anything large, keeps the structured clone. Both ends use these two functions.
 * Shared-memory primitives need a step of their own, since their buffers cannot cross a process:
 * see `portableTasks` and `portableResults`.
 */

import { toPortable } from '../shared/portable.js';
import { isTagged } from '../shared/tag.js';
import { FLAG_ONE_ARG, RESULT_STRIDE, TASK_STRIDE } from '../worker/protocol.js';

/** Values a message may hold to travel as JSON: past this, checking it costs more than it saves. */
const MAX_VALUES = 64;

/** The message as it goes on the channel: a JSON string when that carries it exactly, else itself. */
export function toWire(message: unknown[]): unknown[] | string {
  return fitsJson(message, { left: MAX_VALUES }) ? JSON.stringify(message) : message;
}

/** A message as the channel delivered it: JSON strings are parsed back; anything else is as sent. */
export function fromWire(message: unknown): unknown {
  return typeof message === 'string' ? JSON.parse(message) : message;
}

function fitsJson(value: unknown, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      const proto = Object.getPrototypeOf(value);
      if (proto === Array.prototype) {
        const array = value as unknown[];
        for (let i = 0; i < array.length; i++) if (!fitsJson(array[i], budget)) return false; // a hole reads undefined: refused
        return Object.keys(array).length === array.length; // named properties on an array: only the clone keeps them
      }
      if (proto !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key) || !fitsJson((value as Record<string, unknown>)[key], budget)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, bigint, symbol, function
  }
}

/**
 * A task batch ready for a child: weft/shared primitives among the arguments (top level, as
 * the worker revives them) become copies whose buffers are segment references (see
 * `src/shared/portable.ts`). The batch is copied only when it holds one.
 */
export function portableTasks(batch: unknown[]): unknown[] {
  let out = batch;
  for (let j = 0; j < batch.length; j += TASK_STRIDE) {
    const slot = batch[j + 3];
    const next = (batch[j + 1] as number) & FLAG_ONE_ARG ? toPortable(slot) : portableList(slot as unknown[]);
    if (next !== slot) (out === batch ? (out = batch.slice()) : out)[j + 3] = next;
  }
  return out;
}

/** A result batch ready for the parent: a primitive returned by a task travels as in {@link portableTasks}. */
export function portableResults(batch: unknown[]): unknown[] {
  let out = batch;
  for (let i = 2; i < batch.length; i += RESULT_STRIDE) {
    const next = toPortable(batch[i]);
    if (next !== batch[i]) (out === batch ? (out = batch.slice()) : out)[i] = next;
  }
  return out;
}

function portableList(args: unknown[]): unknown[] {
  return Array.isArray(args) && args.some(isTagged) ? args.map(toPortable) : args;
}
