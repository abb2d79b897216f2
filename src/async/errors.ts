import { WeftError } from '../errors.js';

/**
 * Several tasks of a `TaskGroup` (or `gather`) failed. `errors` holds every failure in the
 * order they happened; cancellations caused by the first failure are not in it.
 */
export class TaskGroupError extends WeftError {
  /** Every failure, first one first. */
  readonly errors: readonly unknown[];

  constructor(errors: readonly unknown[], message?: string) {
    super(
      'ERR_WEFT_TASK_GROUP',
      message ?? `${errors.length} tasks of the group failed; inspect \`errors\` (the first is also \`cause\`)`,
      { cause: errors[0] },
    );
    this.errors = errors;
  }
}
