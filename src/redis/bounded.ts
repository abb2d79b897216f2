import { RedisUnavailableError } from './errors.js';

/** Settles as `promise` does, or rejects after `ms` with `onTimeout()` (a Redis command waiting through an outage would otherwise wait forever). */
export function bounded<T>(promise: Promise<T>, ms: number, onTimeout: () => Error = () => new RedisUnavailableError(`Redis did not answer within ${ms} ms`)): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
