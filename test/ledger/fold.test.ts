/** LedgerFold (salvo merge's ledgers, one shard at a time) gives checkLedgers' verdict, in any order of shards. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Bitset,
  checkDecoded,
  checkLedgers,
  encodeBits,
  LedgerFold,
  type ReceiverLedgerWire,
  type SenderLedgerWire,
  type Verdict,
} from '../../src/ledger/index.js';

const PRODUCERS = ['r/s0.c0.l0', 'r/s1.c0.l0', 'r/s2.c0.l0'];
const MAX_SEQ = 40;

function bits(seqs: readonly number[]): string {
  const b = new Bitset();
  for (const seq of seqs) b.set(seq);
  return encodeBits(b);
}

function sender(producer: string, attempted: number, accepted: number[]): SenderLedgerWire {
  const none = bits([]);
  return {
    producer,
    attempted,
    accepted: bits(accepted),
    failed: none,
    inDoubt: none,
    resent: none,
    batchSize: 0,
    committed: none,
    rolledBack: none,
  };
}

const seqs = fc.uniqueArray(fc.integer({ min: 1, max: MAX_SEQ + 3 }), { maxLength: MAX_SEQ });
const receiverWire = fc.array(fc.tuple(fc.constantFrom(...PRODUCERS, 'r/x9.c0.l0'), seqs), { maxLength: 4 }).map(
  (entries): ReceiverLedgerWire => ({
    producers: [...new Map(entries)].map(([producer, seen]) => ({
      producer,
      seen: bits(seen),
      twice: bits(seen.filter((s) => s % 7 === 0)),
      extraCopies: 0,
      reordered: seen.length % 3,
      redelivered: 0,
      corrupted: bits([]),
    })),
    malformed: entries.length % 2,
    reorderExamples: [],
  }),
);

/** A shard: some producers' sender ledgers and some receiver ledgers. */
const shard = fc.record({
  senders: fc.subarray(PRODUCERS).map((ids) =>
    ids.map((id) =>
      sender(
        id,
        MAX_SEQ,
        [...Array(MAX_SEQ).keys()].map((i) => i + 1).filter((s) => s % 5 !== 0),
      ),
    ),
  ),
  receivers: fc.array(receiverWire, { maxLength: 3 }),
});

function counts(v: Verdict): unknown {
  const { examples: _examples, ...rest } = v;
  return rest;
}

describe('LedgerFold', () => {
  it("folds shards into checkLedgers' verdict over all their ledgers, whatever the order", () => {
    fc.assert(
      fc.property(fc.array(shard, { minLength: 1, maxLength: 4 }), fc.boolean(), (shards, partial) => {
        const senders = shards.flatMap((s) => s.senders);
        const receivers = shards.flatMap((s) => s.receivers);
        const whole = checkLedgers('at-least-once', senders, receivers, undefined, partial);
        for (const order of [shards, [...shards].reverse()]) {
          const fold = new LedgerFold();
          for (const s of order) {
            fold.addSenders(s.senders);
            fold.addReceivers(s.receivers);
          }
          expect(counts(checkDecoded('at-least-once', fold.decoded(true, true), undefined, partial))).toEqual(
            counts(whole),
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it("withholds a missing sender's arrivals: counted apart, not unexpected", () => {
    const fold = new LedgerFold();
    fold.addSenders([sender(PRODUCERS[0], 3, [1, 2, 3])]);
    fold.addReceivers([
      {
        producers: [PRODUCERS[0], PRODUCERS[1]].map((producer) => ({
          producer,
          seen: bits([1, 2, 3]),
          twice: bits([]),
          extraCopies: 0,
          reordered: 0,
          redelivered: 0,
          corrupted: bits([]),
        })),
        malformed: 0,
        reorderExamples: [[PRODUCERS[1], 2]],
      },
    ]);
    expect(fold.withhold(new Set([PRODUCERS[1]]))).toBe(3);
    const verdict = checkDecoded('at-least-once', fold.decoded(true, true), undefined, true);
    expect(verdict).toMatchObject({ unexpected: 0, received: 3, reordered: 0, lost: null, attempted: 3 });
    expect(verdict.examples.reordered).toBeUndefined();
  });
});
