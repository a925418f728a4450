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
import { syntheticSet, type RunSpec } from './synthetic.js';

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
    // 3 against 3 cannot be significant: a note, then the verdict, on two lines of one paragraph.
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      'not gated, too few samples for p < 0.05: throughput 3/3, service.p99 3/3 (use at least 4 runs a side, or longer runs)  ',
      'no regression past a threshold',
    ]);
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
