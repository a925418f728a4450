import { describe, expect, it } from 'vitest';
import { noPerSecondLatency, zeroCounters, type TimePoint } from '../../src/metrics/index.js';
import { queueDepths } from '../../src/results/backlog.js';

function second(t: number, accepted: number, received: number): TimePoint {
  return { ...zeroCounters(), ...noPerSecondLatency(), t, warmup: false, sent: accepted, accepted, received };
}

describe('queue depth per second', () => {
  it('runs taken minus received, second by second', () => {
    const points = [second(0, 2000, 500), second(1, 2000, 500), second(2, 0, 2000)];
    expect(queueDepths(points, { settle: 'at-least-once' })).toEqual([1500, 3000, 1000]);
  });

  it('with subscriptions, counts owed deliveries: each taken message once per subscription', () => {
    // 8 subscriptions, each receiving every message: no backlog, not a depth of -7x.
    const points = [second(0, 1000, 8000), second(1, 1000, 6000), second(2, 0, 2000)];
    expect(queueDepths(points, { settle: 'at-least-once', topic: { subscriptions: 8, durable: false } })).toEqual([
      0, 2000, 0,
    ]);
    expect(queueDepths(points, { settle: 'at-least-once' })).toEqual([0, 0, 0]);
  });

  it('never shows below 0 when arrivals are counted before their acceptance', () => {
    const points = [second(0, 600, 1000), second(1, 1400, 1000)];
    expect(queueDepths(points, { settle: 'at-least-once' })).toEqual([0, 0]);
  });
});
