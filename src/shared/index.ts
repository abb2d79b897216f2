/**
 * weft/shared: memory and synchronization primitives that cross worker threads and processes.
 *
 * Every class lives in a `SharedArrayBuffer`. Post an instance to a worker (or pass it as a
 * task argument) and revive the copy with `reviveShared(copy)` or `X.from(copy)`; both sides
 * then use the same memory. Blocking `...Sync` methods are for workers; the awaitable forms
 * work everywhere, accept `{ timeout, signal }`, and keep the event loop alive while pending.
 */
export { Lock } from './lock.js';
export { RLock } from './rlock.js';
export { Semaphore, BoundedSemaphore } from './semaphore.js';
export { Condition } from './condition.js';
export { Event } from './event.js';
export { Barrier, type BarrierOptions } from './barrier.js';
export { SharedValue, RawValue, type SharedDataOptions } from './value.js';
export { SharedArray } from './array.js';
export { SharedStruct, type StructSchema, type StructValues } from './struct.js';
export type { NumericType, ElementType, TypedArrayOf, ValueOf, InputOf, DeltaOf } from './cells.js';
export { Channel, type ChannelOptions, type BatchOptions } from './channel/channel.js';
export { Guard, withLock, withLockSync, type Acquirable } from './guard.js';
export { reviveShared, reviveArgs } from './revive.js';
export { SharedMemory, SharedMemoryExistsError, SharedMemoryNotFoundError, SharedMemorySizeError, type SharedMemoryOptions } from './shared-memory.js';
export { LockOwnerDiedError } from './mutex.js';
export { NoProcessSharedMemoryError } from './arena.js';
export type { WaitOptions, SyncWaitOptions } from './futex.js';
export {
  WeftError,
  InvalidArgumentError,
  NotHeldError,
  TooManyReleasesError,
  BrokenBarrierError,
  TimeoutError,
} from '../errors.js';
export { InvalidSharedObjectError, NotOwnerError, ChannelClosedError, MessageTooLargeError } from './errors.js';
