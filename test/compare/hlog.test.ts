/**
 * Per-second percentiles from the interval logs beside a result.json: what
 * salvo run writes (formatHlog) is what compare reads back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, loadSide, parseHlog, parseThresholds } from '../../src/compare/index.js';
import {
  encodeHistogram,
  formatHlog,
  freeHistogram,
  initHistograms,
  newHistogram,
  record,
  type HlogInterval,
} from '../../src/metrics/index.js';
import { seeded, syntheticRun, writeJson } from './synthetic.js';

beforeAll(async () => {
  await initHistograms();
});

/** One second's histogram: 1,000 values around `centreUs`, the top 1% ten times slower. */
function second(startS: number, centreUs: number, seed: number, tag?: string): HlogInterval {
  const random = seeded(seed);
  const h = newHistogram();
  for (let i = 0; i < 1000; i += 1) record(h, Math.round(centreUs * (i >= 990 ? 10 : 1) * (0.9 + 0.2 * random())));
  const interval: HlogInterval = {
    startMs: startS * 1000,
    lengthMs: 1000,
    hdr: encodeHistogram(h),
    maxUs: h.maxValue,
    ...(tag ? { tag } : {}),
  };
  freeHistogram(h);
  return interval;
}

function log(centreUs: number, seconds: number, seed: number): string {
  const intervals = [second(0, centreUs * 5, seed, 'warmup')];
  for (let t = 1; t <= seconds; t += 1) intervals.push(second(t, centreUs, seed + t));
  return formatHlog(Date.UTC(2026, 11, 2), intervals);
}

describe('interval logs', () => {
  it('parses what formatHlog writes: one line per second, warm-up tagged', () => {
    const lines = parseHlog(log(500, 3, 1));
    expect(lines.map((l) => [l.startS, l.warmup])).toEqual([
      [0, true],
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(lines.every((l) => l.hdr.length > 20)).toBe(true);
    expect(parseHlog('#comment\n"StartTimestamp","Interval_Length"\nnot,a,line\n')).toEqual([]);
  });

  it('give single runs per-second p99.9 samples, warm-up left out, so a p99.9 rise can be judged', async () => {
    const dir = tempDir();
    for (const [name, centre, seed] of [
      ['base', 500, 10],
      ['cur', 800, 20],
    ] as const) {
      writeJson(join(dir, name, 'result.json'), syntheticRun({ seed, rateHz: 10_000, noise: 0.02, seconds: 10 }));
      writeFileSync(join(dir, name, 'service.hlog'), log(centre, 10, seed));
    }
    const baseline = await loadSide(join(dir, 'base'));
    const current = await loadSide(join(dir, 'cur'));
    const intervals = baseline[0].perSecondLatency?.service;
    expect(intervals).toHaveLength(11);
    expect(intervals![0]).toMatchObject({ warmup: true, count: 1000 });
    // The top 1% is ten times slower: p99.9 of a second near 10 x 500 µs.
    expect(intervals![1].values.p999).toBeGreaterThan(4_000);
    expect(intervals![1].values.p50).toBeLessThan(600);
    const c = compare(baseline, current, {
      thresholds: parseThresholds(['service.p99.9=+10%']),
      explicit: true,
      alpha: 0.05,
    });
    const p999 = c.rows.find((r) => r.name === 'service.p99.9')!;
    expect(p999.samples).toEqual({ baseline: 10, current: 10 });
    expect(p999.p).toBeLessThan(0.001);
  });

  it('are skipped when they do not decode, and the time series stands in', async () => {
    const dir = tempDir();
    writeJson(join(dir, 'result.json'), syntheticRun({ seed: 1, rateHz: 10_000, noise: 0.02 }));
    writeFileSync(join(dir, 'service.hlog'), '0.000,1.000,1.0,not-a-histogram\n');
    const [run] = await loadSide(dir);
    expect(run.perSecondLatency?.service).toBeUndefined();
  });
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-compare-hlog-'));
}
