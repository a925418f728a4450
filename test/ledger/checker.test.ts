import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bitset } from '../../src/ledger/bitset.js';
import { checkLedgers, mergeArrivals, type MergedArrivals } from '../../src/ledger/checker.js';
import { ReceiverLedger, type ReceiverLedgerWire } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger, type SenderLedgerWire } from '../../src/ledger/sender-ledger.js';

const P = 'run/s0.c0.l0';
const Q = 'run/s0.c0.l1';

interface SenderSpec {
  attempted: number;
  accepted?: number[];
  failed?: number[];
  inDoubt?: number[];
  resent?: number[];
}

function sender(producer: string, spec: SenderSpec): SenderLedgerWire {
  const ledger = new SenderLedger(producer);
  for (let seq = 1; seq <= spec.attempted; seq++) ledger.sent(seq);
  for (const seq of spec.accepted ?? []) ledger.settledAccepted(seq);
  for (const seq of spec.failed ?? []) ledger.settledFailed(seq);
  for (const seq of spec.inDoubt ?? []) ledger.lostTrack(seq);
  for (const seq of spec.resent ?? []) ledger.sentAgain(seq);
  return ledger.toWire();
}

type Arrival = [producer: string, seq: number, redelivered?: boolean, corrupted?: boolean];

function receiver(arrivals: Arrival[], malformed = 0): ReceiverLedgerWire {
  const ledger = new ReceiverLedger();
  for (const [producer, seq, redelivered = false, corrupted = false] of arrivals) {
    const bytes = Buffer.from(producer);
    ledger.record(ledger.producerIndex(bytes, 0, bytes.length), seq, redelivered, corrupted);
  }
  ledger.malformed = malformed;
  return ledger.toWire();
}

const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const arrivalsOf = (producer: string, seqs: number[]): Arrival[] => seqs.map((seq) => [producer, seq]);

describe('checkLedgers', () => {
  it('passes a clean at-least-once run: everything accepted arrived once', () => {
    const v = checkLedgers(
      'at-least-once',
      [sender(P, { attempted: 100, accepted: upTo(100) })],
      [receiver(arrivalsOf(P, upTo(100)))],
    );
    expect(v).toMatchObject({
      ok: true,
      failed: [],
      attempted: 100,
      received: 100,
      lost: 0,
      unexpected: 0,
      duplicated: 0,
      corrupted: 0,
      recovered: 0,
      reordered: 0,
      inDoubt: 0,
      resent: 0,
      redelivered: 0,
    });
    expect(v.examples).toEqual({});
  });

  it('finds losses, with examples, and fails at-least-once on them', () => {
    const v = checkLedgers(
      'at-least-once',
      [sender(P, { attempted: 10, accepted: upTo(10) })],
      [receiver(arrivalsOf(P, [1, 2, 4, 5, 6, 8, 9]))],
    );
    expect(v).toMatchObject({ ok: false, failed: ['lost'], lost: 3 });
    expect(v.examples.lost).toEqual([
      { producer: P, seq: 3 },
      { producer: P, seq: 7 },
      { producer: P, seq: 10 },
    ]);
  });

  it('reports duplicates at-least-once, fails at-most-once on them, and counts them over receivers too', () => {
    const senders = [sender(P, { attempted: 5, accepted: upTo(5) })];
    // 2 twice on one receiver; 4 once on each of two receivers.
    const receivers = [receiver(arrivalsOf(P, [1, 2, 2, 3, 4])), receiver(arrivalsOf(P, [4, 5]))];
    const alo = checkLedgers('at-least-once', senders, receivers);
    // Two messages duplicated, one extra copy each (on one receiver, and over two).
    expect(alo).toMatchObject({ ok: true, duplicated: 2, extraCopies: 2, lost: 0 });
    expect(alo.examples.duplicated).toEqual([
      { producer: P, seq: 2 },
      { producer: P, seq: 4 },
    ]);
    const amo = checkLedgers('at-most-once', [sender(P, { attempted: 5 })], receivers);
    expect(amo).toMatchObject({ ok: false, failed: ['duplicated'], duplicated: 2, lost: 0 });
  });

  it('at-most-once: losses are what was sent and never arrived, reported without failing', () => {
    const v = checkLedgers('at-most-once', [sender(P, { attempted: 5 })], [receiver(arrivalsOf(P, [1, 2, 5]))]);
    expect(v).toMatchObject({ ok: true, lost: 2, duplicated: 0 });
  });

  it('unexpected: an unknown producer of this run, a seq beyond what its producer sent, an unreadable message; fails every mode', () => {
    const senders = [sender(P, { attempted: 3, accepted: upTo(3) })];
    const receivers = [receiver([...arrivalsOf(P, [1, 2, 3, 4]), [Q, 1], [Q, 2]], 1)];
    for (const mode of ['at-least-once', 'at-most-once'] as const) {
      const v = checkLedgers(mode, senders, receivers);
      expect(v.ok).toBe(false);
      expect(v.failed).toContain('unexpected');
      expect(v.unexpected).toBe(4);
      expect(v.examples.unexpected).toEqual([
        { producer: P, seq: 4 },
        { producer: Q, seq: 1 },
        { producer: Q, seq: 2 },
      ]);
    }
  });

  it('corrupted bodies fail every mode', () => {
    const arrivals: Arrival[] = [
      [P, 1],
      [P, 2, false, true],
      [P, 3],
    ];
    for (const mode of ['at-least-once', 'at-most-once'] as const) {
      const v = checkLedgers(mode, [sender(P, { attempted: 3, accepted: upTo(3) })], [receiver(arrivals)]);
      expect(v).toMatchObject({ ok: false, failed: ['corrupted'], corrupted: 1, lost: 0 });
      expect(v.examples.corrupted).toEqual([{ producer: P, seq: 2 }]);
    }
  });

  it('recovered: in doubt or failed yet received; in doubt and not received is neither lost nor recovered', () => {
    const v = checkLedgers(
      'at-least-once',
      [sender(P, { attempted: 6, accepted: [1, 2, 3], failed: [4], inDoubt: [5, 6], resent: [5] })],
      [
        receiver([
          [P, 1],
          [P, 2],
          [P, 3],
          [P, 4],
          [P, 5, true],
        ]),
      ],
    );
    expect(v).toMatchObject({ ok: true, lost: 0, recovered: 2, inDoubt: 2, resent: 1, redelivered: 1 });
    expect(v.examples.recovered).toEqual([
      { producer: P, seq: 4 },
      { producer: P, seq: 5 },
    ]);
  });

  it('reordered is reported, never failing', () => {
    const v = checkLedgers('at-most-once', [sender(P, { attempted: 4 })], [receiver(arrivalsOf(P, [1, 3, 2, 4]))]);
    expect(v).toMatchObject({ ok: true, reordered: 1 });
    expect(v.examples.reordered).toEqual([{ producer: P, seq: 2 }]);
  });

  it('keeps at most 100 examples per category', () => {
    const v = checkLedgers('at-least-once', [sender(P, { attempted: 500, accepted: upTo(500) })], [receiver([])]);
    expect(v.lost).toBe(500);
    expect(v.examples.lost).toHaveLength(100);
  });

  it('without receivers (send only) or senders (receive only), the other side is not checked, never passed', () => {
    const sendOnly = checkLedgers('at-least-once', [sender(P, { attempted: 3, accepted: [1, 2], inDoubt: [3] })], null);
    expect(sendOnly).toMatchObject({
      ok: null,
      checked: { senders: true, receivers: false },
      lost: null,
      unexpected: null,
      duplicated: null,
      inDoubt: 1,
      received: null,
    });
    const receiveOnly = checkLedgers('at-least-once', null, [receiver(arrivalsOf(P, [1, 2, 2]))]);
    expect(receiveOnly).toMatchObject({
      ok: null,
      checked: { senders: false, receivers: true },
      lost: null,
      unexpected: null,
      duplicated: 1,
      inDoubt: null,
    });
    // What one side alone can see still fails the run.
    expect(checkLedgers('at-most-once', null, [receiver(arrivalsOf(P, [1, 2, 2]))])).toMatchObject({
      ok: false,
      failed: ['duplicated'],
    });
    expect(checkLedgers('at-least-once', null, [receiver([[P, 1, false, true]])])).toMatchObject({
      ok: false,
      failed: ['corrupted'],
    });
  });
});

describe('checker invariants (property tests)', () => {
  const seqs = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 120 });

  it('lost + accepted-and-received = accepted; recovered never exceeds in doubt + failed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), seqs, seqs, seqs, (attempted, accepted, inDoubt, arrivals) => {
        const inRange = (xs: number[]): number[] => [...new Set(xs.filter((s) => s <= attempted))];
        const acc = inRange(accepted);
        const doubt = inRange(inDoubt).filter((s) => !acc.includes(s));
        const v = checkLedgers(
          'at-least-once',
          [sender(P, { attempted, accepted: acc, inDoubt: doubt })],
          [receiver(arrivalsOf(P, arrivals))],
        );
        const arrived = new Set(arrivals);
        expect(v.lost! + acc.filter((s) => arrived.has(s)).length).toBe(acc.length);
        expect(v.recovered).toBe(doubt.filter((s) => arrived.has(s)).length);
        expect(v.unexpected).toBe([...arrived].filter((s) => s > attempted).length);
        expect(v.received).toBe(arrived.size);
        expect(v.ok).toBe(v.lost === 0 && v.unexpected === 0);
      }),
    );
  });

  it('the verdict does not depend on how arrivals are split over receivers, or in which order receivers come', () => {
    fc.assert(
      fc.property(seqs, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 120 }), (arrivals, split) => {
        const parts: Arrival[][] = [[], [], []];
        arrivals.forEach((seq, i) => parts[split[i] ?? 0].push([P, seq]));
        const senders = [sender(P, { attempted: 300, accepted: upTo(300) })];
        const one = checkLedgers('at-least-once', senders, [receiver(parts.flat())]);
        const many = checkLedgers(
          'at-least-once',
          senders,
          parts.map((p) => receiver(p)),
        );
        const reversed = checkLedgers('at-least-once', senders, parts.map((p) => receiver(p)).reverse());
        for (const v of [many, reversed]) {
          expect({ lost: v.lost, duplicated: v.duplicated, received: v.received, unexpected: v.unexpected }).toEqual({
            lost: one.lost,
            duplicated: one.duplicated,
            received: one.received,
            unexpected: one.unexpected,
          });
        }
        const counts = new Map<number, number>();
        for (const seq of arrivals) counts.set(seq, (counts.get(seq) ?? 0) + 1);
        expect(one.duplicated).toBe([...counts.values()].filter((n) => n > 1).length);
      }),
    );
  });

  it('mergeArrivals is commutative and associative', () => {
    const arrivals = seqs.map((xs): MergedArrivals => {
      const seen = new Bitset();
      const duplicated = new Bitset();
      for (const s of xs) if (seen.testAndSet(s)) duplicated.set(s);
      return {
        seen,
        duplicated,
        corrupted: new Bitset(),
        reordered: xs.length % 3,
        redelivered: xs.length % 2,
        copies: xs.length,
        pastTtl: new Bitset(),
      };
    });
    const view = (m: MergedArrivals): unknown => ({
      seen: m.seen.first(Infinity),
      dup: m.duplicated.first(Infinity),
      r: m.reordered,
      d: m.redelivered,
      c: m.copies,
    });
    fc.assert(
      fc.property(arrivals, arrivals, arrivals, (a, b, c) => {
        expect(view(mergeArrivals(a, b))).toEqual(view(mergeArrivals(b, a)));
        expect(view(mergeArrivals(mergeArrivals(a, b), c))).toEqual(view(mergeArrivals(a, mergeArrivals(b, c))));
      }),
    );
  });
});
