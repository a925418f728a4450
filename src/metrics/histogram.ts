/**
 * The one place that knows how salvo's latency histograms are built, encoded
 * and freed. Everything else handles a Histogram through these functions, so
 * hdr-histogram-js's WebAssembly set-up and manual memory management stay here.
 *
 * Settings: values in microseconds, 1 µs to 1 hour, 3 significant digits
 * (0.1% value resolution), 32-bit bucket counts, auto-resize so an outlier
 * beyond an hour is recorded rather than thrown. WebAssembly because merging
 * and percentile queries on the coordinator are several times faster there;
 * the price is that histograms must be freed (freeHistogram) when done.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  initWebAssembly,
  type Histogram,
  type JsHistogram,
} from 'hdr-histogram-js';

export type { Histogram, JsHistogram };

export const LOWEST_DISCERNIBLE_US = 1;
export const HIGHEST_TRACKABLE_US = 3_600_000_000; // one hour
export const SIGNIFICANT_DIGITS = 3;
// 32-bit counts per bucket: a single bucket would need 4.29e9 hits to
// overflow, far beyond what one worker records in a run; half the memory of 64.
const BIT_BUCKET_SIZE = 32;

const SETTINGS = {
  bitBucketSize: BIT_BUCKET_SIZE,
  lowestDiscernibleValue: LOWEST_DISCERNIBLE_US,
  highestTrackableValue: HIGHEST_TRACKABLE_US,
  numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  autoResize: true,
} as const;

let ready: Promise<void> | null = null;
let initialised = false;

/**
 * Loads the WebAssembly module; call once per thread (main and each worker)
 * before newHistogram or decodeHistogram. Safe to call again or concurrently.
 */
export function initHistograms(): Promise<void> {
  ready ??= initWebAssembly().then(() => {
    initialised = true;
  });
  return ready;
}

/** An empty latency histogram with salvo's settings. */
export function newHistogram(): Histogram {
  assertInitialised();
  return build({ useWebAssembly: true, ...SETTINGS });
}

/**
 * Records one latency. Negative values (clock steps, skew between hosts) are
 * recorded as 0 rather than thrown: the hot path must not throw, and a 0 in
 * the histogram is visible where a dropped sample would not be.
 */
export function record(h: Histogram, valueUs: number): void {
  h.recordValue(valueUs > 0 ? valueUs : 0);
}

/**
 * An empty histogram with salvo's settings in plain JavaScript: for a thread
 * that records a few thousand values a second and only ships its summary (the
 * fault proxy), so it needs no WebAssembly set-up there and nothing to free.
 */
export function newPlainHistogram(): JsHistogram {
  return build({ useWebAssembly: false, ...SETTINGS }) as JsHistogram;
}

/** The whole histogram as compressed base64 (the standard HdrHistogram encoding). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** The inverse of encodeHistogram; the result must be freed like any other. */
export function decodeHistogram(encoded: string): Histogram {
  assertInitialised();
  const h = decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, true);
  // Decoding turns auto-resize off; merging a later, wider delta into it must not throw.
  h.autoResize = true;
  return h;
}

/**
 * A pure-JavaScript copy of `encoded`, for tools that read a finished
 * histogram bucket by bucket (reports): it needs no WebAssembly set-up and
 * nothing to free, and JsHistogram exposes its buckets where the WebAssembly
 * one does not.
 */
export function decodeForReading(encoded: string): JsHistogram {
  return decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false) as JsHistogram;
}

/** Adds every count of source into target. */
export function addInto(target: Histogram, source: Histogram): void {
  target.add(source);
}

/** Releases a histogram's WebAssembly memory; the histogram is unusable afterwards. */
export function freeHistogram(h: Histogram): void {
  h.destroy();
}

/** Runs fn on a decoded copy of `encoded` and frees the copy, whatever fn does. */
export function withDecoded<T>(encoded: string, fn: (h: Histogram) => T): T {
  const h = decodeHistogram(encoded);
  try {
    return fn(h);
  } finally {
    freeHistogram(h);
  }
}

function assertInitialised(): void {
  if (!initialised) throw new Error('histograms used before initHistograms() resolved in this thread');
}
