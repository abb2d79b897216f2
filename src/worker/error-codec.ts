import { ThrownValueError, remoteErrorClasses } from './errors.js';

/** What a thrown value becomes on the wire: an Error's parts, or the raw thrown value. */
export type EncodedThrow =
  | { readonly kind: 'error'; name: string; message: string; stack?: string; code?: unknown; cause?: EncodedThrow; errors?: EncodedThrow[]; props?: Record<string, unknown> }
  | { readonly kind: 'value'; value: unknown };

const builtins: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};
const skipped = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors']);

/** Turns anything a task threw into a structured-cloneable record that keeps name, message, stack, code and cause. */
export function encodeThrow(thrown: unknown, depth = 0): EncodedThrow {
  if (!(thrown instanceof Error)) return { kind: 'value', value: cloneable(thrown) };
  const e = thrown as Error & { code?: unknown; errors?: unknown };
  const out: EncodedThrow = { kind: 'error', name: e.name, message: e.message, stack: e.stack };
  if (e.code !== undefined) out.code = cloneable(e.code);
  if (e.cause !== undefined && depth < 8) out.cause = encodeThrow(e.cause, depth + 1);
  if (Array.isArray(e.errors) && depth < 8) out.errors = e.errors.map((x) => encodeThrow(x, depth + 1));
  for (const key of Object.keys(e)) {
    if (skipped.has(key)) continue;
    const value = (e as unknown as Record<string, unknown>)[key];
    if (isPrimitive(value)) (out.props ??= {})[key] = value;
  }
  return out;
}

/** Rebuilds a thrown value on the caller's side; non-Error throws become a {@link ThrownValueError}. */
export function decodeThrow(encoded: EncodedThrow, task: string, depth = 0): Error {
  if (encoded.kind === 'value') return new ThrownValueError(task, encoded.value);
  return decodeError(encoded, task, depth);
}

function decodeError(encoded: Extract<EncodedThrow, { kind: 'error' }>, task: string, depth: number): Error {
  const cause = encoded.cause === undefined ? undefined : decodeCause(encoded.cause, task, depth);
  const options = cause === undefined ? undefined : { cause };
  const Weft = remoteErrorClasses[encoded.name];
  let error: Error;
  if (Weft) error = new Weft(encoded.message);
  else if (encoded.errors) {
    error = new AggregateError(encoded.errors.map((x) => decodeCause(x, task, depth)), encoded.message, options);
  } else error = new (builtins[encoded.name] ?? Error)(encoded.message, options);
  if (cause !== undefined && error.cause === undefined) Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
  if (error.name !== encoded.name) Object.defineProperty(error, 'name', { value: encoded.name, writable: true, configurable: true });
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  if (encoded.code !== undefined) (error as Error & { code?: unknown }).code = encoded.code;
  if (encoded.props) Object.assign(error, encoded.props);
  return error;
}

function decodeCause(encoded: EncodedThrow, task: string, depth: number): unknown {
  // A cause that was not an Error arrives as the value itself (it is data, not a failure of the task).
  return encoded.kind === 'value' ? encoded.value : decodeError(encoded, task, depth + 1);
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');
}

function cloneable(v: unknown): unknown {
  if (isPrimitive(v)) return v;
  if (typeof v === 'function' || typeof v === 'symbol') return String(v);
  try {
    return structuredClone(v);
  } catch {
    return String(v);
  }
}
