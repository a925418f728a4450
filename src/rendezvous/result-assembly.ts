/**
 * Shard 0 puts the other shards' results back together from their chunks.
 * Chunks may arrive in any order and twice (a control message is sent
 * unsettled and a broker may redeliver it); the first process to send a
 * chunk for an index owns that index, as the barrier admitted one process
 * per index.
 */
import type { ResultChunkMessage } from './messages.js';

interface Pieces {
  readonly nonce: string;
  readonly parts: (string | undefined)[];
  received: number;
}

export class ResultAssembly {
  private readonly byIndex = new Map<number, Pieces>();

  constructor(private readonly shards: number) {}

  add(chunk: ResultChunkMessage): void {
    if (chunk.index <= 0 || chunk.index >= this.shards) return;
    let pieces = this.byIndex.get(chunk.index);
    if (!pieces) {
      pieces = { nonce: chunk.nonce, parts: new Array<string | undefined>(chunk.parts), received: 0 };
      this.byIndex.set(chunk.index, pieces);
    }
    if (pieces.nonce !== chunk.nonce || chunk.parts !== pieces.parts.length) return;
    if (pieces.parts[chunk.part] !== undefined) return;
    pieces.parts[chunk.part] = chunk.text;
    pieces.received++;
  }

  complete(): boolean {
    return this.missing().length === 0;
  }

  /** The indexes (but 0) whose result has not fully arrived. */
  missing(): number[] {
    const missing: number[] = [];
    for (let i = 1; i < this.shards; i++) {
      const pieces = this.byIndex.get(i);
      if (!pieces || pieces.received < pieces.parts.length) missing.push(i);
    }
    return missing;
  }

  /** Every fully arrived result, by index. */
  texts(): Map<number, string> {
    const texts = new Map<number, string>();
    for (const [index, pieces] of this.byIndex)
      if (pieces.received === pieces.parts.length) texts.set(index, pieces.parts.join(''));
    return texts;
  }
}
