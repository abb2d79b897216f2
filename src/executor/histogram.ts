/**
 * A histogram of whole microseconds with bounded relative error, recorded in plain
 * JavaScript: the pool records two samples per task, and a native `perf_hooks` histogram call
 * (with the clock read it needs) costs a measurable share of a one-task round trip. Values
 * below 64 are counted exactly; above, each power of two is split into 32 buckets, so a
 * percentile is within 1/32 (3.1%) of the true sample. Internal.
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Values below this have a bucket each. */
const EXACT = 2 * SUB;
/** Largest value kept apart (about 35 minutes); larger ones share the last bucket. */
const MAX_VALUE = 2 ** 31 - 1;
const BUCKETS = EXACT + (31 - SUB_BITS - 1) * SUB;

function bucketOf(v: number): number {
  if (v < EXACT) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return EXACT + (shift - 1) * SUB + ((v >>> shift) - SUB);
}

/** The largest value that falls in bucket `b`. */
function highestIn(b: number): number {
  if (b < EXACT) return b;
  const shift = Math.floor((b - EXACT) / SUB) + 1;
  return (SUB + ((b - EXACT) % SUB) + 1) * 2 ** shift - 1;
}

/** Counts, min, max and mean exactly; percentiles to within 3.1%. Internal. */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  min = 0;
  max = 0;
  #sum = 0;

  /** Records `micros`, rounded and clamped to 0..2^31-1. */
  record(micros: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(micros)));
    this.#counts[bucketOf(v)]!++;
    if (this.count === 0 || v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.count++;
    this.#sum += v;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.#sum / this.count;
  }

  /** The value below which `p` percent of the samples fall (0 when empty). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#counts[b]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, highestIn(b)));
    }
    return this.max;
  }
}
