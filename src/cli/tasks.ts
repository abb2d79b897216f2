/**
 * The built-in workloads of `weft bench`, as a plain task module: loaded by every model (in
 * the main thread, in worker threads, in child processes). Compiled to JS, so workers load it
 * without tsx.
 */
import { readFile } from 'node:fs/promises';

/** Does nothing: measures start-up and the round trip of handing one task to a worker. */
export function noop(): number {
  return 0;
}

/** Naive Fibonacci: pure CPU, no allocation (the CPU-bound workload). */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** One request to weft's local delay server, then one file read (the I/O-bound workload); returns bytes received. */
export async function io(url: string, file: string): Promise<number> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  const data = await readFile(file);
  return body.byteLength + data.byteLength;
}

/** A request, then some CPU work on the answer (the mixed workload). */
export async function mixed(url: string, file: string, n: number): Promise<number> {
  const bytes = await io(url, file);
  return bytes + fib(n);
}
