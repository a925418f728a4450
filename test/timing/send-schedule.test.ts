import { describe, expect, it } from 'vitest';
import { OpenLoopSchedule, PhasedSchedule, openLoopLatencies } from '../../src/timing/send-schedule.js';
import { manualClock } from '../../src/timing/clock.js';

describe('OpenLoopSchedule', () => {
  it('spaces messages evenly from the start', () => {
    const s = new OpenLoopSchedule(1000, 5_000);
    expect(s.intendedUs(0)).toBe(5_000);
    expect(s.intendedUs(1)).toBe(6_000);
    expect(s.intendedUs(1000)).toBe(1_005_000);
  });

  it('counts messages due, including one exactly at now', () => {
    const s = new OpenLoopSchedule(1000, 5_000);
    expect(s.due(4_999)).toBe(0);
    expect(s.due(5_000)).toBe(1);
    expect(s.due(5_999)).toBe(1);
    expect(s.due(6_000)).toBe(2);
    expect(s.due(1_005_000)).toBe(1001);
  });

  it('agrees with intendedUs at every boundary, even for awkward rates', () => {
    const s = new OpenLoopSchedule(3, 0.5); // 333333.33... µs apart
    for (let i = 0; i < 1000; i++) {
      const t = s.intendedUs(i);
      expect(s.due(t)).toBe(i + 1);
      expect(s.due(t - 1e-3)).toBe(i);
    }
  });

  it('rejects a non-positive rate', () => {
    expect(() => new OpenLoopSchedule(0, 0)).toThrow(RangeError);
  });

  it('never re-bases when the sender falls behind: sendDelay grows, corrected = service + sendDelay', () => {
    const clock = manualClock(1_000_000);
    const schedule = new OpenLoopSchedule(1000, clock.nowUs()); // one message per ms
    const serviceUs = 200; // the broker always takes 200 µs
    const sendCostUs = 1_500; // but each send costs the generator 1.5 ms: it cannot keep up
    const delays: number[] = [];
    for (let i = 0; i < 50; i++) {
      const intendedUs = schedule.intendedUs(i);
      if (clock.nowUs() < intendedUs) clock.set(intendedUs); // early: wait for the slot
      expect(schedule.due(clock.nowUs())).toBeGreaterThan(i);
      const sentUs = clock.nowUs();
      const latency = openLoopLatencies(intendedUs, sentUs, sentUs + serviceUs);
      expect(latency.serviceUs).toBe(serviceUs);
      expect(latency.correctedUs).toBe(latency.serviceUs + latency.sendDelayUs);
      delays.push(latency.sendDelayUs);
      clock.advance(sendCostUs);
    }
    // Each message is 0.5 ms later than the one before: the schedule kept its start.
    expect(delays[0]).toBe(0);
    for (let i = 1; i < delays.length; i++) expect(delays[i]! - delays[i - 1]!).toBeCloseTo(500, 6);
    expect(schedule.intendedUs(49)).toBe(1_000_000 + 49_000);
    expect(schedule.due(clock.nowUs())).toBeGreaterThan(50); // a backlog is due, not forgotten
  });

  it('manual clocks never go back', () => {
    const clock = manualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(5)).toThrow(RangeError);
    clock.advance(5);
    expect(clock.nowUs()).toBe(15);
  });
});

describe('messages left unsent when sending stops', () => {
  /** A sender that sends everything due, but each send costs `sendCostUs` of its own time, until `stopUs`. */
  function senderUntil(
    schedule: OpenLoopSchedule,
    sendCostUs: number,
    stopUs: number,
  ): { sent: number; stoppedUs: number } {
    const clock = manualClock(schedule.startUs);
    let sent = 0;
    while (clock.nowUs() < stopUs) {
      if (schedule.due(clock.nowUs()) > sent) {
        sent++;
        clock.advance(sendCostUs);
      } else {
        clock.set(Math.min(stopUs, schedule.intendedUs(sent)));
      }
    }
    return { sent, stoppedUs: clock.nowUs() };
  }

  it('counts none when the sender kept up, even with a message due exactly at the stop', () => {
    const schedule = new OpenLoopSchedule(1000, 0);
    const { sent, stoppedUs } = senderUntil(schedule, 10, 2_000_000);
    expect(sent).toBe(2000);
    expect(schedule.dueBefore(2_000_000)).toBe(2000); // message 2000, due at the stop itself, is not owed
    expect(schedule.unsent(stoppedUs, sent)).toBe(0);
  });

  it('counts what was due and not sent when the sender could not keep up', () => {
    const schedule = new OpenLoopSchedule(10_000, 0); // one every 100 µs
    const { sent, stoppedUs } = senderUntil(schedule, 150, 1_000_000); // but a send takes 150 µs
    expect(sent).toBeLessThan(7000);
    const unsent = schedule.unsent(Math.min(stoppedUs, 1_000_000), sent);
    expect(unsent).toBe(10_000 - sent);
    expect(unsent).toBeGreaterThan(3000);
  });

  it('owes nothing past a count: the schedule ends with it', () => {
    const schedule = new OpenLoopSchedule(1000, 0);
    expect(schedule.unsent(5_000_000, 100, 120)).toBe(20);
    expect(schedule.unsent(5_000_000, 120, 120)).toBe(0);
  });
});

describe("PhasedSchedule (a profile's phases)", () => {
  it("a fixed-rate segment gives exactly the fixed schedule's times and counts", () => {
    const fixed = new OpenLoopSchedule(250, 1_000_000);
    const phased = new PhasedSchedule([{ durationMs: 4000, fromHz: 250, toHz: 250 }], 1_000_000);
    for (const i of [0, 1, 2, 249, 250, 999]) expect(phased.intendedUs(i)).toBeCloseTo(fixed.intendedUs(i), 6);
    for (const nowUs of [999_999, 1_000_000, 1_003_999, 1_004_000, 2_500_000, 4_999_999])
      expect(phased.due(nowUs)).toBe(fixed.due(nowUs));
  });

  it('a ramp sends the integral of its rate: 100 -> 500 msg/s over 2 s is 600 messages, closer and closer together', () => {
    const s = new PhasedSchedule(
      [
        { durationMs: 1000, fromHz: 100, toHz: 100 },
        { durationMs: 2000, fromHz: 100, toHz: 500 },
      ],
      0,
    );
    // 100 in the steady second, then 200 and 400 in the ramp's two seconds; message 0 goes at 0.
    expect(s.due(999_999)).toBe(100);
    expect(s.due(1_999_999)).toBe(300);
    expect(s.due(2_999_999)).toBe(700);
    // After the last phase its last rate goes on.
    expect(s.intendedUs(701) - s.intendedUs(700)).toBeCloseTo(2000, 3);
    const gaps = [100, 300, 600].map((i) => s.intendedUs(i + 1) - s.intendedUs(i));
    expect(gaps[0]).toBeGreaterThan(gaps[1]);
    expect(gaps[1]).toBeGreaterThan(gaps[2]);
  });

  it('intended times rise with i and agree with due at every boundary, down-ramps included', () => {
    const s = new PhasedSchedule(
      [
        { durationMs: 500, fromHz: 2000, toHz: 50 },
        { durationMs: 700, fromHz: 50, toHz: 3000 },
      ],
      10_000,
    );
    let previous = -Infinity;
    for (let i = 0; i < 2000; i++) {
      const t = s.intendedUs(i);
      expect(t).toBeGreaterThan(previous);
      expect(s.due(t)).toBe(i + 1);
      expect(s.dueBefore(t)).toBe(i);
      previous = t;
    }
  });
});
