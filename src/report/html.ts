/**
 * `salvo report` (HTML): one self-contained page per run. The tables (status,
 * counts, checks, verdict, latency, plan, environment) are written here as
 * HTML, so they read without script; the plots are drawn in the page by
 * uPlot from data the page carries. Everything is inlined and a
 * Content-Security-Policy forbids every fetch, so the page works offline and
 * cannot reach the network even if something in it tried.
 */
import { FAILS, type Category, type Verdict } from '../ledger/index.js';
import type { LatencyKind } from '../metrics/index.js';
import type { MergedShards, RunResult, ThresholdResult } from '../results/result.js';
import { KIND_LABELS, VERDICT_LABELS, paceNotes } from '../results/summary.js';
import { measuredPhrase } from '../results/thresholds.js';
import { chartAssets } from './assets.js';
import { inverseTail } from './distribution.js';
import {
  distributionFor,
  faultsOf,
  isConnectionEvent,
  kindsOf,
  otherCounts,
  reconnectMarks,
  statusOf,
  throughputSeries,
  timelineLatencyKeys,
  warmupSpans,
  type FaultMark,
} from './model.js';
import { drawReport, type PageData, type PlotData } from './page-script.js';
import { PAGE_STYLE } from './style.js';

const KIND_COLOURS: Record<LatencyKind, string> = {
  service: '#1f77b4',
  corrected: '#d62728',
  sendDelay: '#9467bd',
  endToEnd: '#2ca02c',
  declare: '#ff7f0e',
  commit: '#17becf',
  recvDeclare: '#bcbd22',
  recvCommit: '#e377c2',
  roundTrip: '#7f7f7f',
};
const COUNT_COLOURS = { sent: '#1f77b4', accepted: '#8c564b', received: '#2ca02c' } as const;
const FAULT_COLOUR = '#b8002e';
const RECONNECT_COLOUR = '#ff7f0e';
/** The distribution plots end at 99.999%, where 1/(1-p) is 100,000. */
const MAX_INVERSE_TAIL = 100_000;

/** Nothing from the network: the page's one script and its style are inline, plots draw into data: images. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export function renderHtml(result: RunResult): string {
  const assets = chartAssets();
  const data = pageData(result);
  const status = statusOf(result);
  const title = `salvo run ${result.runId}: ${status}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<!-- ${esc(assets.notice)} -->
<style>${assets.style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>salvo run <code>${esc(result.runId)}</code> <span class="status ${status === 'SHARD PART' ? 'incomplete' : status.toLowerCase()}">${status}</span></h1>
<p>${esc(result.environment.target)} · ${esc(result.plan.settle)} · started ${esc(result.startedAt)}
· salvo ${esc(result.environment.salvo)}</p>
</header>
<main>
${section('Counts', countsTable(result))}
${section('Checks', checksTable(result))}
${result.thresholds && result.thresholds.length > 0 ? section('Thresholds', thresholdsTable(result.thresholds)) : ''}
${result.verdict ? section(verdictTitle(result.verdict), verdictTable(result)) : ''}
${result.shards ? section(`Shards (${result.shards.count})`, shardsTable(result.shards)) : ''}
${section('Latency (µs, warm-up excluded)', latencyTable(result))}
${
  data.distributions.length > 0
    ? section(
        'Percentile distributions',
        '<p class="note">HdrHistogram\'s log ' +
          'percentile axis: each step right is ten times rarer. Hover for values; drag to zoom, double-click to ' +
          'reset.</p>' +
          data.distributions.map((p) => `<div class="plot" id="${p.id}"></div>`).join('\n'),
      )
    : ''
}
${section('Timeline', timelineSection(result, data))}
${section('Plan', keyValueTable(result.plan as unknown as Record<string, unknown>))}
${section('Environment', keyValueTable(result.environment as unknown as Record<string, unknown>))}
</main>
<script id="salvo-data" type="application/json">${scriptJson(data)}</script>
<script>${assets.script}</script>
<script>(${drawReport.toString()})(JSON.parse(document.getElementById('salvo-data').textContent), uPlot);</script>
</body>
</html>
`;
}

/** The plots' data: distributions per kind, the per-second timeline and its marks. */
export function pageData(result: RunResult): PageData {
  const points = result.timeseries;
  const faults = faultsOf(result);
  const x = points.map((p) => p.t);
  const throughput: PlotData = {
    id: 'plot-throughput',
    title: 'Throughput per second (warm-up shaded)',
    x,
    series: throughputSeries(result).map((name) => ({
      label: name,
      colour: COUNT_COLOURS[name],
      values: points.map((p) => p[name]),
    })),
  };
  const latency: PlotData = {
    id: 'plot-latency',
    title: 'Latency per second: p99 solid, p50 dashed (warm-up shaded)',
    x,
    series: kindsOf(result).flatMap((kind) => {
      const keys = timelineLatencyKeys(kind);
      return [
        { label: `${kind} p99`, colour: KIND_COLOURS[kind], values: points.map((p) => logSafe(p[keys.p99])) },
        {
          label: `${kind} p50`,
          colour: KIND_COLOURS[kind],
          dash: true,
          values: points.map((p) => logSafe(p[keys.p50])),
        },
      ];
    }),
  };
  return {
    distributions: distributionPlots(result),
    throughput: points.length > 0 && throughput.series.length > 0 ? throughput : null,
    latency: points.length > 0 && latency.series.length > 0 ? latency : null,
    marks: {
      warmup: warmupSpans(points),
      events: [
        // Timed connection events, when the result has them, say more than a count per second.
        ...(faults.some(isConnectionEvent)
          ? []
          : reconnectMarks(points).map((m) => ({
              t: m.t + 0.5,
              label: `reconnect ×${m.count}`,
              colour: RECONNECT_COLOUR,
            }))),
        ...faults.map((f) => ({
          t: f.atMs / 1000,
          label: f.kind,
          colour: isConnectionEvent(f) ? RECONNECT_COLOUR : FAULT_COLOUR,
        })),
      ],
    },
  };
}

/**
 * One plot per kind, and before them, when there are several, all kinds on one (corrected against service shows
 * coordinated omission).
 */
function distributionPlots(result: RunResult): PlotData[] {
  const plots = kindsOf(result).map((kind) => distributionPlot(result, kind));
  return plots.length > 1 ? [overlay(plots), ...plots] : plots;
}

/**
 * The kinds' distributions on one x: every histogram walks the same sequence
 * of percentile levels from 0 and stops where its own count is complete, so
 * the longest x holds every other as a prefix; shorter series end in nulls.
 */
function overlay(plots: PlotData[]): PlotData {
  const x = plots.reduce((longest, plot) => (plot.x.length > longest.length ? plot.x : longest), plots[0].x);
  return {
    id: 'plot-distribution-all',
    title: 'All kinds',
    x,
    series: plots.map((plot) => ({ ...plot.series[0], values: x.map((_, i) => plot.series[0].values[i] ?? null) })),
  };
}

function distributionPlot(result: RunResult, kind: LatencyKind): PlotData {
  const rows = distributionFor(result, kind).rows.filter(
    (row) => row.percentile < 1 && inverseTail(row.percentile) <= MAX_INVERSE_TAIL * (1 + 1e-9),
  );
  return {
    id: `plot-distribution-${kind}`,
    title: `${KIND_LABELS[kind]}: ${result.latency[kind]!.count.toLocaleString('en-US')} values`,
    x: rows.map((row) => inverseTail(row.percentile)),
    series: [{ label: kind, colour: KIND_COLOURS[kind], values: rows.map((row) => row.value) }],
  };
}

/** The latency timeline's y axis is logarithmic: a 0 µs second (a clock step) is drawn at 1 µs. */
function logSafe(value: unknown): number | null {
  if (typeof value !== 'number') return null;
  return value < 1 ? 1 : value;
}

function countsTable(result: RunResult): string {
  const t = result.totals;
  const rows: [string, string][] = [
    [
      'measured',
      `${t.durationS.toFixed(1)} s${result.plan.warmupMs > 0 ? ` after ${result.plan.warmupMs / 1000} s warm-up` : ''}`,
    ],
    ['sent', `${int(t.sent)} (${int(t.sendRate)} msg/s written)`],
    ['accepted', `${int(t.accepted)} (${int(t.acceptRate)} msg/s)`],
    ['received', `${int(t.received)} (${int(t.receiveRate)} msg/s)`],
  ];
  for (const [name, value] of otherCounts(t)) rows.push([name, int(value)]);
  if (result.brokerChaos) {
    const c = result.brokerChaos;
    rows.push([
      'broker chaos (on purpose)',
      `dropped ${int(c.dropped)}, duplicated ${int(c.duplicated)} (extra copies), reordered ${int(c.reordered)}`,
    ]);
  }
  const notes = [...paceNotes(result), ...result.problems]
    .map((line) => `<p class="note warn">${esc(line)}</p>`)
    .join('\n');
  return (
    table(
      ['', 'messages'],
      rows.map(([k, v]) => [esc(k), esc(v)]),
      [false, true],
    ) + notes
  );
}

function checksTable(result: RunResult): string {
  if (result.checks.length === 0) return '<p>No checks.</p>';
  return table(
    ['', 'check', 'detail'],
    result.checks.map((c) => [badge(c.ok), esc(c.name), esc(c.detail)]),
  );
}

/** --threshold: each objective, PASS or FAIL, with what the run measured. */
function thresholdsTable(thresholds: readonly ThresholdResult[]): string {
  return table(
    ['', 'threshold', 'measured'],
    thresholds.map((t) => [
      badge(t.pass),
      `<code>${esc(t.text)}</code>`,
      esc(measuredPhrase(t).replace(/^measured /, '')),
    ]),
  );
}

function verdictTitle(verdict: Verdict): string {
  return `Verdict (${verdict.mode}, every message ${verdict.partial ? 'so far' : 'of the run'})`;
}

function verdictTable(result: RunResult): string {
  const verdict = result.verdict!;
  const judged = verdict.ok === null ? 'not checked' : verdict.ok ? 'PASS' : `FAIL (${verdict.failed.join(', ')})`;
  // An interrupted run's verdict (never a pass): loss is not claimed, what had not arrived is unconfirmed.
  const head = verdict.partial
    ? `partial verdict (interrupted): ${verdict.ok === false ? judged : 'nothing wrong found so far'}; ` +
      `${int(verdict.confirmed ?? 0)} arrived, ${int(verdict.unconfirmed ?? 0)} unconfirmed (not arrived when ` +
      'stopped); a partial verdict cannot prove loss'
    : judged;
  const rows = (Object.keys(VERDICT_LABELS) as Category[]).map((category) => {
    const count = verdict[category];
    const fails = FAILS[verdict.mode].includes(category);
    const example = verdict.examples[category]?.[0];
    const bad = fails && count !== null && count > 0;
    return [
      `<span${bad ? ' class="bad"' : ''}>${esc(VERDICT_LABELS[category])}</span>`,
      count === null ? 'not checked' : int(count),
      fails ? 'fails the run' : 'reported',
      example && count ? `<code>${esc(example.producer)}</code> #${example.seq}` : '',
    ];
  });
  return (
    `<p>${verdict.ok === null ? esc(head) : badge(verdict.ok, head)}</p>` +
    table(['category', 'count', 'role', 'example'], rows, [false, true, false, false])
  );
}

function latencyTable(result: RunResult): string {
  const kinds = kindsOf(result);
  if (kinds.length === 0) return '<p>No latency was recorded.</p>';
  const keys = ['p50', 'p90', 'p99', 'p999', 'p9999', 'p99999', 'max'] as const;
  const rows = kinds.map((kind) => {
    const s = result.latency[kind]!;
    return [
      `<span class="swatch" style="background:${KIND_COLOURS[kind]}"></span>${esc(KIND_LABELS[kind])}`,
      int(s.count),
      int(s.mean),
      ...keys.map((k) => int(s[k])),
    ];
  });
  // Not a message latency: the proxy's own error, per delayed write (faults/release-lateness.ts).
  const late = result.proxyLateness;
  if (late)
    rows.push([
      'fault proxy: write - due of each delayed chunk',
      int(late.count),
      int(late.mean),
      ...keys.map((k) => int(late[k])),
    ]);
  return table(['kind', 'count', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'p99.999', 'max'], rows, [
    false,
    ...Array<boolean>(9).fill(true),
  ]);
}

function timelineSection(result: RunResult, data: PageData): string {
  if (data.throughput === null && data.latency === null) return '<p>The run recorded no per-second figures.</p>';
  const plots = [data.throughput, data.latency]
    .filter((p): p is PlotData => p !== null)
    .map((p) => `<div class="plot" id="${p.id}"></div>`)
    .join('\n');
  const legend =
    `<p class="note">Shaded: warm-up (kept out of totals and latency). <span ` +
    `style="color:${RECONNECT_COLOUR}">Dashed orange</span>: connections lost or regained (or, without timed events, ` +
    `seconds with reconnects). <span style="color:${FAULT_COLOUR}">Dashed red</span>: injected faults. The last ` +
    `second is usually partial.</p>`;
  return legend + plots + faultsTable(faultsOf(result));
}

function faultsTable(faults: FaultMark[]): string {
  if (faults.length === 0) return '';
  const heading = faults.some(isConnectionEvent) ? 'Faults and connection events' : 'Faults injected';
  return (
    `<h3>${heading}</h3>` +
    table(
      ['at', 'event', 'target', 'effect'],
      faults.map((f) => [`${(f.atMs / 1000).toFixed(3)} s`, esc(f.kind), esc(f.target), esc(f.effect)]),
      [true, false, false, false],
    )
  );
}

/** A merged run's shards (salvo merge): each one's rates, start skew and reconnects, then the missing ones. */
function shardsTable(shards: MergedShards): string {
  const rows = shards.rows.map((r) => [
    String(r.index),
    r.complete ? 'yes' : '<strong>no</strong>',
    int(r.sendRate),
    int(r.acceptRate),
    int(r.receiveRate),
    `${int(r.startSkewMs)} ms`,
    int(r.reconnects),
  ]);
  const missing =
    shards.missing.length > 0
      ? `<p class="note">Missing: shard ${esc(shards.missing.join(', '))}: NOT CHECKED (${int(shards.notChecked)} ` +
        'of their messages received by other shards, not judged).</p>'
      : '';
  return (
    `<p class="note">Plan ${esc(shards.planHash)}. Start skew: each shard's own start after the first one's (wall ` +
    "clock); seconds are aligned by each shard's start.</p>" +
    table(['shard', 'finished', 'sent/s', 'accepted/s', 'received/s', 'start skew', 'reconnects'], rows, [
      true,
      false,
      true,
      true,
      true,
      true,
      true,
    ]) +
    missing
  );
}

function keyValueTable(record: Record<string, unknown>): string {
  return table(
    ['', ''],
    Object.entries(record).map(([key, value]) => [
      esc(key),
      `<code>${esc(typeof value === 'string' ? value : JSON.stringify(value))}</code>`,
    ]),
  );
}

function section(heading: string, body: string): string {
  return `<section><h2>${esc(heading)}</h2>\n${body}\n</section>`;
}

/** Cells are HTML already escaped by the caller; `numeric` right-aligns a column. */
function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const cls = (i: number): string => (numeric[i] ? ' class="num"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function badge(ok: boolean, text = ok ? 'PASS' : 'FAIL'): string {
  return `<span class="status ${ok ? 'pass' : 'fail'}">${esc(text)}</span>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a script element: "<" escaped so no string in it can end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
