/** `salvo report --format markdown`: what a CI job summary shows of a run. */
import { describe, expect, it } from 'vitest';
import { formatMarkdown, statusOf } from '../../src/report/index.js';
import type { Verdict } from '../../src/ledger/index.js';
import { latencyOf, resultOf, withFaults } from './fixture.js';

function verdict(fields: Partial<Verdict> = {}): Verdict {
  return {
    mode: 'at-least-once',
    ok: true,
    checked: { senders: true, receivers: true },
    failed: [],
    attempted: 5000,
    received: 5000,
    lost: 0,
    unexpected: 0,
    duplicated: 0,
    corrupted: 0,
    recovered: 0,
    reordered: 0,
    inDoubt: 0,
    resent: 0,
    redelivered: 0,
    ghost: null,
    partialBatch: null,
    examples: {},
    ...fields,
  };
}

const passing = [{ name: 'no fewer received than accepted', ok: true, detail: '5000 of 5000 accepted' }];

describe('salvo report --format markdown', () => {
  it('heads with the status and tabulates totals with rates', () => {
    const md = formatMarkdown(
      resultOf(
        { count: 5000 },
        {
          runId: 'run-7',
          checks: passing,
          totals: {
            sent: 5000,
            accepted: 5000,
            received: 5000,
            sendRate: 12_345.6,
            acceptRate: 11_000,
            receiveRate: 10_500.4,
            durationS: 0.45,
          },
        },
      ),
    );
    expect(md.split('\n')[0]).toBe('## salvo run `run-7`: PASS');
    expect(md).toContain(
      '`amqp://127.0.0.1:5672 (embedded)` · at-least-once · 1 sender × 1 receiver · closed loop · 100 B bodies',
    );
    expect(md).toContain('**Totals** (0.5 s measured)');
    expect(md).toContain('| sent | 5,000 | 12,346 |');
    expect(md).toContain('| accepted | 5,000 | 11,000 |');
    expect(md).toContain('| received | 5,000 | 10,500 |');
    // Counters that did not move stay out of the table.
    expect(md).not.toMatch(/in doubt|reconnects|rejected/);
  });

  it("lists the latency percentiles of each recorded kind, in µs, from the run's histograms", async () => {
    // 900 at 100 µs, 90 at 2,000 µs, 10 at 50,000 µs: p50 100, p99 2,000 (the 990th), p99.9 and max in 50,000's bucket.
    const service = await latencyOf([
      [100, 900],
      [2000, 90],
      [50_000, 10],
    ]);
    const endToEnd = await latencyOf([[300, 1000]]);
    const md = formatMarkdown(resultOf({ count: 1000 }, { latency: { service, endToEnd } }));
    expect(md).toContain('| kind | count | p50 | p90 | p99 | p99.9 | p99.99 | p99.999 | max |');
    const row = md.split('\n').find((line) => line.startsWith('| service'))!;
    const cells = row
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const int = (v: number) => v.toLocaleString('en-US');
    expect(cells).toEqual([
      'service (send -> accepted)',
      '1,000',
      int(service.p50),
      int(service.p90),
      int(service.p99),
      int(service.p999),
      int(service.p9999),
      int(service.p99999),
      int(service.max),
    ]);
    expect([service.p50, service.p99]).toEqual([100, 2000]);
    expect(service.p999).toBeGreaterThanOrEqual(50_000);
    expect(md).toMatch(/^\| end to end \(send -> receive\) \| 1,000 \| 300 \| 300 \|/m);
    expect(md.indexOf('| service')).toBeLessThan(md.indexOf('| end to end'));
    expect(md).not.toContain('fault proxy');
  });

  it("adds the fault proxy's own lateness as the last latency row, when the run has it", async () => {
    const service = await latencyOf([[100, 1000]]);
    const proxyLateness = await latencyOf([
      [3, 990],
      [700, 10],
    ]);
    const md = formatMarkdown(resultOf({ count: 1000 }, { latency: { service }, proxyLateness }));
    const lines = md.split('\n');
    const at = lines.findIndex((line) => line.startsWith('| fault proxy'));
    expect(lines[at]).toBe(
      '| fault proxy: write - due of each delayed chunk | 1,000 | 3 | 3 | 3 | 700 | 700 | 700 | 700 |',
    );
    expect(lines[at - 1]).toMatch(/^\| service/);
  });

  it("shows the verdict with each category's role and an example, and FAIL in the heading when a check failed", () => {
    const result = resultOf(
      { count: 5000 },
      {
        verdict: verdict({
          ok: false,
          failed: ['lost'],
          lost: 3,
          duplicated: 2,
          examples: { lost: [{ producer: 'r1/s0.0.0', seq: 17 }] },
        }),
        checks: [
          ...passing,
          {
            name: 'delivery verdict (at-least-once, per sequence number)',
            ok: false,
            detail: 'lost 3, unexpected 0, corrupted 0 of 5000 sent; reported: duplicated 2',
          },
        ],
      },
    );
    const md = formatMarkdown(result);
    expect(statusOf(result)).toBe('FAIL');
    expect(md.split('\n')[0]).toBe('## salvo run `r1`: FAIL');
    expect(md).toContain('**Verdict** (at-least-once, every message of the run): FAIL (lost)');
    expect(md).toContain('| lost | 3 | fails the run | `r1/s0.0.0` #17 |');
    expect(md).toContain('| duplicated | 2 | reported |  |');
    expect(md).toContain('| PASS | no fewer received than accepted | 5000 of 5000 accepted |');
    expect(md).toContain(
      '| **FAIL** | delivery verdict (at-least-once, per sequence number) | lost 3, unexpected 0, corrupted 0 of 5000 sent; reported: duplicated 2 |',
    );
  });

  it('tabulates thresholds, and a failing one fails the status', () => {
    const thresholds = [
      { text: 'service.p99<10ms', metric: 'service.p99', limit: 10_000, unit: 'us', measured: 3_210, pass: true },
      { text: 'acceptRate>20000', metric: 'acceptRate', limit: 20_000, unit: 'msg/s', measured: 14_310, pass: false },
    ] as const;
    const result = resultOf({ count: 5000 }, { checks: passing, thresholds: [...thresholds] });
    const md = formatMarkdown(result);
    expect(statusOf(result)).toBe('FAIL');
    expect(md).toContain('| PASS | `service.p99<10ms` | 3.21ms |');
    expect(md).toContain('| **FAIL** | `acceptRate>20000` | 14,310 msg/s |');
    expect(statusOf(resultOf({ count: 5000 }, { checks: passing, thresholds: [thresholds[0]] }))).toBe('PASS');
  });

  it('says "not checked" for a side that did not run', () => {
    const md = formatMarkdown(
      resultOf(
        { count: 100, receivers: 0 },
        { verdict: verdict({ ok: null, checked: { senders: true, receivers: false }, lost: null, received: null }) },
      ),
    );
    expect(md).toContain('**Verdict** (at-least-once, every message of the run): NOT CHECKED');
    expect(md).toContain('| lost | not checked | fails the run |  |');
    expect(md).not.toContain('| received |');
  });

  it("heads an interrupted run's partial verdict as such: never a pass, loss not checked", () => {
    const partial = verdict({ ok: null, lost: null, partial: true, confirmed: 4000, unconfirmed: 12 });
    const md = formatMarkdown(resultOf({ count: 5000 }, { complete: false, verdict: partial }));
    expect(md).toContain(
      '**Verdict** (at-least-once, every message so far): partial verdict (interrupted): nothing wrong found so far; ' +
        '12 unconfirmed, loss not checked',
    );
  });

  it('marks an interrupted run INCOMPLETE and lists its problems, one line each, pipes escaped', () => {
    const result = resultOf(
      { count: 100 },
      {
        complete: false,
        checks: passing,
        problems: ['interrupted by SIGINT after 3.2 s'],
        totals: { sent: 50, accepted: 40, inDoubt: 10, reconnects: 2 },
      },
    );
    const md = formatMarkdown({ ...result, checks: [{ name: 'a | b', ok: true, detail: 'one\ntwo' }] });
    expect(md.split('\n')[0]).toBe('## salvo run `r1`: INCOMPLETE');
    expect(md).toContain('- **problem:** interrupted by SIGINT after 3.2 s');
    expect(md).toContain('| in doubt | 10 |  |');
    expect(md).toContain('| reconnects | 2 |  |');
    expect(md).toContain('| PASS | a \\| b | one two |');
  });

  it('counts injected faults when the result records them', () => {
    const result = withFaults(resultOf({ count: 100 }), [
      { atMs: 1000, kind: 'reset', target: 'all connections (2)', effect: '2 connections reset' },
      { atMs: 3000, kind: 'reset', target: 'all connections (2)', effect: '2 connections reset' },
    ]);
    expect(formatMarkdown(result)).toContain('| faults injected | 2 |  |');
  });
});
