/**
 * Live counters every worker writes and the coordinator reads, in shared
 * memory: one writer per slot, so plain stores suffice, and the coordinator
 * can see progress (and know when receivers have everything) between the
 * once-a-second interval reports.
 */

/**
 * Where each counter sits in a worker's slot of the shared array.
 * `fresh`: arrivals the receiver's ledger had not seen before (the drain waits for distinct messages).
 * `down`: the worker's connections now lost and being reopened (no progress then is not a stall).
 * `matching`: accepted messages that --recv-selector matches (a selector run's drain waits for those).
 * `selected`: fresh arrivals that --recv-selector matches: what a selector run's drain counts, so that
 * a broker ignoring the selector cannot end it with messages that were never promised to the receivers.
 */
export const COUNTER_OFFSET = {
  sent: 0,
  settled: 1,
  accepted: 2,
  received: 3,
  fresh: 4,
  down: 5,
  matching: 6,
  selected: 7,
} as const;
const COUNTERS_PER_SLOT = 8;

export type ProgressField = keyof typeof COUNTER_OFFSET;

export function createProgress(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * COUNTERS_PER_SLOT * Float64Array.BYTES_PER_ELEMENT);
}

/** A worker's view: its own slot. */
export class ProgressWriter {
  private readonly values: Float64Array;
  private readonly base: number;

  constructor(buffer: SharedArrayBuffer, slot: number) {
    this.values = new Float64Array(buffer);
    this.base = slot * COUNTERS_PER_SLOT;
  }

  add(field: ProgressField, n = 1): void {
    this.values[this.base + COUNTER_OFFSET[field]] += n;
  }
}

/** The coordinator's view: sums over slots. */
export class ProgressReader {
  private readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.values = new Float64Array(buffer);
  }

  sum(field: ProgressField, slots: readonly number[]): number {
    let total = 0;
    for (const slot of slots) total += this.values[slot * COUNTERS_PER_SLOT + COUNTER_OFFSET[field]];
    return total;
  }
}
