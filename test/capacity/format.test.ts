/** The verdict line: the capacity, the knee's reasons, and who set it. */
import { describe, expect, it } from 'vitest';
import {
  CAPACITY_SCHEMA,
  formatCapacity,
  kneeOf,
  verdictLine,
  type CapacityResult,
} from '../../src/capacity/format.js';
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
    },
    capacityRate: 1000,
    knee: null,
    stoppedBy: 'max-steps',
    verdict: 'capacity at least 1000 msg/s',
    steps: [step(1000, true)],
    elapsedMs: 6_000,
  });

  it('names the address a URL without one defaulted to, under the target, and nothing otherwise', () => {
    const lines = formatCapacity(result('salvo (the URL named none)'), 'out/capacity.json').split('\n');
    expect(lines[0]).toMatch(/^Capacity {3}amqp:\/\/127\.0\.0\.1:5673, /);
    expect(lines[1]).toBe('Address    salvo (the URL named none)');
    expect(formatCapacity(result(), 'out/capacity.json')).not.toMatch(/^Address/m);
  });
});
