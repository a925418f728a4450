/**
 * A Comparison as text, pure: a terminal table, a markdown table for a CI
 * job summary ($GITHUB_STEP_SUMMARY), or one JSON document.
 */
import type { Comparison, NotGated } from './compare.js';
import type { Row } from './judge.js';

export const COMPARE_SCHEMA = 'salvo.compare/1';

export const HEADERS = [
  'metric',
  'baseline',
  'current',
  'change',
  'threshold',
  'spread',
  'samples',
  'p',
  'judgement',
] as const;

export function formatTerminal(comparison: Comparison): string {
  const table = [HEADERS.slice(), ...comparison.rows.map((row) => cells(row, comparison))];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  // Text columns left-aligned, figures right-aligned.
  const align = (text: string, column: number): string =>
    column === 0 || column === HEADERS.length - 1 ? text.padEnd(widths[column]) : text.padStart(widths[column]);
  const lines = [
    ...preamble(comparison),
    '',
    ...table.map((row) => row.map(align).join('  ').trimEnd()),
    '',
    ...outcome(comparison),
  ];
  return lines.join('\n') + '\n';
}

export function formatMarkdown(comparison: Comparison): string {
  const escape = (text: string): string => text.replaceAll('|', '\\|');
  // A job summary is read from its heading: a comparison that judged less than asked must not look like a pass there.
  const loud = (text: string): string => text.replace(/^NOT GATED:/, '**NOT GATED**:');
  const lines = [
    `### salvo compare: ${loud(escape(headline(comparison)))}`,
    '',
    ...preamble(comparison).map((line) => `${escape(line)}  `),
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, i) => (i === 0 || i === HEADERS.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...comparison.rows.map((row) => {
      const text = cells(row, comparison).map(escape);
      if (row.judgement === 'regression') text[text.length - 1] = `**${text[text.length - 1]}**`;
      return `| ${text.join(' | ')} |`;
    }),
    '',
    outcome(comparison)
      .map((line) => loud(escape(line)))
      .join('  \n'),
  ];
  return lines.join('\n') + '\n';
}

export function formatJson(comparison: Comparison): string {
  const document = {
    schema: COMPARE_SCHEMA,
    regression: comparison.regressions.length > 0,
    ...comparison,
    regressions: comparison.regressions.map((row) => row.name),
    notGated: comparison.notGated.map((entry) => ({ ...entry, reason: notGatedReason(entry, comparison) })),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

export function preamble(comparison: Comparison): string[] {
  const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;
  const basis =
    comparison.basis === 'per-run'
      ? 'noise judged by per-run figures'
      : 'noise judged by per-second samples, warm-up excluded (a side of one run: run-to-run noise is not seen)';
  return [
    `salvo compare: baseline ${runs(comparison.baseline.runs)} (${sourcesOf(comparison.baseline.sources)}), current ` +
      `${runs(comparison.current.runs)} (${sourcesOf(comparison.current.sources)})`,
    `workload: ${comparison.workload}; throughput is ${comparison.throughputIs}`,
    `${basis}; Mann-Whitney U, two-sided, significant at p < ${comparison.alpha}`,
  ];
}

function sourcesOf(sources: readonly string[]): string {
  return sources.length <= 2 ? sources.join(', ') : `${sources[0]} ... ${sources[sources.length - 1]}`;
}

/**
 * The comparison's verdict in one line, as the markdown heading shows it: the regression, or, when a threshold could
 * not be judged, NOT GATED first (a gate that could not fire must not read as a pass), or the pass.
 */
export function headline(comparison: Comparison): string {
  if (comparison.regressions.length === 0) return verdictLine(comparison);
  const names = comparison.notGated.map((entry) => entry.metric);
  return names.length === 0 ? 'regression' : `regression (and NOT GATED: ${names.join(', ')})`;
}

/** Any NOT GATED line, then the verdict line (always last). */
export function outcome(comparison: Comparison): string[] {
  if (comparison.regressions.length === 0) return [verdictLine(comparison)];
  const each = comparison.regressions.map(
    (row) =>
      `${row.name} ${signed(row.changePercent)} (threshold ${thresholdText(row.thresholdPercent ?? 0)}, p ` +
      `${pValue(row.p)})`,
  );
  const notGated = comparison.notGated.length > 0 ? [notGatedText(comparison)] : [];
  return [...notGated, `regression: ${each.join('; ')}`];
}

/** Without a regression: the pass, or NOT GATED and what the metrics that were judged showed. */
function verdictLine(comparison: Comparison): string {
  if (comparison.notGated.length === 0) return 'no regression past a threshold';
  const judged =
    comparison.judged.length === 0
      ? 'nothing was judged: this is not a pass'
      : `no regression past a threshold among the metrics judged: ${comparison.judged.join(', ')}`;
  return `${notGatedText(comparison)}; ${judged}`;
}

/**
 * `NOT GATED: throughput, service.p99 (too few samples ...)`: the metrics whose threshold could not fire, those with
 * the same reason together.
 */
export function notGatedText(comparison: Comparison): string {
  const groups = new Map<string, string[]>();
  for (const entry of comparison.notGated) {
    const reason = notGatedReason(entry, comparison);
    groups.set(reason, [...(groups.get(reason) ?? []), entry.metric]);
  }
  const each = [...groups].map(([reason, names]) => `${names.join(', ')} (${reason})`);
  return `NOT GATED: ${each.join('; ')}`;
}

/** Why one metric could not be judged, and what would let it be: one clause, no line break. */
export function notGatedReason(entry: NotGated, comparison: Comparison): string {
  const { baseline, current } = comparison;
  const runs =
    baseline.runs === current.runs
      ? `${plural(baseline.runs, 'run')} a side`
      : `${plural(baseline.runs, 'baseline run')}, ${plural(current.runs, 'current run')}`;
  const perSecond = comparison.basis === 'per-second';
  switch (entry.cause) {
    case 'too few samples': {
      const need = entry.need;
      return perSecond
        ? `too few samples for p < ${comparison.alpha}: ${entry.samples.baseline}/${entry.samples.current} ` +
            `per-second values, ${runs}; need ${need} a side, from longer runs or sets of ${need} runs a side`
        : `too few samples for p < ${comparison.alpha}: ${runs}; need ${need} runs a side`;
    }
    case 'no samples': {
      const row = comparison.rows.find((r) => r.name === entry.metric);
      const hint =
        row?.metric.family === 'latency'
          ? 'without the interval logs beside result.json, the time series has p50 and p99 only; compare run ' +
            'folders or sets of runs'
          : 'no whole measured second in a run; use longer runs or sets of runs';
      return `no samples to judge the noise by: ${hint}`;
    }
    case 'zero baseline':
      return 'the baseline figure is 0: a change from 0 has no size';
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function cells(row: Row, comparison: Comparison): string[] {
  // The row itself says so too: its change may be far past the threshold, and nothing judged it.
  const notGated = comparison.notGated.some((entry) => entry.metric === row.name);
  const unit = row.metric.family === 'rate' ? rate : latency;
  return [
    row.name,
    unit(row.baseline),
    unit(row.current),
    Number.isFinite(row.changePercent) ? signed(row.changePercent) : 'n/a',
    row.thresholdPercent === null ? '-' : thresholdText(row.thresholdPercent),
    row.noisePercent === null ? '-' : `${row.noisePercent.toFixed(0)}%`,
    `${row.samples.baseline}/${row.samples.current}`,
    pValue(row.p),
    notGated ? `${row.judgement}, NOT GATED` : row.judgement,
  ];
}

function rate(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')} msg/s`;
}

function latency(us: number): string {
  if (us < 1_000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1_000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

export function signed(percent: number): string {
  return `${percent < 0 ? '-' : '+'}${Math.abs(percent).toFixed(1)}%`;
}

/** As the user wrote it: -5%, +10%, +2.5%. */
export function thresholdText(percent: number): string {
  return `${percent < 0 ? '-' : '+'}${Math.abs(percent)}%`;
}

export function pValue(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
