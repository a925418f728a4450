/**
 * The objective grammar of --threshold and --slo: the forms a user writes, one line naming the token for each mistake,
 * and which objectives a plan can measure.
 */
import { describe, expect, it } from 'vitest';
import {
  objectiveMetric,
  parseObjective,
  PlanError,
  resolvePlan,
  whyUnmeasured,
  type Measures,
} from '../../src/plan/index.js';
import { objectiveProblem } from '../../src/plan/objectives.js';

const parse = (text: string) => parseObjective(text, '--slo');

describe('parseObjective', () => {
  it('reads a latency objective in µs, whatever the unit', () => {
    expect(parse('service.p99<10ms')).toEqual({
      type: 'latency',
      text: 'service.p99<10ms',
      kind: 'service',
      percentile: 'p99',
      limitUs: 10_000,
    });
    expect(parse('sendDelay.p999<500us')).toMatchObject({ kind: 'sendDelay', percentile: 'p999', limitUs: 500 });
    expect(parse('corrected.p50 < 1.5s')).toMatchObject({
      kind: 'corrected',
      percentile: 'p50',
      limitUs: 1_500_000,
      text: 'corrected.p50<1.5s',
    });
    expect(parse('endToEnd.p90<250µs')).toMatchObject({ kind: 'endToEnd', limitUs: 250 });
  });

  it('reads p99.9 as the summary key p999, and max', () => {
    const p999 = parse('service.p99.9<20ms');
    expect(p999).toMatchObject({ kind: 'service', percentile: 'p999', limitUs: 20_000, text: 'service.p99.9<20ms' });
    expect(objectiveMetric(p999)).toBe('service.p99.9');
    expect(parse('endToEnd.max<1s')).toMatchObject({ percentile: 'max', limitUs: 1_000_000 });
    expect(parse('roundTrip.p99<5ms')).toMatchObject({ kind: 'roundTrip' });
    expect(parse('commit.p90<2ms')).toMatchObject({ kind: 'commit' });
  });

  it('reads rate objectives in msg/s; throughput is the accept rate', () => {
    expect(parse('throughput>5000')).toEqual({
      type: 'throughput',
      text: 'throughput>5000',
      rate: 'acceptRate',
      minRate: 5000,
    });
    expect(parse('throughput>2000msg/s')).toMatchObject({ minRate: 2000 });
    expect(parse('acceptRate>20000')).toMatchObject({ rate: 'acceptRate', minRate: 20_000 });
    expect(parse('receiveRate>5k')).toMatchObject({ rate: 'receiveRate', minRate: 5_000 });
    expect(objectiveMetric(parse('sendRate > 1000/s'))).toBe('sendRate');
  });

  const errors: [string, string][] = [
    ['service.p99<10', '--slo "service.p99<10": expected a unit (us, ms or s)'],
    ['service.p99<10min', '--slo "service.p99<10min": unknown unit "min", expected us, ms or s'],
    [
      'latency.p99<10ms',
      '--slo "latency.p99<10ms": unknown latency kind "latency", expected one of service, corrected, endToEnd, ' +
        'sendDelay, roundTrip, declare, commit, recvDeclare, recvCommit',
    ],
    [
      'service.p95<10ms',
      '--slo "service.p95<10ms": unknown percentile "p95", expected one of p50, p90, p99, p99.9, max',
    ],
    [
      'service.p99>10ms',
      '--slo "service.p99>10ms": expected KIND.PERCENTILE<DURATION (like service.p99<10ms) or RATE>N ' +
        '(like acceptRate>5000)',
    ],
    ['service.p99<fast', '--slo "service.p99<fast": expected a duration like 10ms after "<", got "fast"'],
    ['service.p99<0ms', '--slo "service.p99<0ms": expected a limit above zero'],
    [
      'throughput>lots',
      '--slo "throughput>lots": expected a positive rate in msg/s after ">", like throughput>5000, got "lots"',
    ],
    [
      'speed>5000',
      '--slo "speed>5000": unknown rate "speed", expected one of throughput, acceptRate, sendRate, receiveRate (msg/s)',
    ],
  ];
  it.each(errors)('%s is a PlanError naming it', (text, message) => {
    expect(() => parse(text)).toThrow(PlanError);
    expect(() => parse(text)).toThrow(message);
  });

  it('names the option it was given under', () => {
    expect(() => parseObjective('service.p99<10', '--threshold')).toThrow(
      '--threshold "service.p99<10": expected a unit',
    );
    expect(objectiveProblem('service.p99<10')).toBe('expected a unit (us, ms or s)');
    expect(objectiveProblem('service.p99<10ms')).toBeUndefined();
  });
});

describe('whyUnmeasured', () => {
  const closed: Measures = { senders: 1, receivers: 1, settle: 'at-least-once', rateHz: null };
  const open: Measures = { ...closed, rateHz: 1000 };
  const why = (text: string, plan: Measures) => whyUnmeasured(parse(text), plan);

  it('accepts what the run records', () => {
    expect(why('service.p99<1ms', closed)).toBeUndefined();
    expect(why('endToEnd.p99<1ms', closed)).toBeUndefined();
    expect(why('corrected.p99<1ms', open)).toBeUndefined();
    expect(why('sendDelay.p99<1ms', open)).toBeUndefined();
    expect(why('acceptRate>1', closed)).toBeUndefined();
    expect(why('roundTrip.p99<1ms', { ...closed, rpc: {} })).toBeUndefined();
    expect(why('commit.p99<1ms', { ...closed, transactions: {} })).toBeUndefined();
  });

  it('says why a kind is not recorded', () => {
    expect(why('roundTrip.p99<1ms', closed)).toBe('only --pattern rpc measures roundTrip');
    expect(why('corrected.p99<1ms', closed)).toMatch(/^only open-loop runs \(--rate or phases\) measure corrected/);
    expect(why('sendDelay.p99<1ms', closed)).toMatch(/^only open-loop runs/);
    expect(why('service.p99<1ms', { ...closed, settle: 'at-most-once' })).toBe(
      'an at-most-once run gets no outcomes: no service',
    );
    expect(why('endToEnd.p99<1ms', { ...closed, receivers: 0 })).toBe('--receivers 0 receives nothing: no endToEnd');
    expect(why('service.p99<1ms', { ...closed, rpc: {} })).toBe(
      'a --pattern rpc run measures roundTrip and corrected, not service',
    );
    expect(why('declare.p99<1ms', closed)).toBe('only --tx-size measures declare (send transactions)');
    expect(why('receiveRate>1', { ...closed, receivers: 0 })).toBe('--receivers 0 receives nothing: no receiveRate');
    expect(why('acceptRate>1', { ...closed, settle: 'at-most-once' })).toMatch(/^an at-most-once run gets no outcomes/);
  });
});

describe('resolvePlan thresholds', () => {
  it('keeps parsed thresholds in the plan, none when not given', () => {
    expect(resolvePlan({ count: 10 }).thresholds).toBeUndefined();
    const plan = resolvePlan({ count: 10, threshold: ['service.p99.9<20ms', 'acceptRate>100'] });
    expect(plan.thresholds?.map((t) => t.text)).toEqual(['service.p99.9<20ms', 'acceptRate>100']);
  });

  it('refuses a threshold the run would not measure, naming why', () => {
    expect(() => resolvePlan({ count: 10, threshold: ['corrected.p99<10ms'] })).toThrow(
      '--threshold "corrected.p99<10ms": only open-loop runs (--rate or phases) measure corrected',
    );
    expect(() => resolvePlan({ count: 10, threshold: ['roundTrip.p99<10ms'] })).toThrow(PlanError);
    expect(resolvePlan({ count: 10, rate: 100, threshold: ['corrected.p99<10ms'] }).thresholds).toHaveLength(1);
  });
});
