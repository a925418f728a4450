import { describe, expect, it } from 'vitest';
import { monotonicNowUs } from '../../src/timing/clock.js';
import {
  coarseWaitMs,
  EARLY_STOP_GRACE_US,
  napBeforeTurnUs,
  owedUntilUs,
  Pacer,
  RECEIVE_PACING,
  RELEASE_PACING,
  SENDER_PACING,
  type PacedWaiter,
} from '../../src/timing/pacer.js';

function waiter(dueUs: () => number, mayNap = true): PacedWaiter & { firedAt: number[] } {
  const firedAt: number[] = [];
  return { firedAt, dueUs, onDue: (nowUs) => firedAt.push(nowUs), mayNap: () => mayNap };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the pacer', () => {
  for (const [name, profile] of [
    ['sender', SENDER_PACING],
    ['release', RELEASE_PACING],
  ] as const) {
    it(`${name}: calls onDue once, not before the due time and never synchronously`, async () => {
      const dueUs = monotonicNowUs() + 5_000;
      const w = waiter(() => dueUs);
      new Pacer(w, profile).wait();
      expect(w.firedAt).toEqual([]);
      await settle(30);
      expect(w.firedAt.length).toBe(1);
      expect(w.firedAt[0]).toBeGreaterThanOrEqual(dueUs);
    });
  }

  it('receive: takes a due time as come earlyUs early, on timers alone (no event-loop turns)', async () => {
    const dueUs = monotonicNowUs() + 5_000;
    const w = waiter(() => dueUs, false);
    const pacer = new Pacer(w, RECEIVE_PACING);
    pacer.wait();
    await settle(30);
    expect(w.firedAt).toHaveLength(1);
    expect(w.firedAt[0]).toBeGreaterThanOrEqual(dueUs - RECEIVE_PACING.earlyUs);
    // Waiting on timers: an immediate is never what is pending.
    const late = waiter(() => monotonicNowUs() + 50_000, false);
    const slow = new Pacer(late, RECEIVE_PACING);
    slow.wait();
    expect(slow.waiting).toBe(true);
    expect((slow as unknown as { immediate: unknown }).immediate).toBeUndefined();
    slow.cancel();
  });

  it('cancel() ends the wait; a due time of Infinity ends it too', async () => {
    const cancelled = waiter(() => monotonicNowUs() + 2_000);
    new Pacer(cancelled, SENDER_PACING).cancel();
    const pacer = new Pacer(cancelled, SENDER_PACING);
    pacer.wait();
    pacer.cancel();
    expect(pacer.waiting).toBe(false);
    const none = waiter(() => Number.POSITIVE_INFINITY);
    const idle = new Pacer(none, RELEASE_PACING);
    idle.wait();
    await settle(20);
    expect(idle.waiting).toBe(false);
    expect(cancelled.firedAt).toEqual([]);
    expect(none.firedAt).toEqual([]);
  });

  it('reads the due time at every step, so a due time moved later is waited for', async () => {
    let dueUs = monotonicNowUs() + 1_000;
    const w = waiter(() => dueUs);
    new Pacer(w, SENDER_PACING).wait();
    dueUs += 10_000;
    await settle(5);
    expect(w.firedAt).toEqual([]);
    await settle(30);
    expect(w.firedAt[0]).toBeGreaterThanOrEqual(dueUs);
  });

  it('naps never into the final stretch, never longer than the profile allows', () => {
    for (const profile of [SENDER_PACING, RELEASE_PACING]) {
      expect(napBeforeTurnUs(10_000, 0, profile)).toBe(profile.napMaxUs);
      expect(napBeforeTurnUs(profile.spinUs + 50, 0, profile)).toBe(50);
      expect(napBeforeTurnUs(profile.spinUs + 10, 0, profile)).toBe(0);
    }
  });

  it('the release profile sets its timer a millisecond earlier than the sender one', () => {
    const nowUs = 10_000;
    const dueUs = 20_000;
    expect(coarseWaitMs(dueUs - SENDER_PACING.extraGuardUs, nowUs)).toBe(9);
    expect(coarseWaitMs(dueUs - RELEASE_PACING.extraGuardUs, nowUs)).toBe(8);
  });
});

describe('what a stopped sender owes', () => {
  it('owes every message due before the planned end when it ran to it', () => {
    expect(owedUntilUs(10_000_500, 10_000_000)).toBe(10_000_000);
  });

  it('does not owe a message due just before an early stop (Ctrl-C lands between due times)', () => {
    expect(owedUntilUs(4_000_000, 10_000_000)).toBe(4_000_000 - EARLY_STOP_GRACE_US);
    expect(owedUntilUs(4_000_000, null)).toBe(4_000_000 - EARLY_STOP_GRACE_US);
  });
});
