/**
 * A scenario's run judged against its promise's claim, and a promise's
 * scenarios combined: pure, from the RunResult alone. A run that measured
 * nothing of its claim (nothing received, no fault injected when the
 * scenario is about one, no verdict) is "not run", never "kept".
 */
import type { Category, MessageRef, Verdict } from '../ledger/index.js';
import type { RunResult } from '../results/result.js';
import { BREAKS, type Claim, type InjectedKind } from './promises.js';

/** A scenario's own outcome: it cannot be "not offered" or "skipped", those are decided before any run. */
export type ScenarioStatus = 'kept' | 'broken' | 'not kept' | 'not run';
export type PromiseStatus = ScenarioStatus | 'not offered' | 'skipped';

export interface ScenarioJudgement {
  status: ScenarioStatus;
  /** One line: the counts, or the first examples of what broke, or why nothing was measured. */
  evidence: string;
  /** The figures the evidence was read from, for --json (categories the run checked, faults felt). */
  counts: Record<string, number>;
}

/** How many examples of a broken category the evidence names. */
const EXAMPLES_SHOWN = 3;

export function judgeScenario(
  claim: Claim,
  needs: InjectedKind | undefined,
  result: RunResult | undefined,
  failure: string | undefined,
): ScenarioJudgement {
  if (claim === 'answered') return judgeAnswered(needs, result, failure);
  if (claim === 'priority') return notRun('priority is checked on links, not by a run', {});
  const verdict = result?.verdict;
  if (!result || !verdict || verdict.partial || verdict.ok === null)
    return notRun(failure ?? result?.problems[0] ?? 'the run gave no delivery verdict', {});
  const counts = countsOf(result, verdict);
  if (!verdict.attempted) return notRun('nothing was sent', counts);
  const breaking = breakingOf(claim, verdict);
  if (breaking.length > 0) {
    const status = claim === 'order' ? 'not kept' : 'broken';
    return { status, evidence: `${breaking.join(', ')}; ${int(verdict.attempted)} sent`, counts };
  }
  // Nothing broke, but was there anything to break? Each of these measured nothing of its claim.
  if (!verdict.received) return notRun(`nothing was received of ${int(verdict.attempted)} sent`, counts);
  if (claim === 'selector' && !verdict.selection?.selected)
    return notRun('no message matched the selector: nothing to check', counts);
  if (claim === 'expiry' && !verdict.expired)
    return notRun(`no message expired of ${int(verdict.attempted)} sent: nothing to check`, counts);
  const felt = needs === undefined ? undefined : faultsFelt(result, needs);
  if (felt !== undefined && felt.missing !== undefined) return notRun(felt.missing, counts);
  if (failure !== undefined) return notRun(failure, counts);
  const what = keptLine(claim, verdict, result);
  return { status: 'kept', evidence: felt ? `${felt.line}; ${what}` : what, counts };
}

/**
 * --pattern rpc has no ledger: the requesters' counts are the evidence. Each request ends answered or counted
 * unanswered; one that is neither (a reply gone missing uncounted) breaks the identity, and so the promise.
 */
function judgeAnswered(
  needs: InjectedKind | undefined,
  result: RunResult | undefined,
  failure: string | undefined,
): ScenarioJudgement {
  if (!result) return notRun(failure ?? 'the run gave no result', {});
  const t = result.totals;
  const counts: Record<string, number> = {
    // attempted / received, as for the other promises: requests sent, requests answered.
    attempted: t.requests,
    received: t.replies,
    unanswered: t.unanswered,
    unmatched: t.unmatched,
    late: t.late,
    duplicates: t.duplicates,
    inDoubt: t.inDoubt,
    resent: t.resent,
  };
  for (const record of result.faults ?? []) counts[record.kind] = (counts[record.kind] ?? 0) + 1;
  for (const [key, value] of Object.entries(result.brokerChaos ?? {})) counts[`broker.${key}`] = value;
  if (t.requests === 0) return notRun(failure ?? result.problems[0] ?? 'no request was sent', counts);
  const of = `${int(t.requests)} requests`;
  if (t.replies + t.unanswered !== t.requests)
    return {
      status: 'broken',
      evidence: `${int(t.replies)} answered + ${int(t.unanswered)} unanswered of ${of}: replies went missing uncounted`,
      counts,
    };
  if (t.unanswered > 0 || t.unmatched > 0)
    return {
      status: 'broken',
      evidence: `${int(t.unanswered)} unanswered, ${int(t.unmatched)} unmatched, ${int(t.late)} late; ${of}`,
      counts,
    };
  const felt = needs === undefined ? undefined : faultsFelt(result, needs);
  if (felt?.missing !== undefined) return notRun(felt.missing, counts);
  if (failure !== undefined) return notRun(failure, counts);
  const resent = t.resent > 0 ? `, ${int(t.inDoubt)} in doubt, ${int(t.resent)} resent` : '';
  const what = `${int(t.replies)} of ${of} answered, 0 unanswered${resent}`;
  return { status: 'kept', evidence: felt ? `${felt.line}; ${what}` : what, counts };
}

/** A promise's result from its scenarios': any broken breaks it, any not run leaves it unchecked. */
export function combineScenarios(
  judged: readonly (ScenarioJudgement & { label: string })[],
): Pick<ScenarioJudgement, 'status' | 'evidence'> {
  const order: ScenarioStatus[] = ['broken', 'not kept', 'not run', 'kept'];
  const status = order.find((s) => judged.some((j) => j.status === s)) ?? 'not run';
  const shown = judged.length === 1 ? judged : [...judged].sort((a, b) => rank(a.status) - rank(b.status));
  const evidence = judged.length === 1 ? judged[0].evidence : shown.map((j) => `${j.label}: ${j.evidence}`).join(' | ');
  return { status, evidence };

  function rank(s: ScenarioStatus): number {
    return order.indexOf(s);
  }
}

function notRun(why: string, counts: Record<string, number>): ScenarioJudgement {
  return { status: 'not run', evidence: why, counts };
}

/** The claim's categories above 0, each with its first examples: `lost 12 (e.g. p1#45, p1#97)`. */
function breakingOf(claim: Claim, verdict: Verdict): string[] {
  const found = BREAKS[claim]
    .filter((c) => (verdict[c] ?? 0) > 0)
    .map((c) => `${wordFor(claim, c)} ${int(verdict[c] ?? 0)}${examplesOf(verdict.examples[c])}`);
  const mismatches = verdict.selection?.selectorMismatches ?? 0;
  if (claim === 'selector' && mismatches > 0) {
    const received = mismatches + (verdict.selection?.selected ?? 0);
    found.unshift(`${int(mismatches)} of ${int(received)} received did not match the selector`);
  }
  return found;
}

function examplesOf(refs: readonly MessageRef[] | undefined): string {
  if (!refs || refs.length === 0) return '';
  return ` (e.g. ${refs
    .slice(0, EXAMPLES_SHOWN)
    .map((r) => `${shortProducer(r.producer)}#${r.seq}`)
    .join(', ')})`;
}

/** A producer id without the run id it starts with (`<run>/s0.c0.l0`): the row already says which run. */
function shortProducer(producer: string): string {
  return producer.slice(producer.lastIndexOf('/') + 1);
}

const CATEGORY_WORDS: Partial<Record<Category, string>> = {
  partialBatch: 'partial batches',
  expired: 'expired',
  receivedExpired: 'received past their ttl',
};

/**
 * A selector consumer's missing matches may still be queued (ActiveMQ Classic stalls a selector consumer whose
 * page holds no match): salvo knows they were not delivered within the drain time-out, not that they are gone.
 */
function wordFor(claim: Claim, category: Category): string | undefined {
  if (claim === 'selector' && category === 'lost')
    return 'matching not delivered within the drain time-out (queued or lost)';
  return CATEGORY_WORDS[category];
}
for (const c of ['lost', 'unexpected', 'duplicated', 'corrupted', 'reordered', 'ghost'] as const) CATEGORY_WORDS[c] = c;

/**
 * The injected faults of the scenario's kind, and whether they were felt: a
 * reset that broke no connection tested nothing. Blackholes keep sockets
 * open, so only their injection is asked for.
 */
function faultsFelt(result: RunResult, kind: InjectedKind): { line: string; missing?: string } {
  const records = result.faults ?? [];
  const injected = records.filter((r) => r.kind === kind && !r.effect.startsWith('failed')).length;
  const disconnects = records.filter((r) => r.kind === 'disconnect').length;
  const noun = kind === 'broker-restart' ? 'restart' : kind;
  const line = `${plural(injected, noun)}, ${plural(disconnects, 'disconnect')}`;
  if (injected === 0) return { line, missing: `no ${noun} was injected during the run` };
  if (kind === 'reset' && disconnects === 0) return { line, missing: `${line}: the resets broke no connection` };
  return { line };
}

/** What a kept claim measured, in one line. */
function keptLine(claim: Exclude<Claim, 'answered' | 'priority'>, v: Verdict, result: RunResult): string {
  const of = `of ${int(v.attempted ?? 0)} sent`;
  const resent = v.inDoubt ? `, ${int(v.inDoubt)} in doubt, ${int(v.resent ?? 0)} resent` : '';
  switch (claim) {
    case 'delivery':
      return `lost 0 ${of}, ${int(v.received ?? 0)} received${resent}`;
    case 'no-duplicates':
      return `duplicated 0 ${of}${v.lost ? ` (lost ${int(v.lost)}, allowed)` : ''}`;
    case 'order':
      return `reordered 0 ${of}`;
    case 'atomic': {
      const t = result.totals;
      const rolledBack = t.batchesRolledBack + t.recvBatchesRolledBack;
      return `ghost 0, partial batches 0, lost 0 ${of} (${plural(rolledBack, 'batch', 'batches')} rolled back)${resent}`;
    }
    case 'selector': {
      const s = v.selection;
      return `${int(s?.selected ?? 0)} matching received, 0 not matching, lost 0 ${of}`;
    }
    case 'expiry':
      return `expired ${int(v.expired ?? 0)}, lost 0, 0 received past their ttl ${of}, ${int(v.received ?? 0)} received`;
  }
}

function countsOf(result: RunResult, v: Verdict): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of ['attempted', 'received', ...Object.keys(CATEGORY_WORDS), 'inDoubt', 'resent'] as const) {
    const value = v[key as keyof Verdict];
    if (typeof value === 'number') counts[key] = value;
  }
  if (v.selection) Object.assign(counts, v.selection);
  for (const record of result.faults ?? []) counts[record.kind] = (counts[record.kind] ?? 0) + 1;
  // --broker-chaos: what the embedded broker did on purpose, beside what the checker found.
  for (const [key, value] of Object.entries(result.brokerChaos ?? {})) counts[`broker.${key}`] = value;
  return counts;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${int(n)} ${n === 1 ? one : many}`;
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}
