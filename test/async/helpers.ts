/** Lets every pending microtask and immediate run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records the settlement of a promise without awaiting it. */
export function track<T>(p: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } {
  const t: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (value) => Object.assign(t, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

/** Lets the loop run until `p` settles, for a bounded number of turns (no timers), then reports its state. */
export async function settle<T>(p: Promise<T>, turns = 20): Promise<ReturnType<typeof track<T>>> {
  const t = track(p);
  for (let i = 0; i < turns && t.state === 'pending'; i++) await tick();
  return t;
}
