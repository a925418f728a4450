/**
 * capacity.html: one self-contained page per search. The latency-versus-
 * rate curve is drawn here as SVG (one point per step, repeats included, the
 * objective's limit, the knee, the capacity and the host's ceiling marked),
 * so the page needs no script at all; the verdict, the pre-flight and the
 * steps follow as tables. A Content-Security-Policy forbids every fetch.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, SalvoError } from '../errors.js';
import { objectiveMetric, parseObjectives, type Objective } from '../plan/index.js';
import { PAGE_STYLE } from '../report/style.js';
import { formatUs } from '../results/thresholds.js';
import { formatTable, preflightLines, type CapacityResult } from './format.js';
import type { StepLatency } from './judge.js';
import type { StepResult } from './run-step.js';

export const CAPACITY_HTML = 'capacity.html';

/** Nothing from the network, and no script: the chart is SVG written here. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'";

export const CURVE_COLOURS = {
  pass: '#1a7f37',
  fail: '#cf222e',
  line: '#1f77b4',
  lag: '#9467bd',
  limit: '#9a6700',
  knee: '#cf222e',
  capacity: '#1a7f37',
  ceiling: '#57606a',
} as const;

/** One step on the curve: the plotted metric in µs (null: not recorded) and the step's sendDelay p99. */
export interface CurvePoint {
  index: number;
  rate: number;
  valueUs: number | null;
  sendDelayUs: number | null;
  pass: boolean;
  repeat: boolean;
}

export interface Curve {
  /** e.g. `service.p99`: the first latency objective's, else service.p99. */
  metric: string;
  /** The objective's limit in µs, when the metric is an objective's. */
  limitUs?: number;
  points: CurvePoint[];
  kneeRate?: number;
  capacityRate?: number;
  ceilingRate?: number;
}

type Percentile = keyof NonNullable<StepLatency['service']>;
/** The percentiles a step's latency summary keeps (not max, which only the step's objectives hold). */
const PERCENTILE_KEYS: Record<string, Percentile | undefined> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p999' };

/** The curve's data from a result: which metric, one point per step, and the marks. */
export function curveOf(result: CapacityResult): Curve {
  const slos = parseObjectives(result.slos, '--slo');
  const index = slos.findIndex((s) => s.type === 'latency');
  const slo = index >= 0 ? (slos[index] as Extract<Objective, { type: 'latency' }>) : undefined;
  const kind = slo?.kind ?? 'service';
  // Each step measured its objectives (max included); the step's latency summary is the fallback, p99 without one.
  const percentile = slo ? PERCENTILE_KEYS[slo.percentile] : 'p99';
  const valueOf = (step: StepResult): number | null => {
    const fromSlo = index >= 0 ? step.objectives?.[index]?.measured : undefined;
    if (typeof fromSlo === 'number') return fromSlo;
    if (percentile === undefined) return null;
    return (
      (step.latency as Record<string, Partial<Record<Percentile, number>> | undefined>)[kind]?.[percentile] ?? null
    );
  };
  return {
    metric: slo ? objectiveMetric(slo) : 'service.p99',
    ...(slo ? { limitUs: slo.limitUs } : {}),
    points: result.steps.map((s) => ({
      index: s.index,
      rate: s.rate,
      valueUs: valueOf(s),
      sendDelayUs: s.latency.sendDelay?.p99 ?? null,
      pass: s.pass,
      repeat: s.repeat === true,
    })),
    ...(result.knee ? { kneeRate: result.knee.rate } : {}),
    ...(result.capacityRate !== null ? { capacityRate: result.capacityRate } : {}),
    ...(result.preflight && Number.isFinite(result.preflight.ceilingRate)
      ? { ceilingRate: result.preflight.ceilingRate }
      : {}),
  };
}

const WIDTH = 960;
const HEIGHT = 440;
const MARGIN = { left: 72, right: 24, top: 28, bottom: 52 };

/** The curve as SVG: x the target rate (linear), y the metric (log, µs). */
export function curveSvg(curve: Curve): string {
  const rates = curve.points.map((p) => p.rate);
  const maxRate = Math.max(1, ...rates);
  // The ceiling is drawn when it is near the steps, not when it would squash them to the left.
  const ceiling = curve.ceilingRate !== undefined && curve.ceilingRate <= 2 * maxRate ? curve.ceilingRate : undefined;
  const xMax = Math.max(maxRate, ceiling ?? 0) * 1.08;
  const values = curve.points
    .flatMap((p) => [p.valueUs, p.sendDelayUs])
    .filter((v): v is number => v !== null && v > 0);
  if (curve.limitUs !== undefined) values.push(curve.limitUs);
  const lo = Math.max(1, Math.min(...values, 1_000) / 2);
  const hi = Math.max(...values, 10) * 2;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (rate: number): number => MARGIN.left + (rate / xMax) * plotW;
  const y = (us: number): number =>
    MARGIN.top + plotH - ((Math.log10(Math.max(us, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const bottom = MARGIN.top + plotH;
  const parts: string[] = [];
  // Axes and ticks.
  parts.push(
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#57606a"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#57606a"/>`,
  );
  for (const tick of rateTicks(xMax)) {
    parts.push(
      `<line x1="${f(x(tick))}" y1="${bottom}" x2="${f(x(tick))}" y2="${bottom + 5}" stroke="#57606a"/>`,
      `<text x="${f(x(tick))}" y="${bottom + 18}" text-anchor="middle" font-size="11">${tick.toLocaleString('en-US')}</text>`,
    );
  }
  for (let decade = 10 ** Math.ceil(Math.log10(lo)); decade <= hi; decade *= 10) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${f(y(decade))}" x2="${WIDTH - MARGIN.right}" y2="${f(y(decade))}" stroke="#eaeef2"/>`,
      `<text x="${MARGIN.left - 6}" y="${f(y(decade) + 4)}" text-anchor="end" font-size="11">${esc(formatUs(decade))}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12">target rate (msg/s)</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${esc(curve.metric)} (log)</text>`,
  );
  if (curve.limitUs !== undefined)
    parts.push(
      `<g class="limit-mark"><line x1="${MARGIN.left}" y1="${f(y(curve.limitUs))}" x2="${WIDTH - MARGIN.right}" y2="${f(y(curve.limitUs))}" stroke="${CURVE_COLOURS.limit}" stroke-dasharray="6 4"/>` +
        `<text x="${WIDTH - MARGIN.right - 4}" y="${f(y(curve.limitUs) - 5)}" text-anchor="end" font-size="11" fill="${CURVE_COLOURS.limit}">objective ${esc(curve.metric)} &lt; ${esc(formatUs(curve.limitUs))}</text></g>`,
    );
  parts.push(...verticalMarks(curve, ceiling, x, bottom));
  // The curve: the search's steps by rate (repeats are the spread around it).
  const line = curve.points
    .filter((p) => !p.repeat && p.valueUs !== null)
    .sort((a, b) => a.rate - b.rate)
    .map((p) => `${f(x(p.rate))},${f(y(p.valueUs as number))}`);
  if (line.length > 1)
    parts.push(
      `<polyline class="curve" points="${line.join(' ')}" fill="none" stroke="${CURVE_COLOURS.line}" stroke-width="2"/>`,
    );
  for (const p of curve.points) {
    if (p.sendDelayUs !== null)
      parts.push(
        `<rect class="lag-point" x="${f(x(p.rate) - 3)}" y="${f(y(p.sendDelayUs) - 3)}" width="6" height="6" fill="${CURVE_COLOURS.lag}" opacity="0.7"/>`,
      );
  }
  for (const p of curve.points) {
    const colour = p.pass ? CURVE_COLOURS.pass : CURVE_COLOURS.fail;
    const cy = p.valueUs === null ? bottom : y(p.valueUs);
    const fill = p.valueUs === null || p.repeat ? 'none' : colour;
    const title = `step ${p.index}${p.repeat ? ' (repeat)' : ''}: ${p.rate} msg/s, ${curve.metric} ${
      p.valueUs === null ? 'none recorded' : formatUs(p.valueUs)
    }, ${p.pass ? 'PASS' : 'FAIL'}`;
    parts.push(
      `<circle class="step-point ${p.pass ? 'pass' : 'fail'}" data-rate="${p.rate}" data-step="${p.index}" cx="${f(x(p.rate))}" cy="${f(cy)}" r="6" fill="${fill}" stroke="${colour}" stroke-width="2"><title>${esc(title)}</title></circle>`,
    );
  }
  return `<svg id="capacity-curve" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(curve.metric)} against target rate">${parts.join('')}</svg>`;
}

function verticalMarks(
  curve: Curve,
  ceiling: number | undefined,
  x: (rate: number) => number,
  bottom: number,
): string[] {
  const mark = (cls: string, rate: number, colour: string, label: string, row: number, dash: string): string => {
    // Near the right edge the label goes to the line's left, so it is not cut off.
    const left = x(rate) > WIDTH - MARGIN.right - 180;
    return (
      `<g class="${cls}" data-rate="${rate}"><line x1="${f(x(rate))}" y1="${MARGIN.top}" x2="${f(x(rate))}" y2="${bottom}" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}"/>` +
      `<text x="${f(x(rate) + (left ? -4 : 4))}" y="${MARGIN.top + 12 + row * 14}" text-anchor="${left ? 'end' : 'start'}" font-size="11" fill="${colour}">${esc(label)}</text></g>`
    );
  };
  const marks: string[] = [];
  if (curve.capacityRate !== undefined)
    marks.push(
      mark('capacity-mark', curve.capacityRate, CURVE_COLOURS.capacity, `capacity ${curve.capacityRate} msg/s`, 0, '0'),
    );
  if (curve.kneeRate !== undefined)
    marks.push(mark('knee', curve.kneeRate, CURVE_COLOURS.knee, `knee ${curve.kneeRate} msg/s`, 1, '0'));
  if (ceiling !== undefined)
    marks.push(
      mark('ceiling-mark', ceiling, CURVE_COLOURS.ceiling, `host ceiling ≈ ${Math.round(ceiling)} msg/s`, 2, '3 3'),
    );
  return marks;
}

/** About five round ticks from 0 to max. */
function rateTicks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(Math.round(t));
  return ticks;
}

export function renderCapacityHtml(result: CapacityResult): string {
  const found = result.capacityRate !== null;
  const status = found ? 'PASS' : 'FAIL';
  const title = `salvo capacity ${result.id}: ${found ? `${result.capacityRate} msg/s` : 'no rate met the objectives'}`;
  const host = result.preflight
    ? preflightLines(result.preflight, result.settings.startRate)
    : [`no pre-flight: ${result.preflightSkipped ?? 'skipped'}`];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>salvo capacity <code>${esc(result.id)}</code> <span class="status ${status.toLowerCase()}">${status}</span></h1>
<p>${esc(result.target)} · objectives ${esc(result.slos.join(', '))} · ${result.steps.length} steps in ${Math.round(result.elapsedMs / 1000)} s</p>
</header>
<main>
<h2>Verdict</h2>
<p id="verdict">${esc(result.verdict)}</p>
<p class="note" id="sureness">${esc(result.sureness)}</p>
<h2>Latency against rate</h2>
<p class="note">One point per step (filled: the search's, hollow: a repeat; green passed, red failed), the curve
through the search's steps, squares: sendDelay p99 (salvo's own lag).</p>
<div class="plot">${curveSvg(curveOf(result))}</div>
<h2>This host</h2>
${host.map((line) => `<p class="note">${esc(line)}</p>`).join('\n')}
<h2>Steps</h2>
<pre style="overflow-x: auto">${esc(formatTable(result.steps))}</pre>
</main>
</body>
</html>
`;
}

/** Writes capacity.html into `dir` atomically; a folder that cannot be written is a one-line usage error. */
export function writeCapacityHtml(result: CapacityResult, dir: string): string {
  const file = join(dir, CAPACITY_HTML);
  try {
    writeFileSync(`${file}.tmp`, renderCapacityHtml(result));
    renameSync(`${file}.tmp`, file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
    throw new SalvoError('usage', `--output: cannot write ${file} (${reason})`);
  }
  return file;
}

function f(n: number): string {
  return n.toFixed(1);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
