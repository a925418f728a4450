import { describe, expect, it } from 'vitest';
import { checkLedgers } from '../../src/ledger/checker.js';
import { SenderLedger } from '../../src/ledger/sender-ledger.js';
import { ReceiverLedger } from '../../src/ledger/receiver-ledger.js';
import { zeroCounters } from '../../src/metrics/index.js';
import { resolvePlan } from '../../src/plan/index.js';
import { captureEnvironment } from '../../src/results/environment.js';
import { checksFor, RESULT_SCHEMA, totalsFrom, type RunResult } from '../../src/results/result.js';
import { formatSummary, verdictTable } from '../../src/results/summary.js';

function txResult(): RunResult {
  const plan = resolvePlan({ runId: 'r1', count: 30, txSize: 10, txRollbackRatio: 0.3 });
  const totals = totalsFrom(
    {
      ...zeroCounters(),
      sent: 30,
      accepted: 30,
      received: 20,
      committed: 20,
      rolledBack: 10,
      batchesCommitted: 2,
      batchesRolledBack: 1,
    },
    0,
    { sendS: 1, acceptS: 1, receiveS: 1 },
  );
  return {
    schema: RESULT_SCHEMA,
    runId: 'r1',
    startedAt: '2026-12-02T00:00:00.000Z',
    complete: true,
    problems: [],
    plan,
    environment: captureEnvironment('amqp://127.0.0.1:5672 (embedded)'),
    totals,
    latency: {},
    checks: checksFor(plan, totals),
    timeseries: [],
  };
}

describe('summary of a transactional run', () => {
  it('says how many batches and messages committed and rolled back', () => {
    expect(formatSummary(txResult(), 'out')).toMatch(
      /^ {2}Txns +sent: 2 committed \(20 messages\), 1 rolled back \(10 messages\)$/m,
    );
  });

  it('compares receipts with commits, not with provisional accepts', () => {
    expect(txResult().checks[0]).toEqual({
      name: 'no fewer received than committed',
      ok: true,
      detail: '20 of 20 committed',
    });
  });

  it('shows ghost and partial batch rows, aligned, only in the transactional mode', () => {
    const sender = new SenderLedger('r1/s0.c0.l0', 10);
    for (let seq = 1; seq <= 10; seq++) sender.sent(seq);
    sender.batchRolledBack(1, 10);
    const receiver = new ReceiverLedger();
    const bytes = Buffer.from('r1/s0.c0.l0');
    receiver.record(receiver.producerIndex(bytes, 0, bytes.length), 4, false, false);
    const table = verdictTable(checkLedgers('transactional', [sender.toWire()], [receiver.toWire()]));
    expect(table[1]).toBe('Verdict (transactional, every message of the run): FAIL (ghost)');
    expect(table).toContain('  ghost                  1  fails the run   e.g. r1/s0.c0.l0 #4');
    expect(table).toContain('  partial batch          0  fails the run');
    const plain = verdictTable(checkLedgers('at-least-once', [sender.toWire()], [receiver.toWire()]));
    expect(plain.some((line) => line.includes('ghost') || line.includes('partial'))).toBe(false);
  });
});
