/**
 * --subscriptions: every subscription is owed every accepted message. Lost,
 * duplicated and reordered are judged per subscription and summed; one
 * subscription's copy never excuses another's loss.
 */
import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger, type ReceiverLedgerWire } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger, type SenderLedgerWire } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';

function sender(accepted: number): SenderLedgerWire {
  const ledger = new SenderLedger(P);
  for (let seq = 1; seq <= accepted; seq++) {
    ledger.sent(seq);
    ledger.settledAccepted(seq);
  }
  return ledger.toWire();
}

function consumer(subscription: number | undefined, seqs: number[]): ReceiverLedgerWire {
  const ledger = new ReceiverLedger(null, subscription);
  const bytes = Buffer.from(P);
  for (const seq of seqs) ledger.record(ledger.producerIndex(bytes, 0, bytes.length), seq, false, false);
  return ledger.toWire();
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('checkLedgers with subscriptions', () => {
  it('a message seen by subscription 1 is still lost on subscription 2', () => {
    const verdict = checkLedgers('at-least-once', [sender(10)], [consumer(0, range(1, 10)), consumer(1, range(1, 9))]);
    expect(verdict).toMatchObject({ ok: false, failed: ['lost'], lost: 1, received: 19, attempted: 10 });
    expect(verdict.examples.lost).toEqual([{ producer: P, seq: 10 }]);
    expect(verdict.subscriptions?.map((s) => [s.subscription, s.received, s.lost, s.ok])).toEqual([
      [0, 10, 0, true],
      [1, 9, 1, false],
    ]);
  });

  it('competing consumers of one subscription share its messages: none lost, none duplicated', () => {
    const verdict = checkLedgers(
      'at-least-once',
      [sender(10)],
      [consumer(0, range(1, 5)), consumer(0, range(6, 10)), consumer(1, range(1, 10))],
    );
    expect(verdict).toMatchObject({ ok: true, lost: 0, duplicated: 0, received: 20 });
  });

  it('the same message at two subscriptions is no duplicate; twice at one is, counted there', () => {
    const verdict = checkLedgers(
      'at-least-once',
      [sender(4)],
      [consumer(0, [1, 2, 3, 4]), consumer(1, [1, 2, 3, 4]), consumer(1, [2])],
    );
    expect(verdict).toMatchObject({ ok: true, duplicated: 1, lost: 0 });
    expect(verdict.subscriptions?.map((s) => s.duplicated)).toEqual([0, 1]);
  });

  it("reorders and losses on several subscriptions are summed; in doubt is the senders' and counted once", () => {
    const ledger = new SenderLedger(P);
    for (let seq = 1; seq <= 6; seq++) ledger.sent(seq);
    for (let seq = 1; seq <= 5; seq++) ledger.settledAccepted(seq);
    ledger.lostTrack(6);
    const verdict = checkLedgers(
      'at-least-once',
      [ledger.toWire()],
      [consumer(0, [2, 1, 3, 4]), consumer(1, [1, 3, 2, 5])],
    );
    expect(verdict).toMatchObject({ lost: 2, reordered: 2, inDoubt: 1 });
    expect(verdict.subscriptions?.map((s) => [s.lost, s.reordered])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('a queue run (no subscription on any ledger) has no per-subscription counts', () => {
    const verdict = checkLedgers('at-least-once', [sender(3)], [consumer(undefined, [1, 2, 3])]);
    expect(verdict.ok).toBe(true);
    expect(verdict.subscriptions).toBeUndefined();
  });
});
