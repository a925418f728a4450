/**
 * A selector run's ledger: the receivers attached with a JMS selector, so
 * only the accepted messages it matches are promised to them. Which ones
 * those are the checker recomputes from each message's generated properties
 * (src/amqp/property-values.ts), judged by salvo's own selector code. A
 * received message that does not match means the broker ignored the
 * selector; an accepted one that does not match and never came is
 * `unselected`, expected, not lost.
 */
import type { SeqMatcher } from '../content/property-values.js';
import { Bitset } from './bitset.js';

/** Per producer, whether a sequence number matches the selector. */
export type Selects = (producer: string) => SeqMatcher;

export interface SelectionCounts {
  /** Distinct messages the selector receivers got that match (all they got, if the broker applied the selector). */
  selected: number;
  /** Distinct messages received that do not match: the broker did not apply the selector. */
  selectorMismatches: number;
  /** Accepted, not matching, not received: left on the queue as expected. */
  unselected: number;
}

/** The matching members of `promised`. */
export function matchingOf(promised: Bitset, matches: SeqMatcher): Bitset {
  const kept = new Bitset();
  for (const seq of promised.first(Number.POSITIVE_INFINITY)) if (matches(seq)) kept.set(seq);
  return kept;
}

export class SelectionTally {
  readonly counts: SelectionCounts = { selected: 0, selectorMismatches: 0, unselected: 0 };

  constructor(readonly selects: Selects) {}

  /** One producer's arrivals: each matches or is a mismatch. */
  arrivals(producer: string, seen: Bitset): void {
    const matches = this.selects(producer);
    for (const seq of seen.first(Number.POSITIVE_INFINITY)) {
      if (matches(seq)) this.counts.selected++;
      else this.counts.selectorMismatches++;
    }
  }

  /** One producer's promised messages, split: those that match (still promised) and those left on the queue. */
  promised(producer: string, promised: Bitset, seen: Bitset): Bitset {
    const matching = matchingOf(promised, this.selects(producer));
    this.counts.unselected += promised.andNot(matching).andNot(seen).count();
    return matching;
  }
}
