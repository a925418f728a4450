import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { ReceiverLedger } from '../../src/ledger/receiver-ledger.js';
import { SenderLedger } from '../../src/ledger/sender-ledger.js';
import { verdictChecks } from '../../src/results/result.js';
import { verdictTable } from '../../src/results/summary.js';

const P = 'run/s0.c0.l0';

function ledgers(sent: number, arrivals: number[]): [SenderLedger, ReceiverLedger] {
  const s = new SenderLedger(P);
  for (let seq = 1; seq <= sent; seq++) {
    s.sent(seq);
    s.settledAccepted(seq);
  }
  const r = new ReceiverLedger();
  const bytes = Buffer.from(P);
  const index = r.producerIndex(bytes, 0, bytes.length);
  for (const seq of arrivals) r.record(index, seq, false, false);
  return [s, r];
}

describe('the verdict in checks and in the summary', () => {
  it('a lost message fails the at-least-once check, naming the rule, and the table shows an example', () => {
    const [s, r] = ledgers(4, [1, 2, 4, 4]);
    const verdict = checkLedgers('at-least-once', [s.toWire()], [r.toWire()]);
    expect(verdictChecks(verdict)).toEqual([
      {
        name: 'delivery verdict (at-least-once, per sequence number)',
        ok: false,
        detail: 'lost 1, unexpected 0, corrupted 0 of 4 sent; reported: duplicated 1 (1 extra copy)',
      },
    ]);
    const table = verdictTable(verdict);
    expect(table).toContain('Verdict (at-least-once, every message of the run): FAIL (lost)');
    expect(table).toContain(`  lost                   1  fails the run   e.g. ${P} #3`);
    expect(table).toContain(`  duplicated             1  reported        messages, 1 extra copy; e.g. ${P} #4`);
  });

  it('duplicated counts messages and says the extra copies beside them: three copies of one are 1 and 2', () => {
    const [s, r] = ledgers(4, [1, 2, 2, 2, 3, 4, 4]);
    const verdict = checkLedgers('at-least-once', [s.toWire()], [r.toWire()]);
    expect(verdict).toMatchObject({ duplicated: 2, extraCopies: 3 });
    expect(verdictChecks(verdict)[0].detail).toBe(
      'lost 0, unexpected 0, corrupted 0 of 4 sent; reported: duplicated 2 (3 extra copies)',
    );
    expect(verdictTable(verdict)).toContain(
      `  duplicated             2  reported        messages, 3 extra copies; e.g. ${P} #2`,
    );
    // No duplicates, no extraCopies: a clean verdict reads as before.
    const [s2, r2] = ledgers(2, [1, 2]);
    expect(checkLedgers('at-least-once', [s2.toWire()], [r2.toWire()])).not.toHaveProperty('extraCopies');
  });

  it('an unchecked verdict adds no check (the count checks decide) and says "not checked"', () => {
    const [s] = ledgers(4, []);
    const verdict = checkLedgers('at-least-once', [s.toWire()], null);
    expect(verdictChecks(verdict)).toEqual([]);
    expect(verdictTable(verdict)).toContain('  lost         not checked  fails the run');
    expect(verdictTable(verdict)[1]).toMatch(/NOT CHECKED$/);
  });
});

describe('verdictChecks with nothing to check', () => {
  it('fails when senders sent nothing', () => {
    const verdict = checkLedgers('at-least-once', [new SenderLedger(P).toWire()], [new ReceiverLedger().toWire()]);
    expect(verdictChecks(verdict)).toEqual([
      {
        name: 'delivery verdict (at-least-once, per sequence number)',
        ok: false,
        detail: 'no message sent: no sequence number to check',
      },
    ]);
  });
});
