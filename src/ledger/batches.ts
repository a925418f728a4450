/**
 * Transactions as the ledger sees them: a producer's batches are consecutive
 * ranges of its sequence numbers, N at a time (the last one of a link may be
 * shorter), so a batch is known from a number alone and no per-batch record
 * travels. A batch sent again after a lost connection keeps its numbers.
 *
 * Which batches roll back (--tx-rollback-ratio) is a hash of the seed, the
 * link and the batch number, not a draw from a stream: the same batch gets
 * the same fate whatever the timing, the reconnects or the order of links.
 */

/** 0-based batch of a sequence number (1-based) in batches of `size`. */
export function batchOf(seq: number, size: number): number {
  return Math.floor((seq - 1) / size);
}

/** First sequence number of batch `batch`. */
export function batchStart(batch: number, size: number): number {
  return batch * size + 1;
}

/** How a side of the run ends its transactions: every one alike, or a seeded share rolled back. */
export interface TxDecider {
  /** Every batch's action when `rollbackRatio` is 0. */
  action: 'commit' | 'rollback';
  /** Share of batches rolled back (0..1), decided per batch by the seed. */
  rollbackRatio: number;
  seed: number;
}

/** True when batch `batch` of link `link` (a stable index or hash of its name) is to be rolled back. */
export function rollsBack(decider: TxDecider, link: number, batch: number): boolean {
  if (decider.rollbackRatio <= 0) return decider.action === 'rollback';
  if (decider.rollbackRatio >= 1) return true;
  return unitHash(decider.seed, link, batch) < decider.rollbackRatio;
}

/** A stable 32-bit hash of a link's name (producer id or address), for `rollsBack`. */
export function linkHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Three 32-bit integers to [0, 1): murmur3's finaliser over a mix of them, well spread for consecutive batches. */
function unitHash(seed: number, link: number, batch: number): number {
  let h = (seed ^ Math.imul(link, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
