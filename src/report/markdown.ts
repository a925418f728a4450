/**
 * `salvo report --format markdown`: a run as GitHub-flavoured Markdown, for
 * a CI job summary ($GITHUB_STEP_SUMMARY and the like): the status, totals,
 * the latency table, the verdict, the checks and the thresholds. Pure: a string from a result.
 */
import { FAILS, TTL_ONLY, type Category, type Verdict } from '../ledger/index.js';
import type { RunResult } from '../results/result.js';
import { formatTags } from '../plan/index.js';
import { latencyLabel, VERDICT_LABELS, paceNotes } from '../results/summary.js';
import { measuredPhrase } from '../results/thresholds.js';
import { faultsOf, isConnectionEvent, kindsOf, otherCounts, statusOf } from './model.js';

const PERCENTILES = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['p9999', 'p99.99'],
  ['p99999', 'p99.999'],
  ['max', 'max'],
] as const;

export function formatMarkdown(result: RunResult): string {
  const sections = [
    header(result),
    totalsTable(result),
    latencyTable(result),
    result.verdict ? verdictTable(result.verdict, result.backlog?.undrained !== undefined) : [],
    checksTable(result),
    thresholdsTable(result),
    problems(result),
  ];
  return (
    sections
      .filter((lines) => lines.length > 0)
      .map((lines) => lines.join('\n'))
      .join('\n\n') + '\n'
  );
}

function header(result: RunResult): string[] {
  const { plan, environment } = result;
  const shape =
    `${plan.senders} sender${plan.senders === 1 ? '' : 's'} × ${plan.receivers} ` +
    `receiver${plan.receivers === 1 ? '' : 's'}`;
  const pace = plan.rateHz === null ? 'closed loop' : `open loop at ${int(plan.rateHz)} msg/s`;
  return [
    `## salvo run \`${result.runId}\`: ${statusOf(result)}`,
    '',
    `${code(environment.target)} · ${plan.settle} · ${shape} · ${pace} · ${plan.bodySize} B bodies · started ` +
      `${result.startedAt}`,
    ...(plan.tags ? ['', `tags: ${code(formatTags(plan.tags))}`] : []),
  ];
}

function totalsTable(result: RunResult): string[] {
  const t = result.totals;
  const rows: [string, string, string][] = [];
  if (result.plan.senders > 0) rows.push(['sent', int(t.sent), int(t.sendRate)]);
  if (result.plan.settle === 'at-least-once' && result.plan.senders > 0)
    rows.push(['accepted', int(t.accepted), int(t.acceptRate)]);
  if (result.plan.receivers > 0) rows.push(['received', int(t.received), int(t.receiveRate)]);
  if (t.fanOut) {
    rows.push(['published (topic)', '', int(t.fanOut.publishRate)]);
    rows.push([`delivered over ${t.fanOut.subscriptions} subscriptions`, '', int(t.fanOut.deliverRate)]);
  }
  for (const [name, count] of otherCounts(t)) rows.push([name, int(count), '']);
  const faults = faultsOf(result).filter((f) => !isConnectionEvent(f)).length;
  if (faults > 0) rows.push(['faults injected', int(faults), '']);
  const warmup = result.plan.warmupMs > 0 ? ` after ${result.plan.warmupMs / 1000} s warm-up` : '';
  const lines = [
    `**Totals** (${t.durationS.toFixed(1)} s measured${warmup})`,
    '',
    '| | messages | msg/s |',
    '|---|---:|---:|',
  ];
  for (const [name, count, rate] of rows) lines.push(`| ${name} | ${count} | ${rate} |`);
  for (const note of paceNotes(result)) lines.push('', `> ${cell(note)}`);
  return lines;
}

function latencyTable(result: RunResult): string[] {
  const kinds = kindsOf(result);
  if (kinds.length === 0) return [];
  const lines = [
    '**Latency** (µs)',
    '',
    `| kind | count | ${PERCENTILES.map(([, label]) => label).join(' | ')} |`,
    `|---|---:|${PERCENTILES.map(() => '---:').join('|')}|`,
  ];
  for (const kind of kinds) {
    const s = result.latency[kind]!;
    lines.push(
      `| ${cell(latencyLabel(result, kind))} | ${int(s.count)} | ${PERCENTILES.map(([key]) => int(s[key])).join(' | ')} |`,
    );
  }
  // Not a message latency: the proxy's own error, per delayed write (faults/release-lateness.ts).
  const late = result.proxyLateness;
  if (late)
    lines.push(
      `| fault proxy: write - due of each delayed chunk | ${int(late.count)} | ` +
        `${PERCENTILES.map(([key]) => int(late[key])).join(' | ')} |`,
    );
  return lines;
}

/** `undrained`: the verdict is partial because slow consumers left a backlog, not because the run was stopped. */
function verdictTable(verdict: Verdict, undrained: boolean): string[] {
  const judged = verdict.ok === null ? 'NOT CHECKED' : verdict.ok ? 'PASS' : `FAIL (${verdict.failed.join(', ')})`;
  // An interrupted run's verdict (never a pass): loss is not claimed, what had not arrived is unconfirmed.
  const head = verdict.partial
    ? `partial verdict (${undrained ? 'slow consumers: backlog not drained' : 'interrupted'}): ` +
      `${verdict.ok === false ? judged : 'nothing wrong found so far'}; ` +
      `${int(verdict.unconfirmed ?? 0)} unconfirmed, loss not checked`
    : judged;
  const lines = [
    `**Verdict** (${verdict.mode}, every message ${verdict.partial ? 'so far' : 'of the run'}): ${head}`,
    '',
    '| category | count | role | example |',
    '|---|---:|---|---|',
  ];
  for (const category of Object.keys(VERDICT_LABELS) as Category[]) {
    // Runs without a ttl have no expired rows.
    if (TTL_ONLY.includes(category) && verdict[category] == null) continue;
    const count = verdict[category] ?? null;
    const role = FAILS[verdict.mode].includes(category) ? 'fails the run' : 'reported';
    const example = verdict.examples[category]?.[0];
    const shown = example && count ? `${code(example.producer)} #${example.seq}` : '';
    lines.push(`| ${VERDICT_LABELS[category]} | ${count === null ? 'not checked' : int(count)} | ${role} | ${shown} |`);
  }
  const subs = verdict.subscriptions;
  if (subs !== undefined && subs.length > 1) {
    const n = (v: number | null): string => (v === null ? 'not checked' : int(v));
    lines.push('', '| subscription | received | lost | duplicated | reordered |', '|---:|---:|---:|---:|---:|');
    for (const s of subs)
      lines.push(
        `| ${s.subscription + 1} | ${n(s.received)} | ${n(s.lost)} | ${n(s.duplicated)} | ${n(s.reordered)} |`,
      );
  }
  return lines;
}

function checksTable(result: RunResult): string[] {
  if (result.checks.length === 0) return [];
  const lines = ['**Checks**', '', '| | check | detail |', '|---|---|---|'];
  for (const check of result.checks)
    lines.push(`| ${check.ok ? 'PASS' : '**FAIL**'} | ${cell(check.name)} | ${cell(check.detail)} |`);
  return lines;
}

/** --threshold: each objective, PASS or FAIL, with what the run measured. */
function thresholdsTable(result: RunResult): string[] {
  const thresholds = result.thresholds ?? [];
  if (thresholds.length === 0) return [];
  const lines = ['**Thresholds**', '', '| | threshold | measured |', '|---|---|---|'];
  for (const t of thresholds)
    lines.push(
      `| ${t.pass ? 'PASS' : '**FAIL**'} | ${code(t.text)} | ${cell(measuredPhrase(t).replace(/^measured /, ''))} |`,
    );
  return lines;
}

function problems(result: RunResult): string[] {
  return result.problems.map((problem) => `- **problem:** ${cell(problem)}`);
}

/** Table cells hold one line and no bare pipe. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
