import { describe, expect, it } from 'vitest';
import { zeroCounters } from '../../src/metrics/index.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';
import { captureEnvironment } from '../../src/results/environment.js';
import { RESULT_SCHEMA, totalsFrom, type RunResult, type Totals } from '../../src/results/result.js';
import { formatSummary, paceNotes } from '../../src/results/summary.js';

function resultOf(input: PlanInput, totals: Partial<Totals>): RunResult {
  const plan = resolvePlan({ runId: 'r1', ...input });
  const base = totalsFrom(zeroCounters(), 0, { sendS: 10, acceptS: 10, receiveS: 10 });
  return {
    schema: RESULT_SCHEMA,
    runId: 'r1',
    startedAt: '2026-12-02T00:00:00.000Z',
    complete: true,
    problems: [],
    plan,
    environment: captureEnvironment('amqp://127.0.0.1:5672 (embedded)'),
    totals: { ...base, ...totals },
    latency: {},
    checks: [],
    timeseries: [],
  };
}

describe('run summary', () => {
  it('names the address a URL without one defaulted to, below the target, and nothing otherwise', () => {
    const lines = formatSummary(resultOf({ url: 'amqp://127.0.0.1:5673' }, {}), 'out').split('\n');
    const at = lines.findIndex((l) => /^ {2}Address /.test(l));
    expect(lines[at]).toBe('  Address    salvo (the URL named none)');
    expect(lines[at - 1]).toMatch(/^ {2}Target /);
    for (const input of [{ url: 'amqp://127.0.0.1:5673/orders' }, {}])
      expect(formatSummary(resultOf(input, {}), 'out')).not.toMatch(/^ {2}Address /m);
  });

  it('names requests and replies in an rpc run: requests accepted, corrected to the reply', () => {
    const result = resultOf(
      { count: 2000, pattern: 'rpc', rate: 500 },
      { sent: 2000, accepted: 2000, requests: 2000, replies: 2000, acceptRate: 500 },
    );
    const summary = {
      count: 2000,
      mean: 900,
      p50: 800,
      p90: 900,
      p99: 1000,
      p999: 1100,
      p9999: 1200,
      p99999: 1200,
      max: 1200,
      hdr: '',
    };
    result.latency = { corrected: summary, roundTrip: summary };
    const text = formatSummary(result, 'out');
    expect(text).toMatch(/^ {2}Rate +500 requests\/s accepted by the broker$/m);
    expect(text).toMatch(/^ {2}corrected \(intended -> reply\) /m);
    expect(text).toMatch(/^ {2}round trip \(request -> reply\) /m);
  });

  it('rpc: the RPC line adds up (requests = replies + unanswered) and names second answers apart', () => {
    const totals = { sent: 1010, requests: 1000, replies: 990, unanswered: 10, late: 2, duplicates: 3, resent: 10 };
    const text = formatSummary(resultOf({ count: 1000, pattern: 'rpc' }, totals), 'out');
    expect(text).toMatch(/^ {2}RPC +1,000 requests, 990 replies, 10 unanswered, 2 late, 3 answered twice$/m);
    const clean = formatSummary(resultOf({ count: 1000, pattern: 'rpc' }, { requests: 1000, replies: 1000 }), 'out');
    expect(clean).toMatch(/^ {2}RPC +1,000 requests, 1,000 replies$/m);
  });

  it('heads an at-least-once run with what the broker accepted, and labels sends as writes', () => {
    // 400 links write 100k messages into socket buffers at once; the broker takes them at its own pace.
    const text = formatSummary(
      resultOf(
        { count: 100_000 },
        {
          sent: 100_000,
          accepted: 100_000,
          received: 100_000,
          sendRate: 324_189,
          acceptRate: 22_985,
          receiveRate: 22_985,
        },
      ),
      'out',
    );
    expect(text).toMatch(/^ {2}Rate +22,985 msg\/s accepted by the broker$/m);
    expect(text).toMatch(/^ {2}Sent +100,000 messages {2}\(324,189 msg\/s written\)$/m);
    const lines = text.split('\n');
    expect(lines.findIndex((l) => l.includes('accepted by the broker'))).toBeLessThan(
      lines.findIndex((l) => l.includes('324,189')),
    );
    // At most once nothing is accepted: the send rate stays the headline.
    const atMostOnce = formatSummary(
      resultOf({ count: 1000, linkAtMostOnce: true }, { sent: 1000, received: 1000, sendRate: 5000 }),
      'out',
    );
    expect(atMostOnce).not.toMatch(/accepted by the broker/);
    expect(atMostOnce).toMatch(/Sent +1,000 messages {2}\(5,000 msg\/s\)$/m);
  });

  it('says the generator fell behind, with the achieved rate against the target and the unsent count', () => {
    const result = resultOf(
      { duration: '10s', rate: 10_000 },
      { sent: 61_000, sendRate: 6_777.8, unsent: 29_000, passes: 5000 },
    );
    expect(paceNotes(result)).toEqual([
      'generator fell behind: achieved 6,778 msg/s of 10,000 target, 29,000 due messages unsent',
    ]);
    expect(formatSummary(result, 'out')).toMatch(
      /^ {2}Pace +generator fell behind: achieved 6,778 msg\/s of 10,000 target, 29,000 due messages unsent$/m,
    );
  });

  it('says when the in-flight limit, not the broker, set the pace', () => {
    const limited = resultOf(
      { count: 100_000, maxInFlight: 50 },
      { sent: 100_000, accepted: 100_000, passes: 4000, passesInFlightFull: 3500, passesNoCredit: 100 },
    );
    expect(paceNotes(limited)).toEqual(['in-flight limit (50 per link) set the pace, not the broker']);
    expect(formatSummary(limited, 'out')).toMatch(
      /^ {2}Pace +in-flight limit \(50 per link\) set the pace, not the broker$/m,
    );
  });

  it('blames neither when credit, not in-flight, held senders back, or when the generator kept up', () => {
    const credit = resultOf(
      { count: 100_000 },
      { sent: 100_000, accepted: 100_000, passes: 4000, passesInFlightFull: 2100, passesNoCredit: 2500 },
    );
    const rare = resultOf(
      { count: 100_000 },
      { sent: 100_000, accepted: 100_000, passes: 4000, passesInFlightFull: 1000, passesNoCredit: 0 },
    );
    const keptUp = resultOf(
      { duration: '10s', rate: 1000 },
      { sent: 9000, accepted: 9000, sendRate: 1000, unsent: 0, passes: 9000 },
    );
    for (const result of [credit, rare, keptUp]) {
      expect(paceNotes(result)).toEqual([]);
      expect(formatSummary(result, 'out')).not.toMatch(/Pace/);
    }
  });
});
