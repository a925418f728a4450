/**
 * The ledgers of many shards (salvo merge), folded one shard at a time: each
 * sender ledger decoded as it comes, each receiver's arrivals ORed into its
 * producer's as they come (mergeArrivals), so that a merge holds one decoded
 * set of bitsets per producer, never every shard's ledgers side by side.
 * The verdict over the fold is checkDecoded's, the same rules as a single
 * run's.
 */
import { arrivalsOf, mergeArrivals, type DecodedLedgers, type MergedArrivals } from './checker.js';
import { decodeArrivals, type ReceiverLedgerWire } from './receiver-ledger.js';
import { decodeSenderLedger, type SenderLedgerWire, type SenderRecord } from './sender-ledger.js';

export class LedgerFold {
  private readonly sent = new Map<string, SenderRecord>();
  private readonly arrived = new Map<string, MergedArrivals>();
  private readonly reorderExamples: [string, number][] = [];
  private malformed = 0;
  private lastArrivalUs = 0;

  addSenders(wires: readonly SenderLedgerWire[]): void {
    for (const wire of wires) this.sent.set(wire.producer, decodeSenderLedger(wire));
  }

  addReceivers(wires: readonly ReceiverLedgerWire[]): void {
    for (const ledger of wires) {
      for (const wire of ledger.producers) {
        const arrivals = arrivalsOf(decodeArrivals(wire));
        const before = this.arrived.get(wire.producer);
        this.arrived.set(wire.producer, before ? mergeArrivals(before, arrivals) : arrivals);
      }
      this.malformed += ledger.malformed;
      this.lastArrivalUs = Math.max(this.lastArrivalUs, ledger.lastArrivalUs ?? 0);
      this.reorderExamples.push(...ledger.reorderExamples);
    }
  }

  /** The producers whose sender ledger is in the fold. */
  producers(): ReadonlySet<string> {
    return new Set(this.sent.keys());
  }

  /**
   * Takes the arrivals of `producers` out of the fold (their sender's ledger is missing, so they cannot be judged,
   * and would otherwise be called unexpected); returns how many distinct messages of theirs had arrived.
   */
  withhold(producers: ReadonlySet<string>): number {
    let withheld = 0;
    for (const producer of producers) {
      const arrivals = this.arrived.get(producer);
      if (arrivals === undefined) continue;
      withheld += arrivals.seen.count();
      this.arrived.delete(producer);
    }
    const kept = this.reorderExamples.filter(([producer]) => !producers.has(producer));
    this.reorderExamples.splice(0, this.reorderExamples.length, ...kept);
    return withheld;
  }

  /** The folded ledgers for checkDecoded; `senders` / `receivers` false: that side did not run. */
  decoded(senders: boolean, receivers: boolean): DecodedLedgers {
    return {
      sent: senders ? this.sent : null,
      arrived: receivers ? this.arrived : null,
      malformed: this.malformed,
      reorderExamples: this.reorderExamples,
      lastArrivalUs: this.lastArrivalUs,
    };
  }
}
