/**
 * The cheap road over a child's IPC channel. With advanced serialization, Node serializes each
 * message through a `v8.Serializer`, and a message holding any array costs microseconds more
 * than one holding a bare string: on a one-task round trip that is most of what weft adds to
 * `process.send`. So a small batch whose every value JSON carries exactly (finite numbers other
 * than -0, strings, booleans, null, plain arrays and plain objects of them) travels as a JSON string;
 * anything else, or anything large, keeps the structured clone. Both ends use these two functions.
 */

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
