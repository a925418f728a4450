/**
 * --msg-ttl in the checker: a missing message is expired only when the time
 * by which its sender had sent it (SendTimes' marks, one a second) plus the
 * ttl is at or before the receivers' last arrival; otherwise it is lost, as
 * it is in a run without a ttl. Arrivals past their ttl are counted over
 * every receiver, once each; --msg-priority counts are summed over producers.
 */
import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger, SendTimes, sentByUs } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';
const S = 1_000_000;

/** 30 messages in three passes, at 0 s, 1 s and 2 s (10 each); every one accepted. */
function sender(ttlMs: number | null): SenderLedger {
  const ledger = new SenderLedger(P);
  if (ttlMs !== null) ledger.times = new SendTimes(ttlMs);
  for (let pass = 0; pass < 3; pass++) {
    ledger.times?.pass(pass * 10 + 1, pass * S);
    for (let seq = pass * 10 + 1; seq <= pass * 10 + 10; seq++) {
      ledger.sent(seq);
      ledger.settledAccepted(seq);
    }
  }
  return ledger;
}

/** A receiver that got `seqs`, the last at `lastUs`; `late`: those that came past their ttl. */
function receiver(seqs: number[], lastUs: number, late: number[] = []) {
  const ledger = new ReceiverLedger();
  const bytes = Buffer.from(P);
  const index = ledger.producerIndex(bytes, 0, bytes.length);
  for (const seq of seqs) {
    ledger.record(index, seq, false, false);
    ledger.arrivedAt(index, seq, lastUs, late.includes(seq));
  }
  return ledger.toWire();
}

describe('expired or lost', () => {
  it('a stretch of numbers was sent by the next mark; the last stretch by the last pass', () => {
    const times = sender(500).times!.toWire();
    expect(times.marks).toEqual([1, 0, 11, S, 21, 2 * S]);
    expect(sentByUs(times, 5).us).toBe(S);
    expect(sentByUs(times, 11).us).toBe(2 * S);
    expect(sentByUs(times, 30).us).toBe(2 * S);
  });

  it('missing and certainly past its ttl by the last arrival: expired; not yet past it: lost', () => {
    // ttl 500 ms, last arrival at 2.4 s: numbers 1-10 (sent by 1 s) are past it; 11-20 (sent by 2 s, the next
    // mark) and 21-30 (by 2 s, the last pass) are not.
    const received = [3, 4, 13, 14, 23, 24];
    const v = checkLedgers('at-least-once', [sender(500).toWire()], [receiver(received, 2.4 * S)]);
    expect(v.expired).toBe(8);
    expect(v.examples.expired?.map((r) => r.seq)).toEqual([1, 2, 5, 6, 7, 8, 9, 10]);
    expect(v.lost).toBe(16);
    expect(v.examples.lost?.slice(0, 3).map((r) => r.seq)).toEqual([11, 12, 15]);
    expect(v.ok).toBe(false);
    expect(v.failed).toEqual(['lost']);
  });

  it('a number sent just before the next mark is not called expired early', () => {
    // Number 10 may have gone at 0.99 s: with a 1 s ttl it had not surely expired by 1.5 s.
    const v = checkLedgers('at-least-once', [sender(1000).toWire()], [receiver([30], 1.5 * S)]);
    expect(v.expired).toBe(0);
    expect(v.lost).toBe(29);
  });

  it('a receiver that got nothing still marks when it could take messages: what expired before is expired', () => {
    // A late consumer (--recv-start-after) opens its credit at 2.4 s and gets nothing: with a 500 ms ttl, numbers
    // 1-10 (sent by 1 s) had expired by then; 11-30 (sent by 2 s) had not, and are lost.
    const late = new ReceiverLedger();
    late.lastArrivalUs = 2.4 * S;
    const v = checkLedgers('at-least-once', [sender(500).toWire()], [late.toWire()]);
    expect(v.expired).toBe(10);
    expect(v.lost).toBe(20);
  });

  it('without a ttl, every missing message is lost and expired is not checked', () => {
    const v = checkLedgers('at-least-once', [sender(null).toWire()], [receiver([1, 2], 60 * S)]);
    expect(v.lost).toBe(28);
    expect(v.expired).toBeNull();
    expect(v.receivedExpired).toBeNull();
  });

  it('everything expired or received: expired fails nothing', () => {
    const received = Array.from({ length: 10 }, (_, i) => 21 + i);
    const v = checkLedgers('at-least-once', [sender(200).toWire()], [receiver(received, 3 * S)]);
    expect(v.expired).toBe(20);
    expect(v.lost).toBe(0);
    expect(v.ok).toBe(true);
  });

  it('arrivals past their ttl are counted once over every receiver, and fail nothing', () => {
    const all = Array.from({ length: 30 }, (_, i) => i + 1);
    const v = checkLedgers(
      'at-least-once',
      [sender(500).toWire()],
      [receiver(all.slice(0, 20), 3 * S, [1, 2, 3]), receiver(all.slice(15), 3 * S, [3, 16])],
    );
    expect(v.receivedExpired).toBe(4);
    expect(v.examples.receivedExpired?.map((r) => r.seq)).toEqual([1, 2, 3, 16]);
    expect(v.expired).toBe(0);
    expect(v.ok).toBe(true);
  });

  it('priority counts are summed over producers', () => {
    const a = sender(null);
    a.priorities = Float64Array.from([3, 0, 0, 0, 7, 0, 0, 0, 0, 20]);
    const b = new SenderLedger('run/s0.c0.l1');
    b.priorities = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const v = checkLedgers('at-least-once', [a.toWire(), b.toWire()], null);
    expect(v.sentByPriority).toEqual([4, 0, 0, 0, 7, 0, 0, 0, 0, 21]);
  });
});
