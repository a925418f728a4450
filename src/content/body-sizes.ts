/**
 * Which of a --body-size distribution's sizes one message has: a hash of
 * (seed, producer, seq) read through an alias table (Vose), so a choice is
 * two multiplications and a comparison, allocates nothing, and a resend of
 * a sequence number after a reconnect has the size it had the first time.
 * The same seed gives every producer the same sizes run after run.
 */
import type { BodySizeDistribution, PlannedBodySizes } from '../plan/body-sizes.js';
import { fnv1a32 } from './body-checksum.js';
import { propertyHash } from './property-values.js';

const TWO_TO_32 = 4_294_967_296;
/** Separates the size's hash from every --msg-property's (which hash their names). */
const SIZE_STREAM = fnv1a32(Buffer.from('salvo-body-size', 'utf8'));

/** Vose's alias table of a distribution's weights: column i keeps itself with `keep[i]`, else gives `alias[i]`. */
export interface AliasTable {
  keep: Float64Array;
  alias: Int32Array;
}

export function aliasTable(weights: readonly number[]): AliasTable {
  const n = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  if (n === 0 || !(total > 0)) throw new RangeError('an alias table needs positive weights');
  const scaled = weights.map((w) => (w * n) / total);
  const keep = new Float64Array(n).fill(1);
  const alias = new Int32Array(n).map((_, i) => i);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop() as number;
    const l = large.pop() as number;
    keep[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  // Whatever is left is 1 up to rounding: it keeps itself.
  return { keep, alias };
}

/** The expected share of each size (weights normalised): what a test compares counts with. */
export function expectedShares(distribution: BodySizeDistribution): number[] {
  const total = distribution.weights.reduce((a, b) => a + b, 0);
  return distribution.weights.map((w) => w / total);
}

/** One producer's size choices. */
export class BodySizeChooser {
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;
  private readonly n: number;
  private readonly producerHash: number;

  constructor(
    private readonly distribution: PlannedBodySizes,
    producer: string,
  ) {
    const table = aliasTable(distribution.weights);
    this.keep = table.keep;
    this.alias = table.alias;
    this.n = distribution.sizes.length;
    this.producerHash = fnv1a32(Buffer.from(producer, 'utf8'));
  }

  /** The index (into `sizes`) of message `seq`'s size. */
  indexOf(seq: number): number {
    const bits = propertyHash(this.distribution.seed, this.producerHash, SIZE_STREAM, seq);
    // The top bits pick a column, the whole word (a fraction in [0, 1)) decides keep or alias.
    const u = bits / TWO_TO_32;
    const column = Math.floor(u * this.n);
    const within = u * this.n - column;
    return within < this.keep[column] ? column : this.alias[column];
  }
}
