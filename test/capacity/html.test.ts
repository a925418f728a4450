/** capacity.html's curve data and page, from a synthetic search: one point per step, the marks, no script. */
import { describe, expect, it } from 'vitest';
import { curveOf, curveSvg, renderCapacityHtml } from '../../src/capacity/html.js';
import { SYNTHETIC_STEPS, syntheticResult } from './fixture.js';

describe('curveOf', () => {
  it('plots the first latency objective, one point per step, with the knee, capacity and ceiling', () => {
    const curve = curveOf(syntheticResult());
    expect(curve.metric).toBe('service.p99');
    expect(curve.limitUs).toBe(10_000);
    expect(curve.points.map((p) => [p.rate, p.valueUs, p.repeat])).toEqual(SYNTHETIC_STEPS.map((s) => [...s]));
    expect(curve.kneeRate).toBe(7000);
    expect(curve.capacityRate).toBe(6500);
    expect(curve.ceilingRate).toBe(9000);
  });

  it('plots service.p99 from the step latency when the objectives are rates only', () => {
    const result = { ...syntheticResult(), slos: ['throughput>500'] };
    const curve = curveOf(result);
    expect(curve.metric).toBe('service.p99');
    expect(curve.limitUs).toBeUndefined();
    expect(curve.points[3].valueUs).toBe(48_000);
  });

  it('plots a max objective from what each step measured of it', () => {
    const base = syntheticResult();
    const result = {
      ...base,
      slos: ['service.max<50ms'],
      steps: base.steps.map((s) => ({
        ...s,
        objectives: [{ text: 'service.max<50ms', measured: s.rate * 10, pass: true }],
      })),
    };
    const curve = curveOf(result);
    expect(curve.metric).toBe('service.max');
    expect(curve.limitUs).toBe(50_000);
    expect(curve.points.map((p) => p.valueUs)).toEqual(base.steps.map((s) => s.rate * 10));
  });

  it('has no knee or capacity mark when the search found none', () => {
    const curve = curveOf({ ...syntheticResult(), knee: null, capacityRate: null, preflight: null });
    expect(curve.kneeRate).toBeUndefined();
    expect(curve.capacityRate).toBeUndefined();
    expect(curve.ceilingRate).toBeUndefined();
  });
});

describe('curveSvg and the page', () => {
  it('draws a circle per step and one knee mark', () => {
    const svg = curveSvg(curveOf(syntheticResult()));
    expect(svg.match(/<circle class="step-point/g)).toHaveLength(SYNTHETIC_STEPS.length);
    expect(svg.match(/<g class="knee" data-rate="7000">/g)).toHaveLength(1);
  });

  it('leaves out a ceiling far beyond the steps, which would squash them to the left', () => {
    const result = syntheticResult();
    const far = { ...result, preflight: { ...result.preflight!, ceilingRate: 100_000 } };
    expect(curveSvg(curveOf(far))).not.toContain('ceiling-mark');
  });

  it('is self-contained: no script, a policy forbidding every fetch, text escaped', () => {
    const html = renderCapacityHtml({ ...syntheticResult(), target: 'amqp://h/<q>' });
    expect(html).not.toContain('<script');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toContain('amqp://h/&lt;q&gt;');
  });
});
