/**
 * Shard 0's side of the start barrier, pure: who has reported ready, and
 * whether the run may start. A shard resends READY until it hears back, so
 * a repeat with the same nonce is expected; the same index with another
 * nonce is a second process for one index, which would send a second copy
 * of that shard's messages and is refused.
 */
import type { ReadyMessage } from './messages.js';

export interface ShardEntry {
  readonly index: number;
  readonly nonce: string;
  readonly host: string;
  readonly offsetUs: number;
  readonly offsetBoundUs: number;
}

export type Admission =
  | { readonly kind: 'waiting'; readonly missing: readonly number[] }
  | { readonly kind: 'complete' }
  | { readonly kind: 'abort'; readonly reason: string };

export class Roster {
  private readonly entries = new Map<number, ShardEntry>();

  constructor(
    readonly shards: number,
    readonly planHash: string,
    leader: ShardEntry,
  ) {
    this.entries.set(leader.index, leader);
  }

  admit(ready: ReadyMessage): Admission {
    if (ready.index < 0 || ready.index >= this.shards)
      return abort(
        `a shard reported index ${ready.index} from ${ready.host}, but this run has shards 0-${this.shards - 1}: ` +
          'was it started with another --shards?',
      );
    if (ready.planHash !== this.planHash)
      return abort(
        `shard ${ready.index} (${ready.host}) has plan ${ready.planHash}, shard 0 has ${this.planHash}: ` +
          'the shards were started with different plans',
      );
    const known = this.entries.get(ready.index);
    if (known && known.nonce !== ready.nonce)
      return abort(
        `two processes claim shard ${ready.index} (${known.host} and ${ready.host}): ` +
          'each index must run exactly once, or its messages would be sent twice',
      );
    if (!known) this.entries.set(ready.index, entryOf(ready));
    return this.state();
  }

  state(): Admission {
    const missing = this.missing();
    return missing.length === 0 ? { kind: 'complete' } : { kind: 'waiting', missing };
  }

  missing(): number[] {
    const missing: number[] = [];
    for (let i = 0; i < this.shards; i++) if (!this.entries.has(i)) missing.push(i);
    return missing;
  }

  /** Every admitted shard, by index. */
  list(): ShardEntry[] {
    return [...this.entries.values()].sort((a, b) => a.index - b.index);
  }

  /** The nonce of each index, in index order (GO carries them). */
  nonces(): string[] {
    return this.list().map((e) => e.nonce);
  }
}

function abort(reason: string): Admission {
  return { kind: 'abort', reason };
}

function entryOf(ready: ReadyMessage): ShardEntry {
  return {
    index: ready.index,
    nonce: ready.nonce,
    host: ready.host,
    offsetUs: ready.offsetUs,
    offsetBoundUs: ready.offsetBoundUs,
  };
}

/** "shards 2, 5" / "shard 3" / "shards 1, 524-999": for the time-out line, runs of indexes as ranges. */
export function describeMissing(missing: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < missing.length; i++) {
    let j = i;
    while (j + 1 < missing.length && missing[j + 1] === missing[j] + 1) j++;
    parts.push(j - i >= 2 ? `${missing[i]}-${missing[j]}` : missing.slice(i, j + 1).join(', '));
    i = j;
  }
  return `${missing.length === 1 ? 'shard' : 'shards'} ${parts.join(', ')}`;
}
