/** The three outputs of one Comparison: what a terminal, a CI job summary and a script read. */
import { describe, expect, it } from 'vitest';
import {
  compare,
  formatJson,
  formatMarkdown,
  formatTerminal,
  parseThresholds,
  type Comparison,
} from '../../src/compare/index.js';
import type { RunResult } from '../../src/results/result.js';
import { syntheticRun, syntheticSet, type RunSpec } from './synthetic.js';

const BASE: RunSpec = { seed: 1, rateHz: 20_000, noise: 0.02, serviceP50Us: 500, serviceP99Us: 2_000 };

function comparison(
  current: Partial<RunSpec>,
  runs: number,
  thresholds = ['throughput=-5%', 'service.p99=+10%'],
): Comparison {
  const side = (set: RunResult[], label: string): { source: string; result: RunResult }[] =>
    set.map((result, i) => ({ source: `${label}|${i + 1}.json`, result }));
  return compare(
    side(syntheticSet(BASE, runs), 'base'),
    side(syntheticSet({ ...BASE, seed: 100, ...current }, runs), 'cur'),
    {
      thresholds: parseThresholds(thresholds),
      explicit: true,
      alpha: 0.05,
    },
  );
}

/** One run a side, as a quick local check compares them: per-second samples, `seconds` of them a side. */
function singleRuns(current: Partial<RunSpec>, seconds: number, thresholds: string[]): Comparison {
  return compare(
    [{ source: 'base.json', result: syntheticRun({ ...BASE, seconds }) }],
    [{ source: 'cur.json', result: syntheticRun({ ...BASE, seed: 2, seconds, ...current }) }],
    { thresholds: parseThresholds(thresholds), explicit: true, alpha: 0.05 },
  );
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('terminal table', () => {
  it('lines its columns up, figures right-aligned, and ends with the verdict line', () => {
    const lines = formatTerminal(comparison({ rateHz: 14_000 }, 5))
      .trimEnd()
      .split('\n');
    const header = lines.find((l) => l.startsWith('metric'))!;
    const rows = lines.filter((l) => /^(throughput|service\.)/.test(l));
    expect(rows).toHaveLength(4);
    // Every row's change column ends where the header's does.
    const changeEnd = header.indexOf('change') + 'change'.length;
    for (const row of rows) expect(row.slice(0, changeEnd)).toMatch(/[+-]\d+\.\d%$/);
    expect(lines.at(-1)).toMatch(/^regression: throughput -\d\d\.\d% \(threshold -5%, p 0\.00\d\)$/);
  });
});

describe('markdown', () => {
  it('escapes pipes, bolds regressions, and breaks the note lines for a job summary', () => {
    const text = formatMarkdown(comparison({ rateHz: 14_000 }, 3));
    expect(text).toContain('base\\|1.json');
    expect(text).not.toMatch(/[^\\]\|1\.json/);
    // 3 against 3 cannot be significant: the heading and the last line say NOT GATED, in bold.
    const verdict =
      '**NOT GATED**: throughput, service.p99 (too few samples for p < 0.05: 3 runs a side; need 4 runs a side); ' +
      'nothing was judged: this is not a pass';
    expect(text.split('\n')[0]).toBe(`### salvo compare: ${verdict}`);
    expect(text.trimEnd().split('\n').at(-1)).toBe(verdict);
    expect(formatMarkdown(comparison({ rateHz: 14_000 }, 5))).toMatch(/\| \*\*regression\*\* \|\n/);
  });
});

describe('JSON', () => {
  it('holds the schema, the outcome and every row', () => {
    const document = JSON.parse(formatJson(comparison({ serviceP99Us: 2_800 }, 5))) as Record<string, unknown> & {
      rows: Record<string, unknown>[];
    };
    expect(document).toMatchObject({
      schema: 'salvo.compare/1',
      regression: true,
      regressions: ['service.p99'],
      basis: 'per-run',
      alpha: 0.05,
    });
    expect(document.rows.map((r) => r.name)).toEqual(['throughput', 'service.p50', 'service.p99', 'service.p99.9']);
    expect(document.rows[2]).toMatchObject({
      judgement: 'regression',
      thresholdPercent: 10,
      significant: true,
      canBeSignificant: true,
      samples: { baseline: 5, current: 5 },
    });
  });
});

describe('NOT GATED: a threshold the samples could not judge', () => {
  const TOO_FEW =
    'NOT GATED: throughput, service.p99 (too few samples for p < 0.05: 1/1 per-second values, 1 run a side; ' +
    'need 4 a side, from longer runs or sets of 4 runs a side); nothing was judged: this is not a pass';

  it('says so in the verdict line and in the rows when nothing could be judged, however large the change', () => {
    // The case: a 27% drop, one measured second a side.
    const c = singleRuns({ rateHz: 14_600 }, 1, ['throughput=-5%', 'service.p99=+10%']);
    expect(c.regressions).toEqual([]);
    const text = formatTerminal(c);
    expect(lastLine(text)).toBe(TOO_FEW);
    expect(text).not.toMatch(/^no regression/m);
    expect(text).toMatch(/^throughput .* -2\d\.\d% +-5% .* 1\/1 .* no change beyond noise, NOT GATED$/m);
    expect(text).toMatch(/^service\.p50 .* no change beyond noise$/m); // no threshold: nothing to gate
  });

  it('heads the markdown with it, in bold', () => {
    const text = formatMarkdown(singleRuns({ rateHz: 14_600 }, 1, ['throughput=-5%', 'service.p99=+10%']));
    expect(text.split('\n')[0]).toBe(`### salvo compare: **${TOO_FEW.replace('NOT GATED:', 'NOT GATED**:')}`);
    expect(lastLine(text)).toBe(TOO_FEW.replace('NOT GATED:', '**NOT GATED**:'));
  });

  it('still reports the metrics judged when only some could not be', () => {
    // 10 seconds a side judge throughput; p99.9 has no per-second values without the interval logs.
    const c = singleRuns({}, 10, ['throughput=-5%', 'service.p99.9=+5%']);
    expect(c.judged).toEqual(['throughput']);
    expect(lastLine(formatTerminal(c))).toBe(
      'NOT GATED: service.p99.9 (no samples to judge the noise by: without the interval logs beside result.json, ' +
        'the time series has p50 and p99 only; compare run folders or sets of runs); ' +
        'no regression past a threshold among the metrics judged: throughput',
    );
  });

  it('puts a NOT GATED line above a regression, whose line stays last', () => {
    const c = singleRuns({ rateHz: 14_000 }, 10, ['throughput=-5%', 'service.p99.9=+5%']);
    const lines = formatTerminal(c).trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^NOT GATED: service\.p99\.9 \(no samples to judge the noise by: /);
    expect(lines.at(-1)).toMatch(/^regression: throughput -\d\d\.\d% \(threshold -5%, p /);
    expect(formatMarkdown(c).split('\n')[0]).toBe('### salvo compare: regression (and NOT GATED: service.p99.9)');
  });

  it('says nothing of it when every threshold could be judged', () => {
    const c = comparison({}, 5);
    expect(c.notGated).toEqual([]);
    expect(lastLine(formatTerminal(c))).toBe('no regression past a threshold');
    expect(formatMarkdown(c).split('\n')[0]).toBe('### salvo compare: no regression past a threshold');
    expect(JSON.parse(formatJson(c))).toMatchObject({ notGated: [], judged: ['throughput', 'service.p99'] });
  });

  it('lists each metric with its reason in JSON', () => {
    const document = JSON.parse(formatJson(comparison({ rateHz: 14_000 }, 3))) as Record<string, unknown>;
    expect(document).toMatchObject({ regression: false, regressions: [], judged: [] });
    const reason = 'too few samples for p < 0.05: 3 runs a side; need 4 runs a side';
    expect(document.notGated).toEqual([
      { metric: 'throughput', cause: 'too few samples', samples: { baseline: 3, current: 3 }, need: 4, reason },
      { metric: 'service.p99', cause: 'too few samples', samples: { baseline: 3, current: 3 }, need: 4, reason },
    ]);
  });
});
