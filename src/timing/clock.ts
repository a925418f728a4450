/**
 * Time for latency measurement, in microseconds on one monotonic scale.
 *
 * process.hrtime is CLOCK_MONOTONIC (libuv uv_hrtime): one clock for every
 * thread of a process and, on Linux, for every process of the host, so a
 * timestamp taken in a sender worker can be subtracted from one taken in a
 * receiver worker. (Measured on Node 20.20: performance.now() also shares one
 * origin across worker threads, performance.timeOrigin is identical, but it
 * is per process, so hrtime is the safer of the two.) Wall-clock time is for
 * comparisons across hosts only, and the result must say when it was used.
 */
export interface Clock {
  nowUs(): number;
}

/** A clock that tests move by hand. */
export interface ManualClock extends Clock {
  advance(us: number): void;
  set(us: number): void;
}

/**
 * Monotonic µs as a float (ns resolution kept in the fraction). Self-contained
 * on purpose: the clock test evaluates this function's source in a worker.
 */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

export const monotonicClock: Clock = { nowUs: monotonicNowUs };

export function manualClock(startUs = 0): ManualClock {
  let nowUs = startUs;
  return {
    nowUs: () => nowUs,
    advance(us: number): void {
      if (us < 0) throw new RangeError(`a monotonic clock cannot go back (advance ${us} µs)`);
      nowUs += us;
    },
    set(us: number): void {
      if (us < nowUs) throw new RangeError(`a monotonic clock cannot go back (from ${nowUs} to ${us} µs)`);
      nowUs = us;
    },
  };
}
