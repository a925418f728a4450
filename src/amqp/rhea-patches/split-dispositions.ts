/**
 * Exact dispositions. rhea 3.0.5 batches a receiver's dispositions into ranges (session.js,
 * write_dispositions), but compares outcomes only once a range holds two deliveries: a second
 * delivery is always folded into a one-delivery range, whatever its outcome. So reject(d1) +
 * accept(d2) in one tick goes out as "d1..d2 rejected" (an accepted message reported rejected),
 * and accept(d1) + reject(d2) as "d1..d2 accepted" (a rejected message reported accepted).
 * The fix hands rhea its pending dispositions in runs of equal outcome.
 */
import type { RheaPatch } from './patch.js';
import { incomingPrototype, messageModule } from './rhea-lib.js';

interface IncomingDelivery {
  settled: boolean;
  state?: unknown;
}
interface IncomingPrototype {
  process(this: { updated: IncomingDelivery[] }, session: unknown): void;
}
interface OutcomeComparison {
  are_outcomes_equivalent(a: unknown, b: unknown): boolean;
}

const incoming = incomingPrototype as IncomingPrototype;
const outcomes = messageModule as OutcomeComparison;
let applied = false;

/** Make rhea never merge dispositions with different outcomes into one range (per thread). */
export const splitDispositions: RheaPatch = {
  name: 'split dispositions',
  targets: () => ({
    'Incoming#process': incoming.process,
    'message.are_outcomes_equivalent': outcomes.are_outcomes_equivalent,
  }),
  apply(): void {
    if (applied) return;
    const original = incoming.process;
    const equivalent = outcomes.are_outcomes_equivalent;
    const mergeable = (a: IncomingDelivery, b: IncomingDelivery): boolean =>
      a.settled === b.settled && equivalent(a.state, b.state);
    incoming.process = function (this: { updated: IncomingDelivery[] }, session: unknown): void {
      const updated = this.updated;
      if (updated.length > 1) {
        let start = 0;
        for (let i = 1; i < updated.length; i++) {
          if (mergeable(updated[i - 1], updated[i])) continue;
          this.updated = updated.slice(start, i);
          original.call(this, session);
          start = i;
        }
        if (start > 0) this.updated = updated.slice(start);
      }
      original.call(this, session);
    };
    applied = true;
  },
};
