/**
 * --recv-selector on the receiving side: whether an arrival is one the
 * selector promised to this receiver, judged by salvo's own selector code
 * over the message's generated properties (as the checker does after the
 * run). The drain counts only these, so a broker that ignores the selector
 * delivers the messages it should have kept back without ending the drain
 * before the ones promised have come (they would be called lost).
 */
import { selectionMatcher, type MessageProperties, type SeqMatcher } from '../src/content/property-values.js';
import type { ReceiverLedger } from '../src/ledger/index.js';

export class SelectedArrivals {
  /** By the ledger's producer index; made on a producer's first arrival. */
  private readonly byProducer: SeqMatcher[] = [];
  private readonly forProducer: (producer: string) => SeqMatcher;

  constructor(
    private readonly ledger: ReceiverLedger,
    properties: MessageProperties | undefined,
    selector: string,
  ) {
    this.forProducer = selectionMatcher(properties, selector);
  }

  matches(producerIndex: number, seq: number): boolean {
    const known = this.byProducer[producerIndex];
    const matcher =
      known ?? (this.byProducer[producerIndex] = this.forProducer(this.ledger.producerName(producerIndex)));
    return matcher(seq);
  }
}
