import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COARSE_GUARD_US,
  coarseWaitMs,
  napBeforeTurnUs,
  RELEASE_PACING,
  SENDER_PACING,
} from '../../src/timing/pacer.js';

const { napMaxUs: NAP_MAX_US, spinUs: SPIN_US } = SENDER_PACING;
/** The sender naps only when nothing is in flight (an outcome would be timed late). */
const fineNapUs = (dueUs: number, nowUs: number, idle: boolean): number =>
  idle ? napBeforeTurnUs(dueUs, nowUs, SENDER_PACING) : 0;

describe('waiting for a due time', () => {
  it('never sets a timer that can fire after the guard before the due time, and sets one when a whole ms is left', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 5e6, noNaN: true }),
        (nowUs, waitUs) => {
          const dueUs = nowUs + waitUs;
          const ms = coarseWaitMs(dueUs, nowUs);
          // The loop's cached time is at most now and whole ms: the timer fires at most at floor(now) + ms.
          if (ms > 0)
            expect((Math.floor(nowUs / 1000) + ms) * 1000).toBeLessThanOrEqual(dueUs - COARSE_GUARD_US + 1e-6);
          if (waitUs >= 2000 + COARSE_GUARD_US) expect(ms).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('leaves the last stretch to a timer-free fine phase', () => {
    expect(coarseWaitMs(10_500, 10_000)).toBe(0);
    expect(coarseWaitMs(11_100, 10_999)).toBe(0); // the boundary at 11 ms is inside the guard
    expect(coarseWaitMs(12_100, 10_999)).toBe(1); // fires from 11 ms on, before 11.9 ms
    expect(coarseWaitMs(12_300, 10_999)).toBe(2);
  });

  it('naps only when idle, never into the last SPIN_US, and never longer than NAP_MAX_US', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.boolean(),
        (nowUs, waitUs, idle) => {
          const napUs = fineNapUs(nowUs + waitUs, nowUs, idle);
          if (!idle) expect(napUs).toBe(0);
          expect(napUs).toBeLessThanOrEqual(NAP_MAX_US);
          if (napUs > 0) expect(nowUs + napUs).toBeLessThanOrEqual(nowUs + waitUs - SPIN_US + 1e-6);
        },
      ),
    );
    expect(fineNapUs(1_000, 0, true)).toBe(NAP_MAX_US);
    expect(fineNapUs(300, 0, true)).toBe(300 - SPIN_US);
    expect(fineNapUs(90, 0, true)).toBe(0);
  });

  it("the release clock's profile naps at most 100 µs and never into its last 500 µs", () => {
    expect(napBeforeTurnUs(10_000, 0, RELEASE_PACING)).toBe(100);
    expect(napBeforeTurnUs(550, 0, RELEASE_PACING)).toBe(50);
    expect(napBeforeTurnUs(510, 0, RELEASE_PACING)).toBe(0); // 10 µs is not worth a system call
    expect(napBeforeTurnUs(400, 0, RELEASE_PACING)).toBe(0);
  });
});
