/* eslint-disable @typescript-eslint/no-explicit-any */

/** Any function a task module may export. */
export type AnyFunction = (...args: any[]) => unknown;

/** The default task-module shape, for callers that do not pass the module's type. */
export type UntypedModule = Record<string, AnyFunction>;

/** Names of the exported functions of task module `M`. */
export type TaskName<M> = {
  [K in keyof M]: M[K] extends AnyFunction ? K : never;
}[keyof M] &
  string;

/** Parameter tuple of task `K` of module `M`. */
export type TaskArgs<M, K extends TaskName<M>> = M[K] extends (...args: infer A) => unknown ? A : never;

/** Resolved result of task `K` of module `M` (promises unwrapped). */
export type TaskResult<M, K extends TaskName<M>> = M[K] extends (...args: any[]) => infer R ? Awaited<R> : never;

/** Names of tasks that take a single argument, usable with `map`. */
export type MapTaskName<M> = {
  [K in TaskName<M>]: TaskArgs<M, K> extends [unknown, ...unknown[]] ? K : never;
}[TaskName<M>];

/** The item type `map` feeds to task `K` (its first parameter). */
export type MapItem<M, K extends TaskName<M>> = TaskArgs<M, K>[0];

/** Where the task module lives: a `file:` URL (string or URL object) or a filesystem path. */
export type ModuleLocation = string | URL;

/** Something that can be moved (not copied) to a worker: ArrayBuffer, MessagePort, … */
export type Transferable = import('node:worker_threads').TransferListItem;

/** The values an iterable (sync or async) yields. */
type Yielded<R> = R extends AsyncIterable<infer Y> ? Y : R extends Iterable<infer Y> ? Y : unknown;

/** Names of the tasks of `M` that `pool.stream` can run: generators (sync or async) and functions returning an iterable. */
export type StreamTaskName<M> = {
  [K in TaskName<M>]: M[K] extends (...args: any[]) => infer R ? (unknown extends R ? K : R extends AsyncIterable<unknown> | Iterable<unknown> ? K : never) : never;
}[TaskName<M>];

/** The values streaming task `K` of module `M` yields. */
export type StreamItem<M, K extends TaskName<M>> = M[K] extends (...args: any[]) => infer R ? Yielded<R> : never;
