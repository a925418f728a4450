/**
 * A step judged: objectives, backlog growth, generator lag, and who set
 * the limit. A generator behind its schedule fails the step even when
 * service latency is fine: coordinated omission must not pass it.
 */
import { describe, expect, it } from 'vitest';
import { backlogOf, JUDGE_DEFAULTS, judgeStep, type StepMeasure } from '../../src/capacity/judge.js';
import { parseObjectives } from '../../src/plan/index.js';

const SLOS = parseObjectives(['service.p99<10ms'], '--slo');

function second(
  t: number,
  warmup: boolean,
  sent: number,
  accepted: number,
  received: number,
): StepMeasure['timeseries'][number] {
  return { t, warmup, sent, accepted, received };
}

function step(overrides: Partial<StepMeasure> = {}, totals: Partial<StepMeasure['totals']> = {}): StepMeasure {
  return {
    rate: 1000,
    totals: {
      sent: 3000,
      accepted: 3000,
      received: 3000,
      unsent: 0,
      sendRate: 1000,
      acceptRate: 1000,
      receiveRate: 1000,
      passes: 3000,
      passesInFlightFull: 0,
      passesNoCredit: 0,
      ...totals,
    },
    latency: { service: { p50: 500, p99: 2_000 }, corrected: { p99: 2_500 }, sendDelay: { p99: 300 } },
    receivers: 1,
    timeseries: [
      second(0, true, 1000, 1000, 1000),
      second(1, false, 1000, 1000, 1000),
      second(2, false, 1000, 1000, 1000),
      second(3, false, 1000, 1000, 1000),
      second(4, false, 1, 1, 1),
    ],
    problems: [],
    ...overrides,
  };
}

describe('judgeStep', () => {
  it('passes a step that met its objectives and kept its schedule', () => {
    expect(judgeStep(step(), SLOS, JUDGE_DEFAULTS)).toEqual({
      pass: true,
      reasons: [],
      backlog: 0,
      backlogGrowth: 0,
      // Each objective as measured, for the repeats' spread.
      objectives: [{ text: 'service.p99<10ms', measured: 2_000, pass: true }],
    });
  });

  it('fails a missed objective and blames the broker', () => {
    const judged = judgeStep(
      step({ latency: { service: { p99: 30_000 }, sendDelay: { p99: 300 } } }),
      SLOS,
      JUDGE_DEFAULTS,
    );
    expect(judged).toMatchObject({ pass: false, reasons: ['service.p99 30.0ms >= 10.0ms'], limitedBy: 'broker' });
  });

  it('fails a generator behind its schedule while service is fine, and blames salvo', () => {
    const lagging = judgeStep(
      step({ latency: { service: { p99: 2_000 }, sendDelay: { p99: 40_000 } } }, { unsent: 12, sendRate: 900 }),
      SLOS,
      JUDGE_DEFAULTS,
    );
    expect(lagging.pass).toBe(false);
    expect(lagging.reasons).toEqual([
      '12 due messages unsent',
      'sendDelay.p99 40.0ms > 10.0ms',
      'achieved 900 of 1000 msg/s',
    ]);
    expect(lagging.limitedBy).toBe('generator');
  });

  it('a few unsent at the end, within the sendDelay bound (10 ms of 1000 msg/s), pass; one more fails', () => {
    expect(judgeStep(step({}, { unsent: 10 }), SLOS, JUDGE_DEFAULTS).pass).toBe(true);
    expect(judgeStep(step({}, { unsent: 11 }), SLOS, JUDGE_DEFAULTS).reasons).toEqual(['11 due messages unsent']);
  });

  it('names the in-flight limit when most passes stopped at it', () => {
    const judged = judgeStep(
      step({}, { unsent: 50, passes: 100, passesInFlightFull: 80, passesNoCredit: 1 }),
      SLOS,
      JUDGE_DEFAULTS,
    );
    expect(judged.limitedBy).toBe('in-flight');
  });

  it('a missed sendDelay objective is salvo behind, not the broker', () => {
    const judged = judgeStep(step(), parseObjectives(['sendDelay.p99<100us'], '--slo'), JUDGE_DEFAULTS);
    expect(judged).toMatchObject({ pass: false, reasons: ['sendDelay.p99 300µs >= 100µs'], limitedBy: 'generator' });
  });

  it('both behind: a saturated host', () => {
    const judged = judgeStep(
      step({ latency: { service: { p99: 30_000 }, sendDelay: { p99: 40_000 } } }),
      SLOS,
      JUDGE_DEFAULTS,
    );
    expect(judged.limitedBy).toBe('both');
  });

  it('fails a backlog that grew second by second though the drain caught up by the end', () => {
    const growing = [
      second(0, true, 1000, 1000, 1000),
      second(1, false, 1000, 1000, 800),
      second(2, false, 1000, 1000, 800),
      second(3, false, 1000, 1000, 800),
      second(4, false, 5, 5, 605),
    ];
    const judged = judgeStep(step({ timeseries: growing }), SLOS, JUDGE_DEFAULTS);
    expect(judged.backlogGrowth).toBe(600);
    expect(judged).toMatchObject({
      pass: false,
      reasons: ['backlog grew by 600 (receivers fell behind)'],
      limitedBy: 'broker',
    });
  });

  it('fails messages accepted and never received, and a run problem', () => {
    const judged = judgeStep(step({ problems: ['a worker failed'] }, { received: 2990 }), SLOS, JUDGE_DEFAULTS);
    expect(judged.reasons).toEqual(['a worker failed', '10 accepted never received']);
  });

  it('a send-only step has no backlog to judge', () => {
    const judged = judgeStep(step({ receivers: 0 }, { received: 0 }), SLOS, JUDGE_DEFAULTS);
    expect(judged.pass).toBe(true);
  });
});

describe('backlogOf', () => {
  it('ignores the partial last sending second and the drain after it', () => {
    const points = [
      second(0, true, 100, 100, 90),
      second(1, false, 100, 100, 100),
      second(2, false, 40, 100, 50),
      second(3, false, 0, 0, 60),
    ];
    expect(backlogOf(points)).toEqual({ backlog: 10, backlogGrowth: 0 });
  });
});
