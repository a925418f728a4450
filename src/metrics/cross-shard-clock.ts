/**
 * End-to-end latency across shards (--shards). A message carries its
 * sender's monotonic stamp, and a monotonic clock is one host's alone: a
 * stamp from another host read on this one means nothing by itself. The
 * start barrier estimates each shard's offset to shard 0's clock (shard 0's
 * minus its own, within a bound) and GO hands every shard all of them, so a
 * receiver on shard r reads a stamp from shard s on its own clock as
 * `stamp - (off_r - off_s)`, the error within the two bounds summed.
 *
 * Per producer index a receiver keeps that correction and whether the
 * producer is another shard's, learned once when the producer first shows
 * up; per message it costs one lookup and one subtraction. A same-shard
 * message keeps the one clock (its correction is 0) and goes to `endToEnd`;
 * a cross-shard one goes to `endToEndCrossShard`. A corrected sample below
 * zero (an offset's error larger than the latency) is recorded as 0 and
 * counted in `crossShardNegative`, never dropped.
 */
import type { Recorder } from './recorder.js';

/** What a receiver needs to place other shards' stamps on its own clock (the coordinator's start message). */
export interface ShardClocks {
  /** This process's shard. */
  index: number;
  /** Every shard's clock offset to shard 0 (shard 0's monotonic clock minus its own), µs, by index. */
  offsetsUs: readonly number[];
  /** Which shard sends each producer id of the run. */
  producerShards: Readonly<Record<string, number>>;
  /**
   * SALVO_TEST_CLOCK_SKEW_US of this process (0 but in tests): its senders stamp their monotonic clock plus this, as
   * another host's clock would read, and its receivers take it off again.
   */
  skewUs: number;
}

const INITIAL_PRODUCERS = 64;

export class CrossShardClock {
  private correctionUs = new Float64Array(INITIAL_PRODUCERS);
  private crossShard = new Uint8Array(INITIAL_PRODUCERS);
  /** Producer indexes below this have their correction. */
  learned = 0;
  private readonly skewUs: number;

  constructor(private readonly clocks: ShardClocks | undefined) {
    this.skewUs = clocks?.skewUs ?? 0;
  }

  /** Producers `learned` .. `index` (by their ids, `nameOf`), placed: the first message of a producer only. */
  learn(index: number, nameOf: (index: number) => string): void {
    if (index >= this.correctionUs.length) this.grow(index + 1);
    for (let i = this.learned; i <= index; i++) this.place(i, nameOf(i));
    this.learned = Math.max(this.learned, index + 1);
  }

  /** A stamp of producer `index` on this process's clock; index -1 (no ledger to tell producers apart): only the skew. */
  sentHereUs(index: number, sentUs: number): number {
    return sentUs - (index >= 0 ? this.correctionUs[index] : this.skewUs);
  }

  /** One end-to-end sample (`sentHereUs` to receipt) of producer `index`, into the histogram of its kind. */
  record(recorder: Recorder, index: number, latencyUs: number, warmup: boolean): void {
    if (index >= 0 && this.crossShard[index] === 1) {
      if (latencyUs < 0) recorder.count('crossShardNegative', warmup);
      recorder.record('endToEndCrossShard', latencyUs, warmup);
    } else recorder.record('endToEnd', latencyUs, warmup);
  }

  /** The correction of a producer, µs, and whether it sends from another shard (for tests and the docs' figures). */
  correctionOf(index: number): { correctionUs: number; crossShard: boolean } {
    return { correctionUs: this.correctionUs[index], crossShard: this.crossShard[index] === 1 };
  }

  private place(index: number, producer: string): void {
    const clocks = this.clocks;
    const sender = clocks?.producerShards[producer];
    // Unsharded, or a producer no shard owns (an unexpected one): this host's clock, as before.
    if (clocks === undefined || sender === undefined || sender === clocks.index) {
      this.correctionUs[index] = this.skewUs;
      this.crossShard[index] = 0;
      return;
    }
    const own = clocks.offsetsUs[clocks.index] ?? 0;
    const theirs = clocks.offsetsUs[sender] ?? 0;
    // stamp on shard 0's clock: stamp + theirs; receipt on shard 0's: receipt + skew + own.
    this.correctionUs[index] = this.skewUs + own - theirs;
    this.crossShard[index] = 1;
  }

  private grow(size: number): void {
    let length = this.correctionUs.length;
    while (length < size) length *= 2;
    const correction = new Float64Array(length);
    correction.set(this.correctionUs);
    const cross = new Uint8Array(length);
    cross.set(this.crossShard);
    this.correctionUs = correction;
    this.crossShard = cross;
  }
}
