/**
 * deploy/grafana/salvo-shards.json against what salvo serves: every series a
 * panel queries, with the label values it selects (kind, window, quantile,
 * event), is one that `salvo run --metrics-port` exposes, so a renamed series
 * or label breaks this test instead of leaving an empty panel. Per-shard
 * panels group by the dashboard's shard-label variable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zeroCounters } from '../../src/metrics/interval-report.js';
import { LiveMetrics } from '../../src/metrics/prometheus.js';
import { ROOT } from '../helpers/paths.js';

interface Target {
  expr: string;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'salvo-shards.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string }[] };
};
/** Grafana's reference to the dashboard's datasource variable (not a JavaScript template). */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('');
const queried = dashboard.panels.filter((p) => p.type !== 'row');

/** Every sample line of a live scrape with every label set salvo can produce. */
async function served(): Promise<{ name: string; labels: Record<string, string> }[]> {
  const metrics = new LiveMetrics();
  metrics.startRun('dashboard-check');
  metrics.progress({
    elapsedS: 2,
    warmup: false,
    sent: 10,
    settled: 9,
    accepted: 9,
    received: 8,
    distinct: 8,
    expected: 9,
    down: 0,
  });
  metrics.reported(zeroCounters());
  const q = { count: 5, p50Us: 100, p99Us: 200, p999Us: 300 };
  metrics.second({ t: 1, counters: zeroCounters(), latency: { endToEnd: q, service: q } });
  metrics.cumulative({ endToEnd: q });
  const text = await metrics.text();
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0] ?? '';
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name, labels };
    });
}

/** Each `series{...}` in an expression, with its exact-match labels (variables and regex matchers left out). */
function selectors(expr: string): { name: string; labels: Record<string, string> }[] {
  return [...expr.matchAll(/(salvo_[a-z0-9_]+)(?:\{([^}]*)\})?/g)].map((m) => {
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/(\w+)="([^"$]*)"/g)) labels[key] = value;
    return { name: m[1], labels };
  });
}

describe('the Grafana dashboard', () => {
  it('queries only series salvo serves, with label values it gives them', async () => {
    const samples = await served();
    const checked = queried.flatMap((p) => (p.targets ?? []).flatMap((t) => selectors(t.expr)));
    expect(checked.length).toBeGreaterThan(10);
    for (const { name, labels } of checked) {
      const match = samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(match, `${name}${JSON.stringify(labels)}`).toBe(true);
    }
  });

  it('every query is of one run and through the datasource variable', () => {
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['datasource', 'run_id', 'kind', 'shard_label']));
    for (const panel of queried) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE);
      for (const { expr } of panel.targets ?? []) {
        for (const selector of expr.match(/salvo_[a-z0-9_]+\{[^}]*\}/g) ?? [])
          expect(selector, panel.title).toContain('run_id=~"$run_id"');
      }
    }
  });

  it('shows each shard apart and all shards together', () => {
    const exprs = queried.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.filter((e) => e.includes('by ($shard_label)')).length).toBeGreaterThanOrEqual(4);
    expect(exprs.filter((e) => /^sum\(rate\(salvo_(sent|accepted|received)_total/.test(e))).toHaveLength(3);
  });
});
