/** The verdict line: the capacity, the knee's reasons, and who set it. */
import { describe, expect, it } from 'vitest';
import { kneeOf, verdictLine } from '../../src/capacity/format.js';
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
