/**
 * The errors a worker raises about the task module itself, rebuilt by class on the caller's
 * side (see `remoteErrorClasses`), and the wrapper for a thrown value that is not an Error.
 */
import { DataCloneError, WeftError } from '../errors.js';

/** The task module has no export with the requested name. */
export class UnknownTaskError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_UNKNOWN_TASK', message);
  }
}

/** The requested export of the task module exists but is not a function. */
export class NotAFunctionError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NOT_A_FUNCTION', message);
  }
}

/**
 * `pool.stream()` was called on a task that returned no iterator: streaming needs an exported
 * `function*` or `async function*` (or a function returning an iterable, sync or async).
 */
export class NotAGeneratorError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_NOT_A_GENERATOR', message);
  }
}

/**
 * `run`, `submit` or `map` called a generator task: a generator cannot cross to the caller as a
 * result. Call it with `pool.stream(name, ...args)` to receive its values as they are made.
 */
export class GeneratorTaskError extends WeftError {
  constructor(message: string) {
    super('ERR_WEFT_GENERATOR_TASK', message);
  }
}

/** The task module could not be found or failed to load; the message names its path. */
export class ModuleLoadError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_MODULE_LOAD', message, { cause });
  }
}

/** The pool's `initializer` threw in a worker; tasks cannot run there. */
export class InitializerError extends WeftError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WEFT_INITIALIZER', message, { cause });
  }
}

/** A task threw something that is not an Error (a string, an object…); the thrown value is in `value`. */
export class ThrownValueError extends WeftError {
  /** The value the task threw, as it arrived. */
  readonly value: unknown;
  constructor(task: string, value: unknown) {
    super('ERR_WEFT_NON_ERROR_THROWN', `task '${task}' threw a non-Error value: ${describe(value)}`);
    this.value = value;
  }
}

function describe(value: unknown): string {
  try {
    const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(value);
  }
}

/** weft error classes a worker may raise, rebuilt by name on the caller's side. */
export const remoteErrorClasses: Record<string, new (message: string) => WeftError> = {
  UnknownTaskError,
  NotAFunctionError,
  ModuleLoadError,
  InitializerError,
  NotAGeneratorError,
  GeneratorTaskError,
  DataCloneError,
};
