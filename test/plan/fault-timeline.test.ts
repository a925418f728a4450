import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FAULT_EVENTS, faultTimeline, parseFaultSpec, splitTimeline } from '../../src/plan/index.js';
import { PlanError } from '../../src/plan/index.js';

describe('faultTimeline', () => {
  it('places "every" and "at" faults exactly, sorted, inside the run', () => {
    expect(
      faultTimeline(parseFaultSpec('reset every 2s; blackhole 3s at 5s; reset at 20s; latency 5ms'), 1, 9000),
    ).toEqual([
      { atMs: 2000, kind: 'reset' },
      { atMs: 4000, kind: 'reset' },
      { atMs: 5000, kind: 'blackhole', durationMs: 3000 },
      { atMs: 6000, kind: 'reset' },
      { atMs: 8000, kind: 'reset' },
    ]);
  });

  it('puts broker restarts on the timeline and splits them from what the proxy does', () => {
    const timeline = faultTimeline(parseFaultSpec('reset every 2s; broker-restart at 3s'), 1, 5000);
    expect(timeline).toEqual([
      { atMs: 2000, kind: 'reset' },
      { atMs: 3000, kind: 'broker-restart' },
      { atMs: 4000, kind: 'reset' },
    ]);
    expect(splitTimeline(timeline)).toEqual({
      proxy: [
        { atMs: 2000, kind: 'reset' },
        { atMs: 4000, kind: 'reset' },
      ],
      broker: [{ atMs: 3000, kind: 'broker-restart' }],
    });
  });

  it('gives the same random timeline for the same seed and another for another seed', () => {
    const plan = parseFaultSpec('reset random 1s-5s; blackhole 1s random 2s-3s');
    const first = faultTimeline(plan, 42, 120_000);
    expect(faultTimeline(plan, 42, 120_000)).toEqual(first);
    expect(faultTimeline(plan, 43, 120_000)).not.toEqual(first);
    expect(first.length).toBeGreaterThan(120 / 5);
  });

  it('keeps gaps of a random fault within its range', () => {
    const times = faultTimeline(parseFaultSpec('reset random 1s-5s'), 7, 600_000).map((event) => event.atMs);
    const gaps = times.map((atMs, i) => atMs - (i === 0 ? 0 : times[i - 1]));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5000);
    // Drawn, not constant: a seeded stream spreads over the range.
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(2000);
  });

  it('does not move one fault when another is added', () => {
    const alone = faultTimeline(parseFaultSpec('reset random 1s-5s'), 9, 60_000);
    const withOther = faultTimeline(parseFaultSpec('reset random 1s-5s; blackhole 1s random 1s-2s'), 9, 60_000);
    expect(withOther.filter((event) => event.kind === 'reset')).toEqual(alone);
  });

  it('refuses a spec that would schedule too many events', () => {
    expect(() => faultTimeline(parseFaultSpec('reset every 1ms'), 1, 3_600_000)).toThrow(PlanError);
    expect(() => faultTimeline(parseFaultSpec('reset every 1ms'), 1, 3_600_000)).toThrow(
      `--faults "reset every 1ms": more than ${MAX_FAULT_EVENTS} fault events in a 3600000 ms run`,
    );
  });

  it('holds its invariants for any seed, range and run length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 2, max: 5000 }),
        fc.integer({ min: 0, max: 300_000 }),
        (seed, minMs, spanMs, everyMs, runMs) => {
          const plan = parseFaultSpec(
            `reset random ${minMs}ms-${minMs + spanMs}ms; blackhole 1s every ${everyMs}ms; reset at 1s`,
          );
          const roomFor = Math.floor(runMs / minMs) + Math.floor(runMs / everyMs) + 1;
          let timeline;
          try {
            timeline = faultTimeline(plan, seed, runMs);
          } catch (error) {
            // Refused only when the run really has room for more than the cap.
            expect(error).toBeInstanceOf(PlanError);
            expect(roomFor).toBeGreaterThan(MAX_FAULT_EVENTS);
            return;
          }
          expect(faultTimeline(plan, seed, runMs)).toEqual(timeline);
          for (let i = 0; i < timeline.length; i++) {
            expect(timeline[i].atMs).toBeGreaterThanOrEqual(0);
            expect(timeline[i].atMs).toBeLessThan(runMs);
            expect(Number.isInteger(timeline[i].atMs)).toBe(true);
            if (i > 0) expect(timeline[i].atMs).toBeGreaterThanOrEqual(timeline[i - 1].atMs);
          }
          expect(timeline.length).toBeLessThanOrEqual(Math.min(roomFor, MAX_FAULT_EVENTS));
        },
      ),
      { numRuns: 200 },
    );
  });
});
