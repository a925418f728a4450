import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeArrivals, ReceiverLedger, WorkerArrivals } from '../../src/ledger/receiver-ledger.js';
import { decodeSenderLedger, SenderLedger } from '../../src/ledger/sender-ledger.js';

function indexOf(ledger: ReceiverLedger, producer: string): number {
  // As the stamp reader hands it: the id somewhere inside a larger buffer.
  const bytes = Buffer.from(`xx${producer}yy`);
  return ledger.producerIndex(bytes, 2, bytes.length - 2);
}

describe('ReceiverLedger', () => {
  it('maps each producer to one small index, found again from its bytes', () => {
    const ledger = new ReceiverLedger();
    const a = indexOf(ledger, 'run/s0.c0.l0');
    const b = indexOf(ledger, 'run/s0.c0.l1');
    expect([a, b]).toEqual([0, 1]);
    expect(indexOf(ledger, 'run/s0.c0.l0')).toBe(a);
    expect(indexOf(ledger, 'run/s0.c0.l1')).toBe(b);
    expect(ledger.toWire().producers.map((p) => p.producer)).toEqual(['run/s0.c0.l0', 'run/s0.c0.l1']);
  });

  it('with WorkerArrivals, a copy another link of the worker already had is not fresh (a redelivery after a reconnect)', () => {
    const arrivals = new WorkerArrivals();
    const a = new ReceiverLedger(arrivals);
    const b = new ReceiverLedger(arrivals);
    const pa = indexOf(a, 'run/s0.c0.l0');
    const pb = indexOf(b, 'run/s0.c0.l0');
    expect([1, 2, 3].map((seq) => a.record(pa, seq, false, false))).toEqual([true, true, true]);
    // Link b gets 2 and 3 redelivered, then 4 for the first time.
    expect([2, 3, 4].map((seq) => b.record(pb, seq, true, false))).toEqual([false, false, true]);
    // Each link's own record stays its own: b saw 2, 3, 4 once each, no duplicate on it.
    expect(decodeArrivals(b.toWire().producers[0]).seen.first(Infinity)).toEqual([2, 3, 4]);
    expect(decodeArrivals(b.toWire().producers[0]).twice.first(Infinity)).toEqual([]);
    // The per-second figure counts them as the copies they are.
    expect([a.repeats, b.repeats]).toEqual([0, 2]);
  });

  it('an arrival from a producer no sender of the run owns is recorded but never fresh (the drain must not count it)', () => {
    const arrivals = new WorkerArrivals(new Set(['run/s0.c0.l0']));
    const ledger = new ReceiverLedger(arrivals);
    const own = indexOf(ledger, 'run/s0.c0.l0');
    const forged = indexOf(ledger, 'run/s0.c0.l0-forged');
    expect([1, 2].map((seq) => ledger.record(own, seq, false, false))).toEqual([true, true]);
    expect([1, 2].map((seq) => ledger.record(forged, seq, false, false))).toEqual([false, false]);
    const wire = ledger.toWire().producers;
    expect(wire.map((p) => [p.producer, decodeArrivals(p).seen.first(Infinity)])).toEqual([
      ['run/s0.c0.l0', [1, 2]],
      ['run/s0.c0.l0-forged', [1, 2]],
    ]);
  });

  it('records arrivals: first copies, duplicates, extra copies, reorders, redeliveries, corruption', () => {
    const ledger = new ReceiverLedger();
    const p = indexOf(ledger, 'run/s0.c0.l0');
    const fresh = [1, 2, 3, 2, 5, 4, 2].map((seq) => ledger.record(p, seq, false, false));
    expect(fresh).toEqual([true, true, true, false, true, true, false]);
    // The running count the per-second series reads: each copy beyond the first.
    expect(ledger.repeats).toBe(2);
    ledger.record(p, 6, true, true);
    const wire = ledger.toWire();
    const record = decodeArrivals(wire.producers[0]);
    expect(record.seen.first(Infinity)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(record.twice.first(Infinity)).toEqual([2]);
    expect(record.extraCopies).toBe(1);
    // 2 after 3, 4 after 5, 2 after 5.
    expect(record.reordered).toBe(3);
    expect(wire.reorderExamples).toEqual([
      ['run/s0.c0.l0', 2],
      ['run/s0.c0.l0', 4],
      ['run/s0.c0.l0', 2],
    ]);
    expect(record.redelivered).toBe(1);
    expect(record.corrupted.first(Infinity)).toEqual([6]);
  });

  it('whatever the arrivals, seen is their set and twice the repeated ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2_000 }), { maxLength: 300 }), (arrivals) => {
        const ledger = new ReceiverLedger();
        const p = indexOf(ledger, 'run/s1.c0.l0');
        const freshCount = arrivals.filter((seq) => ledger.record(p, seq, false, false)).length;
        const record = decodeArrivals(ledger.toWire().producers[0]);
        const counts = new Map<number, number>();
        for (const seq of arrivals) counts.set(seq, (counts.get(seq) ?? 0) + 1);
        expect(freshCount).toBe(counts.size);
        expect(record.seen.count()).toBe(counts.size);
        expect(record.twice.count()).toBe([...counts.values()].filter((n) => n > 1).length);
        expect(record.extraCopies).toBe([...counts.values()].reduce((sum, n) => sum + Math.max(0, n - 2), 0));
      }),
    );
  });
});

describe('SenderLedger', () => {
  it('keeps attempted as the highest number sent, and each outcome as a bit, across the wire', () => {
    const ledger = new SenderLedger('run/s0.c0.l0');
    for (let seq = 1; seq <= 10; seq++) ledger.sent(seq);
    ledger.sent(4);
    for (const seq of [1, 2, 3, 5]) ledger.settledAccepted(seq);
    ledger.settledFailed(6);
    ledger.lostTrack(7);
    ledger.sentAgain(7);
    const record = decodeSenderLedger(JSON.parse(JSON.stringify(ledger.toWire())));
    expect(record.producer).toBe('run/s0.c0.l0');
    expect(record.attempted).toBe(10);
    expect(record.accepted.first(Infinity)).toEqual([1, 2, 3, 5]);
    expect(record.failed.first(Infinity)).toEqual([6]);
    expect(record.inDoubt.first(Infinity)).toEqual([7]);
    expect(record.resent.first(Infinity)).toEqual([7]);
  });
});
