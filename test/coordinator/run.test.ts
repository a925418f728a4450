import { describe, expect, it } from 'vitest';
import { stuckAfterMs } from '../../src/coordinator/run.js';
import { resolvePlan } from '../../src/plan/index.js';

describe('stuckAfterMs', () => {
  it('is the drain timeout, closed loop or open loop, when sends are due more often', () => {
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s' }))).toBe(1000);
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', rate: 100 }))).toBe(1000);
  });

  it('gives a blackhole its length on top: a run held on purpose is not stuck', () => {
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', faults: 'blackhole 3s at 1s; blackhole 5s every 20s', duration: '60s' }))).toBe(6000);
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', faults: 'latency 5ms' }))).toBe(1000);
  });

  it('waits two gaps of a slow schedule, so that a link between due sends is not taken for stuck', () => {
    // 0.5 msg/s over 2 links: each link sends every 4 s.
    expect(stuckAfterMs(resolvePlan({ runId: 't', drainTimeout: '1s', rate: 0.5, links: 2 }))).toBe(8000);
  });
});
