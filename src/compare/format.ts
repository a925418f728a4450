/**
 * A Comparison as text, pure: a terminal table, a markdown table for a CI
 * job summary ($GITHUB_STEP_SUMMARY), or one JSON document.
 */
import type { Comparison } from './compare.js';
import type { Row } from './judge.js';

export const COMPARE_SCHEMA = 'salvo.compare/1';

const HEADERS = [
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
  const table = [HEADERS.slice(), ...comparison.rows.map(cells)];
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
  const title = comparison.regressions.length > 0 ? 'regression' : 'no regression past a threshold';
  const escape = (text: string): string => text.replaceAll('|', '\\|');
  const lines = [
    `### salvo compare: ${title}`,
    '',
    ...preamble(comparison).map((line) => `${escape(line)}  `),
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, i) => (i === 0 || i === HEADERS.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...comparison.rows.map((row) => {
      const text = cells(row).map(escape);
      if (row.judgement === 'regression') text[text.length - 1] = `**${text[text.length - 1]}**`;
      return `| ${text.join(' | ')} |`;
    }),
    '',
    outcome(comparison).map(escape).join('  \n'),
  ];
  return lines.join('\n') + '\n';
}

export function formatJson(comparison: Comparison): string {
  const document = {
    schema: COMPARE_SCHEMA,
    regression: comparison.regressions.length > 0,
    ...comparison,
    regressions: comparison.regressions.map((row) => row.name),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

function preamble(comparison: Comparison): string[] {
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

/** Notes on gated metrics that cannot gate, then the verdict line (always last). */
function outcome(comparison: Comparison): string[] {
  const lines = ungated(comparison);
  if (comparison.regressions.length === 0) lines.push('no regression past a threshold');
  else {
    const each = comparison.regressions.map(
      (row) =>
        `${row.name} ${signed(row.changePercent)} (threshold ${thresholdText(row.thresholdPercent ?? 0)}, p ` +
        `${pValue(row.p)})`,
    );
    lines.push(`regression: ${each.join('; ')}`);
  }
  return lines;
}

/** A threshold that can never fire deserves a line: a gate that cannot fail is worse than none. */
function ungated(comparison: Comparison): string[] {
  const gated = comparison.rows.filter((row) => row.thresholdPercent !== null);
  const notes: string[] = [];
  const untested = gated.filter((row) => row.judgement === 'untested').map((row) => row.name);
  if (untested.length > 0)
    notes.push(
      `not gated, no samples to judge the noise by: ${untested.join(', ')} (without the interval logs beside ` +
        `result.json, the time series has p50 and p99 only; compare sets of runs)`,
    );
  const few = gated.filter((row) => row.judgement !== 'untested' && !row.canBeSignificant);
  if (few.length > 0) {
    const counts = few.map((row) => `${row.name} ${row.samples.baseline}/${row.samples.current}`).join(', ');
    notes.push(
      `not gated, too few samples for p < ${comparison.alpha}: ${counts} (use at least 4 runs a side, or longer runs)`,
    );
  }
  return notes;
}

function cells(row: Row): string[] {
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
    row.judgement,
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

function signed(percent: number): string {
  return `${percent < 0 ? '-' : '+'}${Math.abs(percent).toFixed(1)}%`;
}

/** As the user wrote it: -5%, +10%, +2.5%. */
export function thresholdText(percent: number): string {
  return `${percent < 0 ? '-' : '+'}${Math.abs(percent)}%`;
}

function pValue(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
