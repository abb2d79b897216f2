/**
 * Base class of every error weft itself raises. Each subclass has a stable `code`
 * (e.g. `ERR_WEFT_TIMEOUT`) to branch on, and a message that says what to do.
 */
export class WeftError extends Error {
  /** Stable machine-readable code, e.g. `ERR_WEFT_TIMEOUT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
