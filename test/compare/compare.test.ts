/**
 * compare() on synthetic results with known changes and known noise: what
 * must be a regression is one, and what the noise can explain is not.
 */
import { describe, expect, it } from 'vitest';
import {
  compare,
  DEFAULT_ALPHA,
  DEFAULT_THRESHOLDS,
  parseThresholds,
  samplesNeeded,
  type Comparison,
  type Row,
  type SourcedResult,
} from '../../src/compare/index.js';
import type { RunResult } from '../../src/results/result.js';
import { syntheticRun, syntheticSet, type RunSpec } from './synthetic.js';

function sourced(runs: readonly RunResult[], label: string): SourcedResult[] {
  return runs.map((result, i) => ({ source: `${label}/run-${i + 1}/result.json`, result }));
}

function run(
  baseline: readonly RunResult[],
  current: readonly RunResult[],
  thresholds: readonly string[] = DEFAULT_THRESHOLDS,
): Comparison {
  return compare(sourced(baseline, 'base'), sourced(current, 'cur'), {
    thresholds: parseThresholds(thresholds),
    explicit: thresholds !== DEFAULT_THRESHOLDS,
    alpha: DEFAULT_ALPHA,
  });
}

function row(comparison: Comparison, name: string): Row {
  const found = comparison.rows.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no row ${name} in ${comparison.rows.map((r) => r.name).join(', ')}`);
  return found;
}

const BASE: RunSpec = { seed: 1, rateHz: 20_000, noise: 0.02, serviceP50Us: 500, serviceP99Us: 2_000 };

describe('sets of repeated runs (per-run figures)', () => {
  it('calls a 30% throughput drop with 2% noise a regression', () => {
    const c = run(syntheticSet(BASE, 5), syntheticSet({ ...BASE, seed: 100, rateHz: 14_000 }, 5));
    expect(c.basis).toBe('per-run');
    const throughput = row(c, 'throughput');
    expect(throughput.changePercent).toBeGreaterThan(-33);
    expect(throughput.changePercent).toBeLessThan(-27);
    expect(throughput).toMatchObject({
      judgement: 'regression',
      significant: true,
      thresholdPercent: -5,
      samples: { baseline: 5, current: 5 },
    });
    expect(throughput.p).toBeLessThan(0.01);
    expect(c.regressions.map((r) => r.name)).toEqual(['throughput']);
    expect(row(c, 'service.p99').judgement).toBe('no change beyond noise');
  });

  it('does not call the same 30% drop a regression with 40% noise and 3 runs a side', () => {
    const noisy = { ...BASE, noise: 0.4 };
    const c = run(syntheticSet(noisy, 3), syntheticSet({ ...noisy, seed: 100, rateHz: 14_000 }, 3));
    const throughput = row(c, 'throughput');
    expect(throughput.judgement).toBe('no change beyond noise');
    expect(throughput.significant).toBe(false);
    expect(c.regressions).toEqual([]);
  });

  it('finds no change between identical distributions', () => {
    const c = run(syntheticSet(BASE, 6), syntheticSet({ ...BASE, seed: 200 }, 6));
    for (const r of c.rows) expect(r.judgement, r.name).toBe('no change beyond noise');
  });

  it('raises few false alarms over many identical pairs (about alpha per metric at most)', () => {
    let alarms = 0;
    const pairs = 300;
    for (let i = 0; i < pairs; i += 1) {
      const c = run(
        syntheticSet({ ...BASE, seed: 1000 + 20 * i, noise: 0.25 }, 5),
        syntheticSet({ ...BASE, seed: 50_000 + 20 * i, noise: 0.25 }, 5),
      );
      if (c.regressions.length > 0) alarms += 1;
    }
    // Two gated metrics, each one-sided at 0.025 (two-sided 0.05) and past its threshold: at most about 5% of pairs.
    expect(alarms / pairs).toBeLessThanOrEqual(0.08);
  });

  it('calls a 40% service p99 rise with small noise a regression, and 3% rise with threshold 10% within threshold', () => {
    const risen = run(syntheticSet(BASE, 5), syntheticSet({ ...BASE, seed: 300, serviceP99Us: 2_800 }, 5));
    expect(row(risen, 'service.p99')).toMatchObject({ judgement: 'regression', thresholdPercent: 10 });
    expect(row(risen, 'throughput').judgement).toBe('no change beyond noise');
    const slight = run(
      syntheticSet({ ...BASE, noise: 0.003 }, 6),
      syntheticSet({ ...BASE, noise: 0.003, seed: 400, serviceP99Us: 2_060 }, 6),
    );
    expect(row(slight, 'service.p99')).toMatchObject({ judgement: 'within threshold', significant: true });
    expect(slight.regressions).toEqual([]);
  });

  it('calls a 30% throughput rise an improvement, never a regression', () => {
    const c = run(syntheticSet(BASE, 5), syntheticSet({ ...BASE, seed: 500, rateHz: 26_000 }, 5));
    expect(row(c, 'throughput').judgement).toBe('improvement');
    expect(c.regressions).toEqual([]);
  });

  it('judges metrics without a threshold as worse or better, never as a regression', () => {
    const c = run(syntheticSet(BASE, 5), syntheticSet({ ...BASE, seed: 600, serviceP50Us: 900 }, 5), [
      'throughput=-5%',
    ]);
    expect(row(c, 'service.p50')).toMatchObject({ judgement: 'worse', thresholdPercent: null });
    expect(c.regressions).toEqual([]);
  });
});

describe('single runs (per-second samples)', () => {
  it('calls a 30% drop with 2% per-second noise over 20 s a regression', () => {
    const c = run(
      [syntheticRun({ ...BASE, seconds: 20 })],
      [syntheticRun({ ...BASE, seed: 2, seconds: 20, rateHz: 14_000 })],
    );
    expect(c.basis).toBe('per-second');
    expect(row(c, 'throughput')).toMatchObject({ judgement: 'regression', samples: { baseline: 20, current: 20 } });
  });

  it('leaves warm-up seconds out of the samples', () => {
    const c = run(
      [syntheticRun({ ...BASE, seconds: 8, warmupSeconds: 3 })],
      [syntheticRun({ ...BASE, seed: 2, seconds: 8, warmupSeconds: 3 })],
    );
    expect(row(c, 'throughput').samples).toEqual({ baseline: 8, current: 8 });
    expect(row(c, 'service.p99').samples).toEqual({ baseline: 8, current: 8 });
  });

  it('does not call the drop a regression with 40% noise and 3 seconds a run', () => {
    const noisy = { ...BASE, noise: 0.4, seconds: 3 };
    const c = run([syntheticRun(noisy)], [syntheticRun({ ...noisy, seed: 2, rateHz: 14_000 })]);
    expect(row(c, 'throughput').judgement).toBe('no change beyond noise');
    expect(c.regressions).toEqual([]);
  });

  it('leaves percentiles without per-second values untested', () => {
    const c = run([syntheticRun(BASE)], [syntheticRun({ ...BASE, seed: 2 })]);
    expect(row(c, 'service.p99.9')).toMatchObject({
      judgement: 'untested',
      p: null,
      samples: { baseline: 0, current: 0 },
    });
  });
});

describe('which metrics are compared', () => {
  it('shows throughput and p50, p99, p99.9 of each kind both sides measured, and what a threshold adds', () => {
    const c = run(syntheticSet(BASE, 2), syntheticSet(BASE, 2), ['service.p90=+20%', 'sendRate=-5%']);
    expect(c.rows.map((r) => r.name)).toEqual([
      'throughput',
      'service.p50',
      'service.p99',
      'service.p99.9',
      'service.p90',
      'sendRate',
    ]);
    expect(c.throughputIs).toBe('acceptRate');
  });

  it('refuses a threshold the user gave on a metric no run measured, skips a default one', () => {
    expect(() => run(syntheticSet(BASE, 2), syntheticSet(BASE, 2), ['corrected.p99=+10%'])).toThrow(
      '--threshold on corrected.p99: not measured by every run compared',
    );
    const withoutService = syntheticSet(BASE, 2).map((r) => ({ ...r, latency: {} }));
    expect(run(withoutService, withoutService).rows.map((r) => r.name)).toEqual(['throughput']);
  });
});

describe('what could not be judged (NOT GATED)', () => {
  it('names each metric with a threshold whose sample counts cannot reach p < alpha, and how many would', () => {
    const c = run(syntheticSet(BASE, 3), syntheticSet({ ...BASE, seed: 100, rateHz: 14_000 }, 3));
    expect(c.judged).toEqual([]);
    expect(c.notGated).toEqual([
      { metric: 'throughput', cause: 'too few samples', samples: { baseline: 3, current: 3 }, need: 4 },
      { metric: 'service.p99', cause: 'too few samples', samples: { baseline: 3, current: 3 }, need: 4 },
    ]);
    const judged = run(syntheticSet(BASE, 4), syntheticSet({ ...BASE, seed: 100 }, 4));
    expect(judged.notGated).toEqual([]);
    expect(judged.judged).toEqual(['throughput', 'service.p99']);
  });

  it('needs 4 samples a side at 0.05, 5 at 0.01 (complete separation: 2 / C(2n, n))', () => {
    expect(samplesNeeded(0.05)).toBe(4);
    expect(samplesNeeded(0.01)).toBe(5);
    expect(samplesNeeded(0.5)).toBe(2);
  });

  it('names a metric with no samples, and one whose baseline figure is 0', () => {
    const single = run([syntheticRun(BASE)], [syntheticRun({ ...BASE, seed: 2 })], ['service.p99.9=+5%']);
    expect(single.notGated).toEqual([
      { metric: 'service.p99.9', cause: 'no samples', samples: { baseline: 0, current: 0 }, need: null },
    ]);
    const zero = syntheticSet(BASE, 5).map((r) => ({
      ...r,
      latency: { service: { ...r.latency.service!, p99: 0 } },
    }));
    const c = run(zero, syntheticSet({ ...BASE, seed: 100 }, 5));
    expect(c.notGated).toEqual([
      { metric: 'service.p99', cause: 'zero baseline', samples: { baseline: 5, current: 5 }, need: null },
    ]);
    expect(c.judged).toEqual(['throughput']);
  });

  it('leaves metrics without a threshold out: there was nothing to gate', () => {
    const c = run([syntheticRun(BASE)], [syntheticRun({ ...BASE, seed: 2 })]);
    expect(row(c, 'service.p99.9').judgement).toBe('untested');
    expect(c.notGated.map((n) => n.metric)).not.toContain('service.p99.9');
  });
});
