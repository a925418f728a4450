/**
 * The step policy on synthetic outcomes: a fake step with a known knee (it
 * passes at or below it), no broker. The search must land within its
 * resolution below the knee, in the number of steps doubling and bisection
 * take, and stop at its bounds.
 */
import { describe, expect, it } from 'vitest';
import { bracket, nextStep, searchCapacity, type SearchOptions } from '../../src/capacity/search.js';

const OPTIONS: SearchOptions = { startRate: 500, factor: 2, resolution: 0.1, maxSteps: 12 };
const unbounded = { maxTimeMs: Number.POSITIVE_INFINITY, stepMs: 0 };

function kneeAt(knee: number): (rate: number) => Promise<{ rate: number; pass: boolean }> {
  return async (rate) => ({ rate, pass: rate <= knee });
}

describe('searchCapacity', () => {
  it.each([700, 3_000, 6_100, 12_345, 40_000])(
    'a knee at %i msg/s is found within the resolution, from below',
    async (knee) => {
      const outcome = await searchCapacity(kneeAt(knee), { ...OPTIONS, ...unbounded });
      expect(outcome.stoppedBy).toBe('resolved');
      expect(outcome.capacityRate).toBeLessThanOrEqual(knee);
      expect(outcome.capacityRate!).toBeGreaterThanOrEqual(knee / (1 + OPTIONS.resolution));
      // Doublings to pass the knee, then halvings of the bracket [r, 2r] until it is within 10% of r: at most 4.
      const doublings = Math.ceil(Math.log2(knee / 500)) + 1;
      expect(outcome.steps.length).toBeGreaterThan(doublings);
      expect(outcome.steps.length).toBeLessThanOrEqual(doublings + 4);
    },
  );

  it('doubles from the start rate, then bisects between the last pass and the first failure', async () => {
    const outcome = await searchCapacity(kneeAt(3_000), { ...OPTIONS, ...unbounded });
    expect(outcome.steps.map((s) => s.rate)).toEqual([500, 1000, 2000, 4000, 3000, 3500, 3250]);
    expect(outcome.capacityRate).toBe(3000);
  });

  it('stops at once when the first step fails, with no capacity', async () => {
    const outcome = await searchCapacity(kneeAt(100), { ...OPTIONS, ...unbounded });
    expect(outcome.steps.map((s) => s.rate)).toEqual([500]);
    expect(outcome.capacityRate).toBeUndefined();
    expect(outcome.stoppedBy).toBe('first-step-failed');
  });

  it('never runs more than --max-steps, and reports the best pass so far', async () => {
    const outcome = await searchCapacity(kneeAt(1e9), { ...OPTIONS, ...unbounded, maxSteps: 5 });
    expect(outcome.steps.map((s) => s.rate)).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(outcome.stoppedBy).toBe('max-steps');
    expect(outcome.capacityRate).toBe(8000);
  });

  it('starts no step that would end after --max-time', async () => {
    let clock = 0;
    const step = async (rate: number): Promise<{ rate: number; pass: boolean }> => {
      clock += 5_000;
      return { rate, pass: true };
    };
    const outcome = await searchCapacity(step, { ...OPTIONS, maxTimeMs: 17_000, stepMs: 5_000, now: () => clock });
    expect(outcome.steps).toHaveLength(3);
    expect(outcome.stoppedBy).toBe('max-time');
  });

  it('caps the rate at --max-rate and ends there when it passes', async () => {
    const outcome = await searchCapacity(kneeAt(1e9), { ...OPTIONS, ...unbounded, maxRate: 3_000 });
    expect(outcome.steps.map((s) => s.rate)).toEqual([500, 1000, 2000, 3000]);
    expect(outcome.stoppedBy).toBe('max-rate');
  });
});

describe('nextStep', () => {
  it('bisects below the lowest failure even when a higher rate passed (a noisy step)', () => {
    const steps = [
      { rate: 500, pass: true },
      { rate: 1000, pass: false },
      { rate: 2000, pass: true },
    ];
    expect(bracket(steps)).toEqual({ pass: 500, fail: 1000 });
    expect(nextStep(steps, OPTIONS)).toEqual({ rate: 750 });
  });
});

describe('an interrupted search', () => {
  it('stops at the step that returned nothing and keeps the steps before it', async () => {
    const step = async (rate: number, index: number): Promise<{ rate: number; pass: boolean } | undefined> =>
      index < 2 ? { rate, pass: true } : undefined;
    const outcome = await searchCapacity(step, { ...OPTIONS, ...unbounded });
    expect(outcome).toEqual({
      steps: [
        { rate: 500, pass: true },
        { rate: 1000, pass: true },
      ],
      capacityRate: 1000,
      stoppedBy: 'interrupted',
    });
  });
});
