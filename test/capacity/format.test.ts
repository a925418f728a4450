/** The verdict line: the capacity, the knee's reasons, and who set it. */
import { describe, expect, it } from 'vitest';
import {
  CAPACITY_SCHEMA,
  formatCapacity,
  kneeOf,
  preflightLines,
  verdictLine,
  type CapacityResult,
} from '../../src/capacity/format.js';
import type { Preflight } from '../../src/capacity/preflight.js';
import type { StepResult } from '../../src/capacity/run-step.js';

function step(rate: number, pass: boolean, reasons: string[] = [], limitedBy?: StepResult['limitedBy']): StepResult {
  return {
    index: 1,
    rate,
    pass,
    reasons,
    ...(limitedBy ? { limitedBy } : {}),
    achievedRate: rate,
    acceptRate: rate,
    receiveRate: rate,
    sent: rate,
    accepted: rate,
    received: rate,
    unsent: 0,
    backlog: 0,
    backlogGrowth: 0,
    inFlightFullShare: 0,
    latency: {},
    objectives: [],
    result: 'x',
  };
}

describe('verdictLine', () => {
  it("says the knee is salvo's generator when it fell behind and the broker did not", () => {
    const steps = [
      step(1000, true),
      step(2000, false, ['sendDelay.p99 40.0ms > 10.0ms'], 'generator'),
      step(1500, true),
    ];
    expect(kneeOf(steps)?.rate).toBe(2000);
    expect(verdictLine(1500, kneeOf(steps), 'resolved', 1000)).toBe(
      "capacity 1500 msg/s (2000 msg/s failed: sendDelay.p99 40.0ms > 10.0ms); the knee is salvo's generator, not the broker: add --senders (or --connections) and run again",
    );
  });

  it('names the in-flight limit and its value', () => {
    expect(verdictLine(500, step(1000, false, ['3 due messages unsent'], 'in-flight'), 'resolved', 8)).toContain(
      "the knee is salvo's in-flight limit (--max-in-flight 8), not the broker: raise --max-in-flight",
    );
  });

  it('with no passing step, says which rate failed and why', () => {
    expect(
      verdictLine(undefined, step(500, false, ['service.p99 30.0ms >= 10.0ms'], 'broker'), 'first-step-failed', 1000),
    ).toBe(
      'no rate met the objectives: 500 msg/s failed: service.p99 30.0ms >= 10.0ms; the knee is the broker (or the network): salvo kept its schedule',
    );
  });

  it('with no failing step and the capacity repeated, says how often it held', () => {
    const capacity = { rate: 8000, expected: 'pass' as const, runs: 3, held: 3, spread: [] };
    expect(verdictLine(8000, undefined, 'max-steps', 1000, undefined, { capacity, settled: true, missing: 0 })).toBe(
      'capacity at least 8000 msg/s, held 3/3: no step failed (stopped by max-steps); more --max-steps may find the knee',
    );
  });

  it('with no failing step, says it is a lower bound and how to go further', () => {
    expect(verdictLine(8000, undefined, 'max-steps', 1000)).toBe(
      'capacity at least 8000 msg/s: no step failed (stopped by max-steps); more --max-steps may find the knee',
    );
    expect(verdictLine(300, undefined, 'interrupted', 1000)).toBe(
      'capacity at least 300 msg/s: no step failed (stopped by interrupted)',
    );
  });
});

describe('formatCapacity', () => {
  const result = (address?: string): CapacityResult => ({
    schema: CAPACITY_SCHEMA,
    id: 'capacity-x',
    target: 'amqp://127.0.0.1:5673',
    ...(address !== undefined ? { address } : {}),
    slos: [],
    settings: {
      startRate: 1000,
      factor: 2,
      resolution: 0.1,
      maxSteps: 8,
      maxTimeMs: 60_000,
      stepDurationMs: 5_000,
      stepWarmupMs: 1_000,
      maxSendDelayUs: 10_000,
      repeat: 3,
    },
    preflight: null,
    preflightSkipped: '--no-preflight',
    capacityRate: 1000,
    knee: null,
    stoppedBy: 'max-steps',
    verdict: 'capacity at least 1000 msg/s',
    confidence: null,
    sureness: 'x',
    steps: [step(1000, true)],
    elapsedMs: 6_000,
  });

  it('names the address a URL without one defaulted to, under the target, and nothing otherwise', () => {
    const lines = formatCapacity(result('salvo (the URL named none)'), 'out/capacity.json').split('\n');
    expect(lines[0]).toMatch(/^Capacity {3}amqp:\/\/127\.0\.0\.1:5673, /);
    expect(lines[1]).toBe('Address    salvo (the URL named none)');
    expect(formatCapacity(result(), 'out/capacity.json')).not.toMatch(/^Address/m);
  });

  it('says when there was no pre-flight, and names the sureness and the report', () => {
    const text = formatCapacity(result(), 'out/capacity.json', 'out/capacity.html');
    expect(text).toMatch(/^Host {7}no pre-flight: --no-preflight$/m);
    expect(text).toMatch(/^Sureness {3}x$/m);
    expect(text).toMatch(/^Report {5}out\/capacity\.html$/m);
  });
});

const PREFLIGHT: Preflight = {
  cores: 2,
  freeCores: 0.05,
  loadAverage1m: 3.8,
  wakeUpLateUs: { p50: 150, p99: 7_400, max: 27_000 },
  reachedRate: 18_500,
  loadRate: null,
  salvoCpuUsPerMsg: 38.2,
  placement: 'embedded',
  messages: 37_000,
  windowMs: 2_000,
  ceilingRate: 18_500,
  busy: ['load average 3.8 on 2 cores', '0.05 cores idle', 'timers late by 7.4ms at p99'],
};

describe('the advice when the host set the knee', () => {
  it('at the ceiling: another machine or shards, never more senders', () => {
    const knee = step(16_000, false, ['sendDelay.p99 465.4ms > 10.0ms'], 'generator');
    const line = verdictLine(14_000, knee, 'resolved', 1000, { limit: 'cpu', preflight: PREFLIGHT });
    expect(line).toBe(
      'capacity 14000 msg/s (16000 msg/s failed: sendDelay.p99 465.4ms > 10.0ms); limited by this host, not the ' +
        'broker: the knee is at its ceiling (about 18,500 msg/s from the pre-flight, the embedded broker sharing its ' +
        'CPU); more --senders add no CPU: run salvo on another machine, or spread the load over several (--shards)',
    );
    expect(line).not.toContain('add --senders');
  });

  it('on a busy host below the ceiling: a quieter host or another machine, and why', () => {
    const knee = step(1000, false, ['sendDelay.p99 13.9ms > 10.0ms'], 'generator');
    const line = verdictLine(undefined, knee, 'first-step-failed', 1000, { limit: 'busy', preflight: PREFLIGHT });
    expect(line).toBe(
      'no rate met the objectives: 1000 msg/s failed: sendDelay.p99 13.9ms > 10.0ms; limited by this host, not the ' +
        'broker: it is busy (load average 3.8 on 2 cores, 0.05 cores idle, timers late by 7.4ms at p99), so ' +
        "salvo's threads wait for a CPU and fall behind at any rate; more --senders would only add to the wait: run " +
        'salvo on a quieter host, or on another machine',
    );
  });

  it('says how often the capacity held and the knee failed', () => {
    const knee = step(2000, false, ['service.p99 12.0ms >= 10.0ms'], 'broker');
    const held = (rate: number, expected: 'pass' | 'fail', n: number, of: number) => ({
      rate,
      expected,
      runs: of,
      held: n,
      spread: [],
    });
    const confidence = {
      capacity: held(1500, 'pass', 3, 3),
      knee: held(2000, 'fail', 2, 3),
      settled: false,
      missing: 0,
    };
    expect(verdictLine(1500, knee, 'resolved', 1000, undefined, confidence)).toMatch(
      /^capacity 1500 msg\/s, held 3\/3 \(2000 msg\/s failed only 2\/3: service\.p99 12\.0ms >= 10\.0ms\); the knee is the broker/,
    );
  });
});

describe('preflightLines', () => {
  it('gives the host, the cost of a message, the ceiling, and warns of a busy host and a start at the ceiling', () => {
    expect(preflightLines(PREFLIGHT, 16_000)).toEqual([
      '2 cores, 0.05 idle, load average 3.8, timers late 7.40ms at p99; salvo 38.2µs CPU a message (the embedded ' +
        'broker counted: it shares the process), 18,500 msg/s flat out',
      "above about 18,500 msg/s a knee would be this host's, not the broker's",
      "this host is busy (load average 3.8 on 2 cores, 0.05 cores idle, timers late by 7.4ms at p99): salvo's send " +
        'delay may fail steps at any rate; a quieter host or another machine measures the broker',
      "--start-rate 16000 is at this host's ceiling already: the steps will measure the host",
    ]);
  });

  it('names the rate of a load run held to --max-rate', () => {
    expect(preflightLines({ ...PREFLIGHT, loadRate: 5000, reachedRate: 4990 }, 1000)[0]).toMatch(
      /, 4,990 msg\/s at --max-rate 5000$/,
    );
  });

  it('says nothing of a busy host or the start rate on a quiet host', () => {
    const quiet = { ...PREFLIGHT, placement: 'remote' as const, busy: [] };
    const lines = preflightLines(quiet, 1000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('(the broker is on another host)');
  });
});
