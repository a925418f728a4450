/**
 * How sure a verdict is: the capacity and the knee run again, judged by how
 * often each gave the search's answer and the spread of each objective.
 * Steps are injected: nothing here times.
 */
import { describe, expect, it } from 'vitest';
import { confidenceOf, repeatRates, surenessLine, type RepeatedStep } from '../../src/capacity/repeat.js';
import { parseObjectives } from '../../src/plan/index.js';

const SLOS = parseObjectives(['service.p99<10ms', 'throughput>500'], '--slo');

function step(rate: number, pass: boolean, p99Us: number | null, acceptRate = rate): RepeatedStep {
  return {
    rate,
    pass,
    objectives: [
      { text: SLOS[0].text, measured: p99Us, pass: p99Us !== null && p99Us < 10_000 },
      { text: SLOS[1].text, measured: acceptRate, pass: acceptRate > 500 },
    ],
  };
}

describe('repeatRates', () => {
  it('alternates the capacity and the knee, repeat - 1 times each', () => {
    expect(repeatRates(14_000, 15_000, 3)).toEqual([14_000, 15_000, 14_000, 15_000]);
    expect(repeatRates(14_000, 15_000, 1)).toEqual([]);
  });
  it('repeats whichever the search found when it found one of the two', () => {
    expect(repeatRates(undefined, 1_000, 3)).toEqual([1_000, 1_000]);
    expect(repeatRates(8_000, undefined, 2)).toEqual([8_000]);
  });
});

describe('confidenceOf', () => {
  const search = [step(1000, true, 2_000), step(2000, false, 12_000), step(1500, true, 7_100)];

  it('is settled when every run at each rate gave the search answer, with each objective spread min to max', () => {
    const steps = [
      ...search,
      step(1500, true, 8_300),
      step(2000, false, 16_200),
      step(1500, true, 7_500),
      step(2000, false, 12_500),
    ];
    const c = confidenceOf(steps, SLOS, { capacityRate: 1500, kneeRate: 2000 }, 3);
    expect(c.settled).toBe(true);
    expect(c.missing).toBe(0);
    expect(c.capacity).toEqual({
      rate: 1500,
      expected: 'pass',
      runs: 3,
      held: 3,
      spread: [
        { objective: 'service.p99<10ms', min: 7_100, max: 8_300 },
        { objective: 'throughput>500', min: 1500, max: 1500 },
      ],
    });
    expect(c.knee?.held).toBe(3);
    expect(c.knee?.spread[0]).toEqual({ objective: 'service.p99<10ms', min: 12_000, max: 16_200 });
    // At the knee service.p99 is past its limit, the throughput far above its own: service.p99 decides.
    expect(c.judged).toBe('service.p99<10ms');
    expect(surenessLine(c, SLOS, 3)).toBe(
      '1500 msg/s passed 3/3 (service.p99 7.10ms-8.30ms); 2000 msg/s failed 3/3 (service.p99 12.0ms-16.2ms): ' +
        'the same verdict every time',
    );
  });

  it('is not settled when a repeat at the capacity failed', () => {
    const steps = [
      ...search,
      step(1500, false, 11_000),
      step(2000, false, 13_000),
      step(1500, true, 7_000),
      step(2000, false, 14_000),
    ];
    const c = confidenceOf(steps, SLOS, { capacityRate: 1500, kneeRate: 2000 }, 3);
    expect(c.settled).toBe(false);
    expect(c.capacity?.held).toBe(2);
    expect(c.capacity?.runs).toBe(3);
    expect(surenessLine(c, SLOS, 3)).toMatch(/^1500 msg\/s passed 2\/3 .*: NOT SETTLED: the verdict changed/);
  });

  it('is not settled when a repeat at the knee passed', () => {
    const steps = [...search, step(1500, true, 7_000), step(2000, true, 9_000)];
    const c = confidenceOf(steps, SLOS, { capacityRate: 1500, kneeRate: 2000 }, 2);
    expect(c.settled).toBe(false);
    expect(c.knee).toMatchObject({ runs: 2, held: 1 });
  });

  it('counts the repeats the budget cut and does not call that settled', () => {
    const steps = [...search, step(1500, true, 7_000)];
    const c = confidenceOf(steps, SLOS, { capacityRate: 1500, kneeRate: 2000 }, 3);
    expect(c.missing).toBe(3);
    expect(c.settled).toBe(false);
    expect(surenessLine(c, SLOS, 3)).toBe(
      '1500 msg/s passed 2/2 (service.p99 7.00ms-7.10ms); 2000 msg/s failed 1/1 (service.p99 12.0ms): ' +
        'the same verdict each time it ran, but fewer times than asked; 3 repeats not run',
    );
  });

  it('judges the only rate there is when no step passed', () => {
    const steps = [step(1000, false, 13_900, 300), step(1000, false, 42_900, 280), step(1000, false, 20_000, 310)];
    const c = confidenceOf(steps, SLOS, { kneeRate: 1000 }, 3);
    expect(c.capacity).toBeUndefined();
    expect(c.settled).toBe(true);
    // 42.9 ms is 4.3 times its limit, 280 msg/s 1.8 times short of its own: service.p99 decides.
    expect(c.judged).toBe('service.p99<10ms');
    expect(c.knee?.spread[1]).toEqual({ objective: 'throughput>500', min: 280, max: 310 });
  });

  it('names an objective that was never measured as such', () => {
    const steps = [step(1000, false, null), step(1000, false, null)];
    const c = confidenceOf(steps, SLOS.slice(0, 1), { kneeRate: 1000 }, 2);
    expect(c.knee?.spread[0]).toEqual({ objective: 'service.p99<10ms', min: null, max: null });
    expect(surenessLine(c, SLOS.slice(0, 1), 2)).toBe(
      '1000 msg/s failed 2/2 (service.p99 none recorded): the same verdict every time',
    );
  });

  it('says a single run is a sample of one', () => {
    const c = confidenceOf(search, SLOS, { capacityRate: 1500, kneeRate: 2000 }, 1);
    expect(c.settled).toBe(true);
    expect(surenessLine(c, SLOS, 1)).toBe('not repeated (--repeat 1): one step at each rate, a sample of one');
  });
});
