/**
 * The transactional verdict: only commits promise delivery; a message of a
 * rolled-back batch that arrives is a ghost; a committed batch that arrives
 * in part is a partial batch (counted in batches). And the seeded choice of
 * which batches roll back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchOf, batchStart, linkHash, rollsBack } from '../../src/ledger/batches.js';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger, type ReceiverLedgerWire } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger, type SenderLedgerWire } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';
const N = 10;

/** 1..batches*N sent and accepted in batches of N; `rolledBack` lists batch numbers (0-based), the rest commit. */
function txSender(batches: number, rolledBack: number[], resentAndCommitted: number[] = []): SenderLedgerWire {
  const ledger = new SenderLedger(P, N);
  for (let b = 0; b < batches; b++) {
    const from = batchStart(b, N);
    for (let seq = from; seq < from + N; seq++) {
      ledger.sent(seq);
      ledger.settledAccepted(seq);
    }
    if (rolledBack.includes(b)) ledger.batchRolledBack(from, from + N - 1);
    else ledger.batchCommitted(from, from + N - 1);
  }
  // A batch lost with its connection: rolled back, then sent again and committed.
  for (const b of resentAndCommitted) {
    const from = batchStart(b, N);
    for (let seq = from; seq < from + N; seq++) ledger.sentAgain(seq);
    ledger.batchCommitted(from, from + N - 1);
  }
  return ledger.toWire();
}

function receiver(seqs: number[]): ReceiverLedgerWire {
  const ledger = new ReceiverLedger();
  const bytes = Buffer.from(P);
  const index = ledger.producerIndex(bytes, 0, bytes.length);
  for (const seq of seqs) ledger.record(index, seq, false, false);
  return ledger.toWire();
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const without = (seqs: number[], drop: number[]): number[] => seqs.filter((s) => !drop.includes(s));

describe('transactional verdict', () => {
  it('passes when exactly the committed batches arrived: rolled-back ones are not lost', () => {
    const v = checkLedgers(
      'transactional',
      [txSender(5, [1, 3])],
      [receiver([...range(1, 10), ...range(21, 30), ...range(41, 50)])],
    );
    expect(v).toMatchObject({
      ok: true,
      failed: [],
      lost: 0,
      ghost: 0,
      partialBatch: 0,
      duplicated: 0,
      attempted: 50,
      received: 30,
    });
  });

  it('a rolled-back message that arrives is a ghost, with an example', () => {
    const v = checkLedgers(
      'transactional',
      [txSender(3, [1])],
      [receiver([...range(1, 10), 13, 17, ...range(21, 30)])],
    );
    expect(v).toMatchObject({ ok: false, failed: ['ghost'], ghost: 2, lost: 0, partialBatch: 0 });
    expect(v.examples.ghost).toEqual([
      { producer: P, seq: 13 },
      { producer: P, seq: 17 },
    ]);
  });

  it('a committed batch that arrived in part is one partial batch, its missing messages lost; a batch missing whole is only lost', () => {
    const seen = without([...range(1, 10), ...range(11, 20)], [12, 15, 19]);
    const v = checkLedgers('transactional', [txSender(3, [])], [receiver(seen)]);
    expect(v).toMatchObject({ ok: false, lost: 13, partialBatch: 1 });
    expect(v.failed).toEqual(['lost', 'partialBatch']);
    expect(v.examples.partialBatch).toEqual([{ producer: P, seq: 12 }]);
  });

  it('a batch rolled back with its connection, then resent and committed, is neither ghost nor lost when it arrives', () => {
    const v = checkLedgers('transactional', [txSender(2, [1], [1])], [receiver(range(1, 20))]);
    expect(v).toMatchObject({ ok: true, ghost: 0, lost: 0, resent: 10 });
  });

  it('duplicates fail a transactional run (at-least-once only reports them)', () => {
    const wire = receiver(range(1, 10));
    const v = checkLedgers('transactional', [txSender(1, [])], [wire, wire]);
    expect(v).toMatchObject({ ok: false, failed: ['duplicated'], duplicated: 10 });
  });

  it('a producer outside transactions (receive-side transactions only) is judged by its accepts', () => {
    const plain = new SenderLedger(P);
    for (const seq of range(1, 5)) {
      plain.sent(seq);
      plain.settledAccepted(seq);
    }
    const v = checkLedgers('transactional', [plain.toWire()], [receiver(range(1, 4))]);
    expect(v).toMatchObject({ ok: false, lost: 1, ghost: 0, partialBatch: 0 });
  });

  it('ghost and partial batch are not checked outside the transactional mode', () => {
    const v = checkLedgers('at-least-once', [txSender(1, [])], [receiver(range(1, 10))]);
    expect(v).toMatchObject({ ghost: null, partialBatch: null });
  });
});

describe('a receive commit in doubt', () => {
  it('is recorded as received; the one copy the broker may deliver again is not a duplicate, a second one is', () => {
    const ledger = new ReceiverLedger();
    const bytes = Buffer.from(P);
    const index = ledger.producerIndex(bytes, 0, bytes.length);
    expect(ledger.recordInDoubt(index, 5, false)).toBe(true);
    expect(ledger.record(index, 5, true, false)).toBe(false);
    const once = checkLedgers('transactional', [txSender(1, [])], [ledger.toWire()]);
    expect(once).toMatchObject({ duplicated: 0, lost: 9 });
    ledger.record(index, 5, true, false);
    expect(checkLedgers('transactional', [txSender(1, [])], [ledger.toWire()])).toMatchObject({ duplicated: 1 });
  });
});

describe('batches and their seeded fate', () => {
  it('batchOf and batchStart agree: a batch is N consecutive numbers from 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1000 }), (seq, size) => {
        const start = batchStart(batchOf(seq, size), size);
        return start <= seq && seq < start + size && (start - 1) % size === 0;
      }),
    );
  });

  it('the same seed, link and batch always get the same fate; the share is near the ratio', () => {
    const decider = { action: 'commit' as const, rollbackRatio: 0.2, seed: 7 };
    const link = linkHash('s0.c0.l0');
    const fates = Array.from({ length: 10_000 }, (_, b) => rollsBack(decider, link, b));
    expect(Array.from({ length: 10_000 }, (_, b) => rollsBack(decider, link, b))).toEqual(fates);
    const share = fates.filter(Boolean).length / fates.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
    const other = Array.from({ length: 10_000 }, (_, b) => rollsBack({ ...decider, seed: 8 }, link, b));
    expect(other).not.toEqual(fates);
  });

  it('ratio 0 follows the action; ratio 1 rolls back every batch', () => {
    expect(rollsBack({ action: 'rollback', rollbackRatio: 0, seed: 1 }, 1, 5)).toBe(true);
    expect(rollsBack({ action: 'commit', rollbackRatio: 0, seed: 1 }, 1, 5)).toBe(false);
    expect(rollsBack({ action: 'commit', rollbackRatio: 1, seed: 1 }, 1, 5)).toBe(true);
  });
});
