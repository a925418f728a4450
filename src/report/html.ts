/**
 * `salvo report` (HTML): one self-contained page per run. The tables (status,
 * counts, checks, verdict, latency, plan, environment) are written here as
 * HTML, so they read without script; the plots are drawn in the page by
 * uPlot from data the page carries. Everything is inlined and a
 * Content-Security-Policy forbids every fetch, so the page works offline and
 * cannot reach the network even if something in it tried.
 */
import { FAILS, TTL_ONLY, type Category, type Verdict } from '../ledger/index.js';
import type { LatencyKind } from '../metrics/index.js';
import type { MergedShards, RunResult, ThresholdResult } from '../results/result.js';
import { defaultedAddressNote, formatTags } from '../plan/index.js';
import { latencyLabel, VERDICT_LABELS, paceNotes } from '../results/summary.js';
import { clockOffsetText, SHARD_COLUMNS, startSkewText } from '../results/shard-cells.js';
import { measuredPhrase } from '../results/thresholds.js';
import { backlogLine, sizesLines, slowConsumerNote } from '../results/workload-lines.js';
import { chartAssets } from './assets.js';
import { badge, esc, int, PAGE_CSP, section, table } from './html-parts.js';
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
import { laneOf } from './marker-lanes.js';
import { drawReport, type MarkerEvent, type PageData, type PlotData } from './page-script.js';
import { PAGE_STYLE } from './style.js';
import {
  activityEnd,
  countOf,
  DELIVERY_LABELS,
  deliveryCounts,
  rateSeries,
  type DeliveryCount,
  type PartialSecond,
} from './timeline.js';

const KIND_COLOURS: Record<LatencyKind, string> = {
  service: '#1f77b4',
  corrected: '#d62728',
  sendDelay: '#9467bd',
  endToEnd: '#2ca02c',
  endToEndCrossShard: '#98df8a',
  declare: '#ff7f0e',
  commit: '#17becf',
  recvDeclare: '#bcbd22',
  recvCommit: '#e377c2',
  roundTrip: '#7f7f7f',
};
const COUNT_COLOURS = { sent: '#1f77b4', accepted: '#8c564b', received: '#2ca02c' } as const;
const DELIVERY_COLOURS: Record<DeliveryCount, string> = {
  inDoubt: '#e6550d',
  resent: '#3182bd',
  duplicates: '#756bb1',
};
const FAULT_COLOUR = '#b8002e';
const RECONNECT_COLOUR = '#ff7f0e';
/** The queue depth plot's one line. */
const BACKLOG_COLOUR = '#6a3d9a';
/** The distribution plots end at 99.999%, where 1/(1-p) is 100,000. */
const MAX_INVERSE_TAIL = 100_000;

export function renderHtml(result: RunResult): string {
  const assets = chartAssets();
  const data = pageData(result);
  const status = statusOf(result);
  const title = `salvo run ${result.runId}: ${status}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<!-- ${esc(assets.notice)} -->
<style>${assets.style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>salvo run <code>${esc(result.runId)}</code> <span class="status ${status === 'SHARD PART' ? 'incomplete' : status.toLowerCase()}">${status}</span></h1>
<p>${esc(result.environment.target)} · address ${esc(addressText(result))} · ${esc(result.plan.settle)} · started ${esc(result.startedAt)}
· salvo ${esc(result.environment.salvo)}</p>
${result.plan.tags ? `<p class="tags">tags: ${esc(formatTags(result.plan.tags))}</p>` : ''}
</header>
<main>
${verdictSection(result)}
${section('Timeline', timelineSection(result, data), 'timeline')}
${section('Counts', countsTable(result))}
${result.shards ? section(`Shards (${result.shards.count})`, shardsTable(result.shards)) : ''}
${section('Latency (µs, warm-up excluded)', latencyTable(result))}
${
  data.distribution
    ? section(
        'Percentile distribution',
        '<p class="note">Every latency kind on one plot, on HdrHistogram\'s log percentile axis: each step right ' +
          'is ten times rarer (corrected above service is coordinated omission made visible). Hover for values; ' +
          'drag to zoom, double-click to reset.</p>' +
          `<div class="plot" id="${data.distribution.id}"></div>`,
        'distribution',
      )
    : ''
}
${faultsSection(faultsOf(result))}
${section('Plan', keyValueTable(result.plan as unknown as Record<string, unknown>))}
${section('Environment', keyValueTable(result.environment as unknown as Record<string, unknown>))}
</main>
<script id="salvo-data" type="application/json">${scriptJson(data)}</script>
<script>${assets.script}</script>
<script>(${drawReport.toString()})(JSON.parse(document.getElementById('salvo-data').textContent), uPlot, ${laneOf.toString()});</script>
</body>
</html>
`;
}

/** The plots' data: every kind's distribution, the per-second timeline, its delivery counts and its marks. */
export function pageData(result: RunResult): PageData {
  const points = result.timeseries;
  const x = points.map((p) => p.t);
  const throughput: PlotData = {
    id: 'plot-throughput',
    title: 'Throughput per second (warm-up shaded)',
    x,
    series: throughputSeries(result).map((name) => ({
      label: name,
      colour: COUNT_COLOURS[name],
      values: rateSeries(points, name, activityEnd(result, name)).values,
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
  const delivery = deliveryPlot(result);
  const events = markerEvents(result);
  const hasTimeline = points.length > 0;
  return {
    distribution: distributionPlot(result),
    timeRange: hasTimeline ? timeRange(x, events) : null,
    throughput: hasTimeline && throughput.series.length > 0 ? throughput : null,
    latency: hasTimeline && latency.series.length > 0 ? latency : null,
    delivery,
    backlog: hasTimeline ? backlogPlot(result) : null,
    marks: { warmup: warmupSpans(points), events },
  };
}

/** Queue depth per second, when it says something: consumers held slow, or a backlog that was there. */
function backlogPlot(result: RunResult): PlotData | null {
  const points = result.timeseries;
  const slow = slowConsumerNote(result.plan) !== undefined;
  if (!points.some((p) => typeof p.backlog === 'number') || !(slow || (result.backlog?.atSendEnd ?? 0) > 0))
    return null;
  return {
    id: 'plot-backlog',
    title: "Queue depth per second, at the second's end: accepted minus received, running (the broker's backlog)",
    x: points.map((p) => p.t),
    series: [{ label: 'queued', colour: BACKLOG_COLOUR, values: points.map((p) => p.backlog ?? null) }],
  };
}

/** Each series' seconds the timeline does not draw as counted (its last, partial one), for the page to say so. */
export function partialSeconds(result: RunResult): PartialSecond[] {
  return throughputSeries(result).flatMap(
    (name) => rateSeries(result.timeseries, name, activityEnd(result, name)).partial,
  );
}

/** From the first point to the last one or the last marker, whichever is later. */
function timeRange(x: number[], events: MarkerEvent[]): [number, number] {
  // A reduce, not a spread: an hour of faults is tens of thousands of events.
  const first = events.reduce((min, e) => Math.min(min, e.t), x[0]);
  const last = events.reduce((max, e) => Math.max(max, e.t), x[x.length - 1]);
  return [first, last > first ? last : first + 1];
}

/** Faults injected and connections lost or regained, by time; reconnects per second when the result has no events. */
function markerEvents(result: RunResult): MarkerEvent[] {
  const faults = faultsOf(result);
  // Timed connection events, when the result has them, say more than a count per second.
  const perSecond = faults.some(isConnectionEvent)
    ? []
    : reconnectMarks(result.timeseries).map((m) => ({
        t: m.t + 0.5,
        label: `reconnect ×${m.count}`,
        colour: RECONNECT_COLOUR,
        detail: `${m.t}-${m.t + 1} s: ${m.count} connection${m.count === 1 ? '' : 's'} opened again`,
        fault: false,
      }));
  const timed = faults.map((f) => ({
    t: f.atMs / 1000,
    label: f.kind,
    colour: isConnectionEvent(f) ? RECONNECT_COLOUR : FAULT_COLOUR,
    detail: `${(f.atMs / 1000).toFixed(3)} s ${f.kind}: ${f.target}; ${f.effect}`,
    fault: !isConnectionEvent(f),
  }));
  return [...perSecond, ...timed].sort((a, b) => a.t - b.t);
}

/** In doubt, resent and duplicate copies per second: under the faults that cause them. */
function deliveryPlot(result: RunResult): PlotData | null {
  const points = result.timeseries;
  const hadFaults = faultsOf(result).length > 0 || points.some((p) => (p.faults ?? 0) > 0);
  const counts = points.length > 0 ? deliveryCounts(points, hadFaults) : [];
  if (counts.length === 0) return null;
  return {
    id: 'plot-delivery',
    title: `Per second: ${counts.map((name) => DELIVERY_LABELS[name]).join(', ')}`,
    x: points.map((p) => p.t),
    series: counts.map((name) => ({
      label: DELIVERY_LABELS[name],
      colour: DELIVERY_COLOURS[name],
      values: points.map((p) => countOf(p, name)),
    })),
  };
}

/**
 * Every kind on one plot. Each histogram walks the same sequence of
 * percentile levels from 0 and stops where its own count is complete, so the
 * longest x holds every other as a prefix; shorter series end in nulls.
 */
function distributionPlot(result: RunResult): PlotData | null {
  const kinds = kindsOf(result);
  if (kinds.length === 0) return null;
  const each = kinds.map((kind) => ({ kind, rows: plottedRows(result, kind) }));
  const x = each.reduce<number[]>(
    (longest, { rows }) => (rows.length > longest.length ? rows.map((row) => inverseTail(row.percentile)) : longest),
    [],
  );
  return {
    id: 'plot-distribution',
    title: 'Latency by percentile, every kind (warm-up excluded)',
    x,
    series: each.map(({ kind, rows }) => ({
      label: `${kind} (${int(result.latency[kind]!.count)})`,
      colour: KIND_COLOURS[kind],
      values: x.map((_, i) => rows[i]?.value ?? null),
    })),
  };
}

function plottedRows(result: RunResult, kind: LatencyKind) {
  return distributionFor(result, kind).rows.filter(
    (row) => row.percentile < 1 && inverseTail(row.percentile) <= MAX_INVERSE_TAIL * (1 + 1e-9),
  );
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
  const slow = slowConsumerNote(result.plan);
  if (slow !== undefined) rows.push(['consumers', slow]);
  if (result.backlog && (slow !== undefined || result.backlog.atSendEnd > 0))
    rows.push(['backlog', backlogLine(result.backlog)]);
  const [asked, perSize] = sizesLines(result.plan, result.sentBySize ?? []);
  if (asked !== undefined) rows.push(['body sizes', asked], ['sent per size', perSize ?? '']);
  if (t.fanOut)
    rows.push([
      'fan-out',
      `${int(t.fanOut.publishRate)} msg/s published, ${int(t.fanOut.deliverRate)} msg/s delivered over ` +
        `${t.fanOut.subscriptions} subscriptions (${int(t.fanOut.deliverRatePerSubscription)} msg/s each)`,
    ]);
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

/**
 * What the run concluded, first: the checks (the status comes from them), the thresholds, and the ledger's
 * verdict per category. The timeline follows right under it.
 */
function verdictSection(result: RunResult): string {
  const status = statusOf(result);
  const parts = [
    `<p>${status === 'INCOMPLETE' ? '<span class="status incomplete">INCOMPLETE</span>' : badge(status === 'PASS')}` +
      ` ${esc(verdictLead(result))}</p>`,
    `<h3>Checks</h3>${checksTable(result)}`,
    result.thresholds && result.thresholds.length > 0 ? `<h3>Thresholds</h3>${thresholdsTable(result.thresholds)}` : '',
    result.verdict ? `<h3>${esc(verdictTitle(result.verdict))}</h3>${verdictTable(result)}` : '',
  ];
  return section('Verdict', parts.join('\n'), 'verdict');
}

function verdictLead(result: RunResult): string {
  if (!result.complete)
    return `the run did not finish${result.interrupted ? ` (interrupted while ${result.interrupted})` : ''}`;
  const failed = result.checks.filter((c) => !c.ok).length + (result.thresholds ?? []).filter((t) => !t.pass).length;
  const all = result.checks.length + (result.thresholds ?? []).length;
  if (all === 0) return 'no check was made: not a pass';
  return failed === 0 ? `every check${all > 1 ? ` (${all})` : ''} passed` : `${failed} of ${all} failed`;
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
  const undrained = result.backlog?.undrained !== undefined;
  const head = verdict.partial
    ? `partial verdict (${undrained ? 'slow consumers: backlog not drained' : 'interrupted'}): ` +
      `${verdict.ok === false ? judged : 'nothing wrong found so far'}; ` +
      `${int(verdict.confirmed ?? 0)} arrived, ${int(verdict.unconfirmed ?? 0)} unconfirmed ` +
      `(${undrained ? 'still queued when the drain ended' : 'not arrived when stopped'}); ` +
      'a partial verdict cannot prove loss'
    : judged;
  const shownCategories = (Object.keys(VERDICT_LABELS) as Category[]).filter(
    (category) => !TTL_ONLY.includes(category) || verdict[category] != null,
  );
  const rows = shownCategories.map((category) => {
    const count = verdict[category] ?? null;
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
    table(['category', 'count', 'role', 'example'], rows, [false, true, false, false]) +
    subscriptionsTable(verdict)
  );
}

/** --subscriptions: each subscription's own counts (the verdict's are their sums). */
function subscriptionsTable(verdict: Verdict): string {
  const subs = verdict.subscriptions;
  if (subs === undefined || subs.length < 2) return '';
  const shown = (n: number | null): string => (n === null ? 'not checked' : int(n));
  const rows = subs.map((s) => [
    String(s.subscription + 1),
    shown(s.received),
    `<span${s.lost ? ' class="bad"' : ''}>${shown(s.lost)}</span>`,
    shown(s.duplicated),
    shown(s.reordered),
    s.ok === null ? 'not checked' : badge(s.ok),
  ]);
  return (
    '<p>Per subscription: each is owed every message; the counts above are their sums.</p>' +
    table(['subscription', 'received', 'lost', 'duplicated', 'reordered', ''], rows, [
      true,
      true,
      true,
      true,
      true,
      false,
    ])
  );
}

function latencyTable(result: RunResult): string {
  const kinds = kindsOf(result);
  if (kinds.length === 0) return '<p>No latency was recorded.</p>';
  const keys = ['p50', 'p90', 'p99', 'p999', 'p9999', 'p99999', 'max'] as const;
  const rows = kinds.map((kind) => {
    const s = result.latency[kind]!;
    return [
      `<span class="swatch" style="background:${KIND_COLOURS[kind]}"></span>${esc(latencyLabel(result, kind))}`,
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
  const plots = [data.throughput, data.latency, data.delivery, data.backlog ?? null].filter(
    (p): p is PlotData => p !== null,
  );
  if (plots.length === 0) return '<p>The run recorded no per-second figures.</p>';
  const legend =
    '<p class="note">Shaded: warm-up (kept out of totals and latency). ' +
    `<span style="color:${FAULT_COLOUR}">Dashed red</span>: injected faults. <span ` +
    `style="color:${RECONNECT_COLOUR}">Dashed orange</span>: connections lost or regained (or, without timed ` +
    `events, seconds with reconnects).${data.marks.events.length > 0 ? ' Labels sit in rows above the plots; hover one for its details.' : ''}</p>`;
  const lanes = '<p class="note" id="marker-note"></p><div class="marker-lanes" id="marker-lanes"></div>';
  return (
    legend +
    (data.marks.events.length > 0 ? lanes : '') +
    plots.map((p) => `<div class="plot" id="${p.id}"></div>`).join('\n') +
    duplicatesNote(result, data) +
    partialNote(partialSeconds(result))
  );
}

/** Duplicates have no per-second count in results that lack it: the verdict's totals say what there was. */
function duplicatesNote(result: RunResult, data: PageData): string {
  const verdict = result.verdict;
  if (data.delivery === null || data.delivery.series.some((s) => s.label === DELIVERY_LABELS.duplicates)) return '';
  if (verdict === undefined || !verdict.duplicated) return '';
  return (
    `<p class="note">Duplicates are not counted per second in this result; over the run the verdict counts ` +
    `${int(verdict.duplicated)} messages duplicated` +
    `${verdict.extraCopies === undefined ? '' : ` (${int(verdict.extraCopies)} extra copies)`}.</p>`
  );
}

/** Says which last seconds were scaled or left out, so no figure on the plot is a surprise. */
function partialNote(partial: PartialSecond[]): string {
  if (partial.length === 0) return '';
  const each = partial.map((p) => {
    if (p.activeS === 0) return `${p.series}: second ${p.t} (after its measured end: a last straggler) left out`;
    const span = `${p.t}-${(p.t + p.activeS).toFixed(3)} s`;
    return p.treatment === 'scaled'
      ? `${p.series}: its last second (${span}) drawn as a rate over its ${p.activeS.toFixed(3)} s`
      : `${p.series}: its last second (${span}) left out, too short for a rate`;
  });
  return (
    `<p class="note" id="partial-note">The last second of a series is partial (the run does not end on a whole ` +
    `second); seconds after a series ended are not drawn. ${esc(each.join('; '))}.</p>`
  );
}

/** Every fault and connection event, below the plots: the markers' full list. */
function faultsSection(faults: FaultMark[]): string {
  if (faults.length === 0) return '';
  const heading = faults.some(isConnectionEvent) ? 'Faults and connection events' : 'Faults injected';
  return section(
    heading,
    table(
      ['at', 'event', 'target', 'effect'],
      faults.map((f) => [`${(f.atMs / 1000).toFixed(3)} s`, esc(f.kind), esc(f.target), esc(f.effect)]),
      [true, false, false, false],
    ),
    'faults',
  );
}

/** A merged run's shards (salvo merge): each one's rates, start skew and reconnects, then the missing ones. */
function shardsTable(shards: MergedShards): string {
  const rows = shards.rows.map((r) => [
    String(r.index),
    r.complete ? 'yes' : '<strong>no</strong>',
    esc(r.host ?? '-'),
    int(r.sendRate),
    int(r.acceptRate),
    int(r.receiveRate),
    esc(startSkewText(r)),
    esc(clockOffsetText(r)),
    int(r.reconnects),
  ]);
  const missing =
    shards.missing.length > 0
      ? `<p class="note">Missing: shard ${esc(shards.missing.join(', '))}: NOT CHECKED (${int(shards.notChecked)} ` +
        'of their messages received by other shards, not judged).</p>'
      : '';
  return (
    `<p class="note">Plan ${esc(shards.planHash)}. Start skew: each shard's start after the first one's, on shard ` +
    "0's clock within the bound shown when the shards met over the broker, else by wall clocks (no bound known). " +
    "Clock offset: shard 0's clock minus the shard's, estimated from the smallest of several round trips, within " +
    "half of it. Seconds are aligned by each shard's start.</p>" +
    table(['shard', 'finished', ...SHARD_COLUMNS.slice(1)], rows, [
      true,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
    ]) +
    missing
  );
}

/** The address, and why when the URL named none. */
function addressText(result: RunResult): string {
  return defaultedAddressNote(result.plan) ?? result.plan.address;
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

/** JSON inside a script element: "<" escaped so no string in it can end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
