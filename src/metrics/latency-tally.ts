/**
 * Latencies counted per message in plain typed arrays laid out as salvo's
 * HDR histograms lay out their buckets, and added to the histograms once per
 * interval. A WebAssembly histogram's recordValue costs about 60 ns a call,
 * and a recorder called it twice a message (the interval's histogram, and
 * the run's unless in warm-up); here a message costs one index computation
 * and one increment, and the histograms get one recordValueWithCount per
 * non-empty bucket a second.
 *
 * Exact, not an approximation: a bucket of an HDR histogram holds every value
 * from its lowest equivalent value to its highest, so recording the lowest
 * equivalent value `count` times leaves the same counts, and the same
 * encoding, as recording each value once. The layout below is that of
 * histogram.ts's settings (1 µs lowest discernible value, 3 significant
 * digits: 2,048 sub-buckets, the lower half of each bucket above the first
 * shared with the bucket below); a value of 2^32 µs (71 minutes) or more goes
 * straight to the histograms.
 */
import { LOWEST_DISCERNIBLE_US, SIGNIFICANT_DIGITS, type Histogram } from './histogram.js';

/** log2 of half the sub-bucket count: 2 x 10^3 needs 2,048 sub-buckets (histogram.ts's 3 significant digits). */
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
/** The bucket of values just below 2^32; bucket b > 0 holds [2^(b+10), 2^(b+11)), bucket 0 [0, 2^11). */
const LAST_BUCKET = 31 - HALF_MAGNITUDE;
/** Bucket b's slots are (b+1) x 1,024 .. (b+2) x 1,024 - 1 (bucket 0's from 0). */
const SLOTS = (LAST_BUCKET + 2) * HALF_COUNT;
const TWO_TO_32 = 4_294_967_296;

if (LOWEST_DISCERNIBLE_US !== 1 || SIGNIFICANT_DIGITS !== 3)
  throw new Error('latency-tally.ts lays out buckets for a 1 µs, 3-digit histogram: change both together');

export class LatencyTally {
  /** Values in this interval, by bucket: after warm-up, and in warm-up (kept out of the run's totals). */
  private readonly measured = new Uint32Array(SLOTS);
  private readonly warm = new Uint32Array(SLOTS);
  /** Lowest and highest slot touched since the last fold: a fold reads only that stretch. */
  private low = SLOTS;
  private high = -1;

  constructor(
    private readonly interval: Histogram,
    private readonly total: Histogram,
  ) {}

  /** One latency, µs; a negative one counts as 0 (histogram.ts's record). */
  record(valueUs: number, warmup: boolean): void {
    const value = valueUs > 0 ? Math.floor(valueUs) : 0;
    if (value >= TWO_TO_32) return this.recordLarge(value, warmup);
    const bucket = Math.max(0, 31 - Math.clz32(value) - HALF_MAGNITUDE);
    const slot = ((bucket + 1) << HALF_MAGNITUDE) + (value >>> bucket) - HALF_COUNT;
    if (warmup) this.warm[slot]++;
    else this.measured[slot]++;
    if (slot < this.low) this.low = slot;
    if (slot > this.high) this.high = slot;
  }

  /** Adds what was counted since the last fold to the histograms (the interval's: all; the run's: after warm-up). */
  fold(): void {
    const { measured, warm, interval, total } = this;
    for (let slot = this.low; slot <= this.high; slot++) {
      const m = measured[slot];
      const w = warm[slot];
      if (m + w === 0) continue;
      const value = valueOfSlot(slot);
      interval.recordValueWithCount(value, m + w);
      if (m > 0) total.recordValueWithCount(value, m);
      measured[slot] = 0;
      warm[slot] = 0;
    }
    this.low = SLOTS;
    this.high = -1;
  }

  private recordLarge(value: number, warmup: boolean): void {
    this.interval.recordValue(value);
    if (!warmup) this.total.recordValue(value);
  }
}

/** The lowest value a slot holds (HDR's valueFromIndex for this layout). */
export function valueOfSlot(slot: number): number {
  let bucket = (slot >> HALF_MAGNITUDE) - 1;
  let sub = (slot & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}
