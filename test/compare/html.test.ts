/** compare.html: each metric's two figures, its judgement and why; NOT GATED in the heading whenever it applies. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, parseThresholds, renderCompareHtml, why, type Comparison } from '../../src/compare/index.js';
import type { RunResult } from '../../src/results/result.js';
import { ROOT } from '../helpers/paths.js';
import { syntheticSet, type RunSpec } from './synthetic.js';

const BASE: RunSpec = { seed: 1, rateHz: 20_000, noise: 0.02, serviceP50Us: 500, serviceP99Us: 2_000 };

function comparison(
  current: Partial<RunSpec>,
  runs: number,
  sources = (label: string, i: number) => `${label}/run-${i + 1}`,
): Comparison {
  const side = (set: RunResult[], label: string) => set.map((result, i) => ({ source: sources(label, i), result }));
  return compare(
    side(syntheticSet(BASE, runs), 'base'),
    side(syntheticSet({ ...BASE, seed: 100, ...current }, runs), 'cur'),
    {
      thresholds: parseThresholds(['throughput=-5%', 'service.p99=+10%']),
      explicit: true,
      alpha: 0.05,
    },
  );
}

/** Each metric's judgement cell text, by metric. */
function judgements(html: string): Record<string, string> {
  const cells = [...html.matchAll(/<span class="judgement [a-z]+" data-metric="([^"]+)">(.*?)<\/span><\/td>/g)];
  return Object.fromEntries(cells.map(([, metric, text]) => [metric, text.replace(/<[^>]+>/g, '')]));
}

function heading(html: string): string {
  return html.match(/<h1 id="compare-heading">(.*?)<\/h1>/)![1].replace(/<[^>]+>/g, '');
}

describe('compare.html', () => {
  it('judges each metric as the table does, the regression named and why', () => {
    const c = comparison({ rateHz: 14_000 }, 5);
    const html = renderCompareHtml(c);
    expect(judgements(html)).toEqual(Object.fromEntries(c.rows.map((row) => [row.name, row.judgement])));
    expect(judgements(html).throughput).toBe('regression');
    expect(heading(html)).toBe('salvo compare REGRESSION');
    const throughput = c.rows.find((row) => row.name === 'throughput')!;
    expect(why(throughput, c)).toMatch(
      /^-3\d\.\d% is past the -5% threshold in the bad direction, and significant \(p 0\.00\d < 0\.05\)$/,
    );
    expect(html).toContain(`<title>salvo compare: regression</title>`);
  });

  it('says NOT GATED in its heading, and on each metric with why, when a threshold could not be judged', () => {
    const c = comparison({}, 3);
    expect(c.notGated.map((n) => n.metric)).toEqual(['throughput', 'service.p99']);
    const html = renderCompareHtml(c);
    expect(heading(html)).toBe('salvo compare NOT GATED');
    const shown = judgements(html);
    expect(shown.throughput).toMatch(/, NOT GATED$/);
    expect(shown['service.p99']).toMatch(/, NOT GATED$/);
    expect(shown['service.p50']).not.toContain('NOT GATED');
    expect(why(c.rows.find((row) => row.name === 'throughput')!, c)).toBe(
      'NOT GATED: too few samples for p < 0.05: 3 runs a side; need 4 runs a side',
    );
  });

  it('passes with neither, and escapes every source name', () => {
    const c = comparison({}, 5, (label, i) => `${label}/<script>alert(${i})</script>`);
    expect(c.notGated).toEqual([]);
    const html = renderCompareHtml(c);
    expect(heading(html)).toBe('salvo compare PASS');
    expect(html).not.toContain('<script');
    expect(html).toContain('base/&#60;script&#62;alert(0)&#60;/script&#62;');
    mkdirSync(join(ROOT, 'test-output', 'compare'), { recursive: true });
    writeFileSync(join(ROOT, 'test-output', 'compare', 'compare-pass.html'), html);
  });
});
