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
  /** The first process (nonce and host) heard from for each index. */
  private readonly claims = new Map<number, { nonce: string; host: string }>();

  constructor(
    readonly shards: number,
    readonly planHash: string,
    leader: ShardEntry,
  ) {
    this.entries.set(leader.index, leader);
    this.claims.set(leader.index, { nonce: leader.nonce, host: leader.host });
  }

  private outside(index: number, host: string): Admission {
    return abort(
      `a shard reported index ${index} from ${host}, but this run has shards 0-${this.shards - 1}: ` +
        'was it started with another --shards?',
    );
  }

  /**
   * A process asking on behalf of `index` (a ping): a second nonce for one index is a second process for it. The
   * first claim is kept; READY must come from it.
   */
  claim(index: number, nonce: string, host: string): Admission {
    if (index < 0 || index >= this.shards) return this.outside(index, host);
    const known = this.claims.get(index);
    if (known === undefined) this.claims.set(index, { nonce, host });
    else if (known.nonce !== nonce) return twoClaims(index, known.host, host);
    return this.state();
  }

  admit(ready: ReadyMessage): Admission {
    const claimed = this.claim(ready.index, ready.nonce, ready.host);
    if (claimed.kind === 'abort') return claimed;
    if (ready.planHash !== this.planHash)
      return abort(
        `shard ${ready.index} (${ready.host}) has plan ${ready.planHash}, shard 0 has ${this.planHash}: ` +
          'the shards were started with different plans',
      );
    if (!this.entries.has(ready.index)) this.entries.set(ready.index, entryOf(ready));
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

function twoClaims(index: number, first: string, second: string): Admission {
  return abort(
    `two processes claim shard ${index} (${first} and ${second}): ` +
      'each index must run exactly once, or its messages would be sent twice',
  );
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
