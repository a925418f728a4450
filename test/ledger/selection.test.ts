/**
 * The checker with a receiver selector: only matching accepted messages are
 * promised, so a missing non-matching one is unselected (not lost), a
 * missing matching one is lost, and a non-matching arrival is a mismatch.
 */
import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';
// Even sequence numbers match: a stand-in for a selector over generated properties.
const evens = (): ((seq: number) => boolean) => (seq) => seq % 2 === 0;

function ledgers(accepted: number, received: number[]) {
  const sender = new SenderLedger(P);
  for (let seq = 1; seq <= accepted; seq++) {
    sender.sent(seq);
    sender.settledAccepted(seq);
  }
  const receiver = new ReceiverLedger();
  const bytes = Buffer.from(P);
  for (const seq of received) receiver.record(receiver.producerIndex(bytes, 0, bytes.length), seq, false, false);
  return { senders: [sender.toWire()], receivers: [receiver.toWire()] };
}

describe('checkLedgers with a selector', () => {
  it('every matching message received: passes; the others are unselected, not lost', () => {
    const { senders, receivers } = ledgers(10, [2, 4, 6, 8, 10]);
    const v = checkLedgers('at-least-once', senders, receivers, evens);
    expect(v).toMatchObject({ ok: true, lost: 0, selection: { selected: 5, selectorMismatches: 0, unselected: 5 } });
  });

  it('a matching message missing is lost', () => {
    const { senders, receivers } = ledgers(10, [2, 4, 8, 10]);
    const v = checkLedgers('at-least-once', senders, receivers, evens);
    expect(v).toMatchObject({
      ok: false,
      lost: 1,
      examples: { lost: [{ producer: P, seq: 6 }] },
      selection: { selected: 4, unselected: 5 },
    });
  });

  it('non-matching messages received are mismatches (and not unselected)', () => {
    const { senders, receivers } = ledgers(10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const v = checkLedgers('at-least-once', senders, receivers, evens);
    expect(v.selection).toEqual({ selected: 5, selectorMismatches: 5, unselected: 0 });
  });

  it('without a selector, nothing changes: a missing message is lost', () => {
    const { senders, receivers } = ledgers(10, [2, 4, 6, 8, 10]);
    const v = checkLedgers('at-least-once', senders, receivers);
    expect(v.lost).toBe(5);
    expect(v.selection).toBeUndefined();
  });
});
