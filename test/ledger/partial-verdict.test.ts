/** The verdict of an interrupted run (no drain): judged on what is known, never calling a message on its way lost. */
import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger, type ReceiverLedgerWire } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger, type SenderLedgerWire } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';

function sender(attempted: number, accepted: number[], inDoubt: number[] = []): SenderLedgerWire {
  const ledger = new SenderLedger(P);
  for (let seq = 1; seq <= attempted; seq++) ledger.sent(seq);
  for (const seq of accepted) ledger.settledAccepted(seq);
  for (const seq of inDoubt) ledger.lostTrack(seq);
  return ledger.toWire();
}

function receiver(seqs: number[], corrupted: number[] = []): ReceiverLedgerWire {
  const ledger = new ReceiverLedger();
  const bytes = Buffer.from(P);
  const index = ledger.producerIndex(bytes, 0, bytes.length);
  for (const seq of seqs) ledger.record(index, seq, false, corrupted.includes(seq));
  return ledger.toWire();
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a partial verdict', () => {
  it('counts accepted messages not yet arrived as unconfirmed, not lost, and cannot pass', () => {
    // 100 sent; 90 accepted, 10 in doubt at the interruption; 80 arrived.
    const v = checkLedgers(
      'at-least-once',
      [sender(100, range(1, 90), range(91, 100))],
      [receiver(range(1, 80))],
      undefined,
      true,
    );
    expect(v).toMatchObject({
      partial: true,
      confirmed: 80,
      unconfirmed: 10,
      lost: null,
      ok: null,
      failed: [],
      attempted: 100,
      received: 80,
      inDoubt: 10,
      duplicated: 0,
      unexpected: 0,
      corrupted: 0,
    });
    expect(v.examples.lost).toBeUndefined();
  });

  it('still judges arrivals: duplicates counted, unexpected and corrupted ones fail it', () => {
    const v = checkLedgers(
      'at-least-once',
      [sender(10, range(1, 10))],
      [receiver([...range(1, 5), 3, 12], [4])],
      undefined,
      true,
    );
    expect(v).toMatchObject({ partial: true, ok: false, unexpected: 1, corrupted: 1, duplicated: 1, unconfirmed: 5 });
    expect(v.failed).toEqual(['unexpected', 'corrupted']);
    expect(v.examples.unexpected).toEqual([{ producer: P, seq: 12 }]);
  });

  it('checks neither lost nor partial batches in a transactional run', () => {
    const ledger = new SenderLedger(P, 5);
    for (let seq = 1; seq <= 10; seq++) ledger.sent(seq);
    ledger.batchCommitted(1, 10);
    const v = checkLedgers('transactional', [ledger.toWire()], [receiver(range(1, 7))], undefined, true);
    expect(v).toMatchObject({ partial: true, lost: null, partialBatch: null, ghost: 0, unconfirmed: 3, ok: null });
  });

  it('is absent from a complete run: lost is judged and no unconfirmed count is given', () => {
    const v = checkLedgers('at-least-once', [sender(10, range(1, 10))], [receiver(range(1, 8))]);
    expect(v.partial).toBeUndefined();
    expect(v.unconfirmed).toBeUndefined();
    expect(v).toMatchObject({ ok: false, lost: 2 });
  });
});
