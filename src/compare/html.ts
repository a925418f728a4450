/**
 * `salvo compare --html FILE`: the comparison as one self-contained page,
 * pure (a string from a Comparison). Baseline and current side by side per
 * metric, each row's judgement with why (past the threshold and significant,
 * within it, no change beyond the noise, NOT GATED and what would let it be
 * judged), and a heading that says NOT GATED whenever a metric with a
 * threshold could not be judged, as the markdown heading does. No script:
 * a Content-Security-Policy allows inline style only.
 */
import { badge, esc, section, table } from '../report/html-parts.js';
import { PAGE_STYLE } from '../report/style.js';
import type { Comparison } from './compare.js';
import {
  cells,
  HEADERS,
  headline,
  notGatedReason,
  outcome,
  preamble,
  pValue,
  signed,
  thresholdText,
} from './format.js';
import type { Judgement, Row } from './judge.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'";
/** Sources listed a side before the rest is counted. */
const MAX_SOURCES = 20;

const JUDGEMENT_CLASS: Record<Judgement, string> = {
  regression: 'bad',
  worse: 'warn',
  'within threshold': 'muted',
  'no change beyond noise': 'muted',
  untested: 'warn',
  improvement: 'good',
  better: 'good',
};

const COMPARE_STYLE = `
main { max-width: none; }
#metrics td { white-space: nowrap; }
#metrics td code { word-break: normal; }
#metrics td:last-child { white-space: normal; }
.bars { width: 160px; }
.bar { height: 7px; margin: 2px 0; border-radius: 2px; min-width: 1px; }
.bar.baseline { background: #8c959f; }
.bar.current { background: #1f77b4; }
.bar.current.bad { background: var(--fail); }
.judgement.bad { color: var(--fail); font-weight: 600; }
.judgement.warn, .judgement .not-gated { color: var(--incomplete); font-weight: 600; }
.judgement.good { color: var(--pass); font-weight: 600; }
.judgement.muted { color: var(--muted); }
span.why { display: inline-block; max-width: 420px; color: var(--muted); }
`;

export function renderCompareHtml(comparison: Comparison): string {
  const title = `salvo compare: ${headline(comparison)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_STYLE}${COMPARE_STYLE}</style>
</head>
<body>
<header>
<h1 id="compare-heading">salvo compare ${statusBadges(comparison)}</h1>
<p id="headline">${esc(headline(comparison))}</p>
${preamble(comparison)
  .map((line) => `<p>${esc(line)}</p>`)
  .join('\n')}
</header>
<main>
${section('Baseline and current, metric by metric', metricsTable(comparison), 'metrics')}
${section(
  'Outcome',
  outcome(comparison)
    .map((line) => `<p>${esc(line)}</p>`)
    .join('\n'),
  'outcome',
)}
${section('Runs compared', sourcesTable(comparison), 'sources')}
</main>
</body>
</html>
`;
}

/** REGRESSION, NOT GATED (both when both), or PASS: a gate that could not fire never reads as a pass. */
function statusBadges(comparison: Comparison): string {
  const parts: string[] = [];
  if (comparison.regressions.length > 0) parts.push(badge(false, 'REGRESSION'));
  if (comparison.notGated.length > 0) parts.push('<span class="status incomplete">NOT GATED</span>');
  return parts.length > 0 ? parts.join(' ') : badge(true, 'PASS');
}

function metricsTable(comparison: Comparison): string {
  const head = [...HEADERS.slice(0, 3), 'side by side', ...HEADERS.slice(3), 'why'];
  const rows = comparison.rows.map((row) => {
    const text = cells(row, comparison).map(esc);
    const judgement = judgementCell(row, comparison);
    return [
      `<code>${text[0]}</code>`,
      text[1],
      text[2],
      bars(row),
      ...text.slice(3, -1),
      judgement,
      `<span class="why">${esc(why(row, comparison))}</span>`,
    ];
  });
  const numeric = head.map((_, i) => i === 1 || i === 2 || (i >= 4 && i <= 8));
  return (
    table(head, rows, numeric) +
    '<p class="note">Bars: the baseline (grey) and the current (blue, red when it regressed) figure, each against the ' +
    'larger of the two.</p>'
  );
}

function judgementCell(row: Row, comparison: Comparison): string {
  const notGated = comparison.notGated.some((entry) => entry.metric === row.name);
  return (
    `<span class="judgement ${JUDGEMENT_CLASS[row.judgement]}" data-metric="${esc(row.name)}">${esc(row.judgement)}` +
    `${notGated ? ', <span class="not-gated">NOT GATED</span>' : ''}</span>`
  );
}

/** The two figures as bars against the larger one: the size of the change at a glance. */
function bars(row: Row): string {
  const top = Math.max(row.baseline, row.current);
  const width = (value: number): string => `${top > 0 ? ((value / top) * 100).toFixed(1) : '0'}%`;
  return (
    '<div class="bars">' +
    `<div class="bar baseline" style="width:${width(row.baseline)}" title="baseline"></div>` +
    `<div class="bar current${row.judgement === 'regression' ? ' bad' : ''}" style="width:${width(row.current)}" ` +
    'title="current"></div></div>'
  );
}

/** Why the row is judged as it is, in one sentence; for a metric NOT GATED, why it could not be and what would do. */
export function why(row: Row, comparison: Comparison): string {
  const entry = comparison.notGated.find((e) => e.metric === row.name);
  if (entry !== undefined) return `NOT GATED: ${notGatedReason(entry, comparison)}`;
  const change = Number.isFinite(row.changePercent) ? signed(row.changePercent) : 'the change';
  const threshold = row.thresholdPercent === null ? '' : thresholdText(row.thresholdPercent);
  const significant = `significant (p ${pValue(row.p)} < ${comparison.alpha})`;
  switch (row.judgement) {
    case 'regression':
      return `${change} is past the ${threshold} threshold in the bad direction, and ${significant}`;
    case 'improvement':
      return `${change} is past the threshold's size (${threshold}) in the good direction, and ${significant}`;
    case 'within threshold':
      return `${significant}, but ${change} is no further than the ${threshold} threshold`;
    case 'worse':
      return `${significant}, in the bad direction; no threshold on this metric, so it does not gate`;
    case 'better':
      return `${significant}, in the good direction; no threshold on this metric`;
    case 'no change beyond noise':
      return `p ${pValue(row.p)} is not below ${comparison.alpha}: the noise could explain ${change}`;
    case 'untested':
      return 'no samples to judge the noise by';
  }
}

function sourcesTable(comparison: Comparison): string {
  const list = (sources: readonly string[]): string => {
    const shown = sources.slice(0, MAX_SOURCES).map((s) => `<code>${esc(s)}</code>`);
    const rest = sources.length - shown.length;
    return shown.join('<br>') + (rest > 0 ? `<br>... and ${rest} more` : '');
  };
  return table(
    [`baseline (${comparison.baseline.runs})`, `current (${comparison.current.runs})`],
    [[list(comparison.baseline.sources), list(comparison.current.sources)]],
  );
}
