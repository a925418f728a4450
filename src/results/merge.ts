/**
 * `salvo merge`: the shards of one run (--shards N) into one RunResult with
 * one verdict. Counters add; histograms add exactly (HDR, bucket by bucket);
 * seconds align by seconds since each shard's start; the ledgers' receive
 * bitsets are ORed by the checker (a message two shards received is a
 * duplicate), and the verdict rules are applied once, to the whole run. A
 * shard missing, or one that did not finish its part, makes the result
 * incomplete: its messages are not checked, lost cannot be judged (its
 * receivers may hold what others sent), so the verdict is partial and never
 * a pass.
 *
 * Fed one shard at a time (add), so that a merge of many large shards holds
 * their ledgers and a few histograms, never every result at once.
 */
import { selectionMatcher } from '../content/property-values.js';
import { SalvoError } from '../errors.js';
import { checkDecoded, LedgerFold, type Verdict } from '../ledger/index.js';
import type { FaultRecord } from '../metrics/fault-record.js';
import {
  addCounters,
  addInto,
  COUNTER_NAMES,
  decodeHistogram,
  encodeHistogram,
  formatHlog,
  freeHistogram,
  LATENCY_KINDS,
  maxUs,
  noPerSecondLatency,
  summarize,
  WARMUP_TAG,
  zeroCounters,
  type Counters,
  type Histogram,
  type HlogInterval,
  type LatencyKind,
  type LatencySummary,
  type PerSecondLatency,
} from '../metrics/index.js';
import type { Plan } from '../plan/index.js';
import { roleLinkIds, shardRange } from '../plan/shards.js';
import {
  checksFor,
  RESULT_SCHEMA,
  selectionChecks,
  verdictChecks,
  whyNothingMeasured,
  type MergedShards,
  type RunResult,
  type SecondPoint,
  type ShardClock,
  type ShardRow,
  type SizeCount,
  type Totals,
} from './result.js';
import { judgeThresholds } from './thresholds.js';
import { queueDepths } from './backlog.js';

/** Why inputs cannot be merged: one line, exit 2 (a usage error: the wrong folders were given). */
export class MergeInputError extends SalvoError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'MergeInputError';
  }
}

export interface MergedRun {
  result: RunResult;
  /** kind -> .hlog text, from the merged seconds. */
  hlogs: Record<string, string>;
}

/** The first shard's identity, which every other one must share. */
interface Reference {
  runId: string;
  planHash: string;
  count: number;
  plan: Plan;
  source: string;
}

interface SecondState {
  warmup: boolean;
  counters: Counters;
  faults: number;
  histograms: Partial<Record<LatencyKind, Histogram>>;
}

const RATE_FIELDS = ['sendRate', 'acceptRate', 'receiveRate'] as const;

export class ShardMerger {
  private reference: Reference | undefined;
  private readonly sources = new Map<number, string>();
  private readonly rows: ShardRow[] = [];
  private readonly starts = new Map<number, number>();
  private readonly clocks = new Map<number, ShardClock>();
  private readonly problems: string[] = [];
  private readonly latency = new Map<LatencyKind, Histogram>();
  private readonly seconds = new Map<number, SecondState>();
  private readonly ledgers = new LedgerFold();
  private readonly faults: FaultRecord[] = [];
  private counters = zeroCounters();
  private foreign = 0;
  private rates = { sendRate: 0, acceptRate: 0, receiveRate: 0 };
  private durationS = 0;
  private unfinished: number[] = [];
  private unledgered = 0;
  /** --body-size distribution: every shard's messages sent per size, summed. */
  private sizes: SizeCount[] | undefined;
  private environment: RunResult['environment'] | undefined;

  /**
   * One shard's result; `source` names it in errors. Throws MergeInputError for a result that is no shard's, or of
   * another run, plan or number of shards, or a shard given twice.
   */
  add(result: RunResult, source: string): void {
    const shard = result.shard;
    if (shard === undefined)
      throw new MergeInputError(`${source}: not a shard's result (no "shard" in result.json: run with --shards N)`);
    const reference = (this.reference ??= {
      runId: result.runId,
      planHash: shard.planHash,
      count: shard.count,
      plan: result.plan,
      source,
    });
    const differs = (what: string, theirs: string | number, ours: string | number): MergeInputError =>
      new MergeInputError(
        `refused: ${what} differ: ${theirs} in ${source}, ${ours} in ${reference.source}: shards of one run only`,
      );
    if (result.runId !== reference.runId) throw differs('run ids', result.runId, reference.runId);
    if (shard.planHash !== reference.planHash) throw differs('plan hashes', shard.planHash, reference.planHash);
    if (shard.count !== reference.count) throw differs('shard counts', shard.count, reference.count);
    const twice = this.sources.get(shard.index);
    if (twice !== undefined)
      throw new MergeInputError(`refused: shard ${shard.index} given twice: ${twice} and ${source}`);
    this.sources.set(shard.index, source);
    this.environment ??= result.environment;
    this.addFigures(result);
    this.addLedgers(result);
  }

  /** The merged run; histograms are freed, the merger is spent. */
  finish(outputStartedAt?: Date): MergedRun {
    const reference = this.reference;
    if (reference === undefined) throw new MergeInputError('no shard result given');
    try {
      return this.assemble(reference, outputStartedAt);
    } finally {
      for (const h of this.latency.values()) freeHistogram(h);
      for (const second of this.seconds.values()) for (const h of Object.values(second.histograms)) freeHistogram(h);
      this.latency.clear();
      this.seconds.clear();
    }
  }

  private addFigures(result: RunResult): void {
    const shard = result.shard!;
    this.counters = addCounters(this.counters, pickCounters(result.totals));
    this.foreign += result.totals.foreign;
    for (const field of RATE_FIELDS) this.rates[field] += result.totals[field];
    this.durationS = Math.max(this.durationS, result.totals.durationS);
    const startMs = Date.parse(result.startedAt);
    this.starts.set(shard.index, startMs);
    if (shard.clock) this.clocks.set(shard.index, shard.clock);
    this.rows.push({
      index: shard.index,
      complete: result.complete,
      sendRate: result.totals.sendRate,
      acceptRate: result.totals.acceptRate,
      receiveRate: result.totals.receiveRate,
      startSkewMs: 0,
      reconnects: result.totals.reconnects,
      ...(shard.clock && {
        host: shard.clock.host,
        clockOffsetMs: ms3(shard.clock.offsetUs),
        clockBoundMs: ms3(shard.clock.boundUs),
      }),
    });
    if (!result.complete) this.unfinished.push(shard.index);
    for (const problem of result.problems) this.problems.push(`shard ${shard.index}: ${problem}`);
    if (result.sentBySize) this.addSizes(result.sentBySize);
    for (const kind of LATENCY_KINDS) {
      const summary = result.latency[kind];
      if (summary !== undefined) this.addHistogram(this.latency, kind, summary.hdr);
    }
    for (const point of result.timeseries) {
      const second = this.second(point.t);
      second.warmup ||= point.warmup;
      second.counters = addCounters(second.counters, pickCounters(point));
      second.faults += point.faults ?? 0;
    }
    for (const { t, histograms } of shard.seconds) {
      const second = this.second(t);
      for (const kind of LATENCY_KINDS) {
        const encoded = histograms[kind];
        if (encoded !== undefined) this.addHistogram(second.histograms, kind, encoded);
      }
    }
    for (const fault of result.faults ?? [])
      this.faults.push({ ...fault, target: `shard ${shard.index} ${fault.target}` });
  }

  private addLedgers(result: RunResult): void {
    const ledgers = result.shard!.ledgers;
    if (ledgers === null) {
      this.unledgered++;
      return;
    }
    this.ledgers.addSenders(ledgers.senders);
    this.ledgers.addReceivers(ledgers.receivers);
  }

  private addHistogram(
    into: Map<LatencyKind, Histogram> | Partial<Record<LatencyKind, Histogram>>,
    kind: LatencyKind,
    encoded: string,
  ): void {
    const decoded = decodeHistogram(encoded);
    const existing = into instanceof Map ? into.get(kind) : into[kind];
    if (existing === undefined) {
      if (into instanceof Map) into.set(kind, decoded);
      else into[kind] = decoded;
      return;
    }
    addInto(existing, decoded);
    freeHistogram(decoded);
  }

  /**
   * Each shard's start after the first's: on shard 0's clock when every shard met over the broker (each start
   * within its clock's bound, so a skew within the sum of two bounds), else by wall clocks.
   */
  private startSkews(firstStartMs: number): void {
    const clocks = this.rows.map((row) => this.clocks.get(row.index));
    if (clocks.every((c) => c !== undefined)) {
      const first = clocks.reduce((a, b) => (b.startOnShard0Us < a.startOnShard0Us ? b : a));
      for (const [i, row] of this.rows.entries()) {
        row.startSkewMs = ms3(clocks[i].startOnShard0Us - first.startOnShard0Us);
        row.startSkewBoundMs = ms3(clocks[i].boundUs + first.boundUs);
      }
      return;
    }
    for (const row of this.rows) row.startSkewMs = (this.starts.get(row.index) ?? firstStartMs) - firstStartMs;
  }

  /**
   * The bound of a cross-shard end-to-end sample: corrected by the receiver's offset minus the sender's, each within
   * its own bound, it is off by at most the two bounds summed; the largest over any two shards (the two largest
   * bounds). Undefined unless every shard met over the broker.
   */
  private crossShardBoundMs(): number | undefined {
    const clocks = this.rows.map((row) => this.clocks.get(row.index));
    if (clocks.length < 2 || !clocks.every((c) => c !== undefined)) return undefined;
    const bounds = clocks.map((c) => c.boundUs).sort((a, b) => b - a);
    return ms3(bounds[0] + bounds[1]);
  }

  private second(t: number): SecondState {
    let second = this.seconds.get(t);
    if (second === undefined)
      this.seconds.set(t, (second = { warmup: false, counters: zeroCounters(), faults: 0, histograms: {} }));
    return second;
  }

  private assemble(reference: Reference, outputStartedAt: Date | undefined): MergedRun {
    const { count } = reference;
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !this.sources.has(i));
    const firstStartMs = Math.min(...this.starts.values());
    this.startSkews(firstStartMs);
    this.rows.sort((a, b) => a.index - b.index);
    const plan: Plan = { ...reference.plan, shards: { ...reference.plan.shards!, count, index: null } };
    const complete = missing.length === 0 && this.unfinished.length === 0;
    const problems = [...incompleteLines(missing, this.unfinished, count), ...this.problems];
    const totals: Totals = {
      ...this.counters,
      foreign: this.foreign,
      durationS: this.durationS,
      sendRate: round1(this.rates.sendRate),
      acceptRate: round1(this.rates.acceptRate),
      receiveRate: round1(this.rates.receiveRate),
    };
    const latency: Partial<Record<LatencyKind, LatencySummary>> = {};
    for (const [kind, h] of this.latency) if (h.totalCount > 0) latency[kind] = summarize(h);
    const { verdict, notChecked } = this.verdict(plan, missing, complete);
    const shards: MergedShards = { count, planHash: reference.planHash, rows: this.rows, missing, notChecked };
    const boundMs = this.crossShardBoundMs();
    if (boundMs !== undefined && latency.endToEndCrossShard !== undefined) shards.crossShardBoundMs = boundMs;
    const result: RunResult = {
      schema: RESULT_SCHEMA,
      runId: reference.runId,
      startedAt: (outputStartedAt ?? new Date(firstStartMs)).toISOString(),
      complete,
      problems,
      plan,
      environment: this.environment!,
      totals,
      latency,
      // With the ledger's verdict, receipts are judged per message: the shards' warm-up-excluded counts do not line up.
      checks: complete ? checksFor(plan, totals, verdict === undefined) : [],
      timeseries: this.timeseries(),
      shards,
    };
    if (this.faults.length > 0) result.faults = this.faults.sort((a, b) => a.atMs - b.atMs);
    if (this.sizes) result.sentBySize = this.sizes;
    if (plan.thresholds) result.thresholds = judgeThresholds(plan.thresholds, result);
    const unmeasured = complete ? whyNothingMeasured(result) : undefined;
    if (unmeasured !== undefined) problems.push(unmeasured);
    if (verdict) {
      result.verdict = verdict;
      if (verdict.selection) Object.assign(result.totals, verdict.selection);
      if (complete && unmeasured === undefined)
        result.checks.push(...verdictChecks(verdict), ...selectionChecks(verdict));
    }
    return { result, hlogs: this.hlogs(firstStartMs) };
  }

  /**
   * The one verdict. Producers of shards that are missing or kept no ledger are not checked: their arrivals are
   * taken out (counted as not checked) rather than called unexpected, and with any shard unjudged the verdict is
   * partial: lost is not checked, since the absent receivers may hold what the others sent.
   */
  private verdict(
    plan: Plan,
    missing: readonly number[],
    complete: boolean,
  ): { verdict?: Verdict; notChecked: number } {
    const ledgered = this.sources.size - this.unledgered;
    if (ledgered === 0) return { notChecked: 0 };
    const known = this.ledgers.producers();
    const unledgered = this.unledgered > 0 ? roleLinkIds(plan, 'sender').filter((id) => !known.has(id)) : [];
    const notChecked = this.ledgers.withhold(new Set([...missingProducers(plan, missing), ...unledgered]));
    const partial = !complete || this.unledgered > 0;
    const transactional = plan.transactions !== undefined || plan.recvTransactions !== undefined;
    const { recvSelector, messageProperties } = plan;
    const selects = recvSelector === undefined ? undefined : selectionMatcher(messageProperties, recvSelector);
    const decoded = this.ledgers.decoded(plan.senders > 0, plan.receivers > 0);
    const verdict = checkDecoded(transactional ? 'transactional' : plan.settle, decoded, selects, partial);
    return { verdict, notChecked };
  }

  private addSizes(counts: readonly SizeCount[]): void {
    this.sizes ??= counts.map(({ bytes }) => ({ bytes, sent: 0 }));
    counts.forEach((count, i) => {
      const merged = this.sizes?.[i];
      if (merged) merged.sent += count.sent;
    });
  }

  /**
   * Seconds since each shard's start, in order; per-second p50 and p99 from the added histograms; the queue depth as
   * a single run's (results/backlog.ts).
   */
  private timeseries(): SecondPoint[] {
    const points = this.points();
    const depths = queueDepths(points, this.reference?.plan ?? { settle: 'at-least-once' });
    return points.map((point, i) => ({ ...point, backlog: depths[i] }));
  }

  private points(): SecondPoint[] {
    return [...this.seconds.keys()]
      .sort((a, b) => a - b)
      .map((t) => {
        const second = this.seconds.get(t)!;
        const latency: Record<string, number | null> = noPerSecondLatency();
        for (const kind of LATENCY_KINDS) {
          const h = second.histograms[kind];
          if (h === undefined || h.totalCount === 0) continue;
          latency[`${kind}P50Us`] = h.getValueAtPercentile(50);
          latency[`${kind}P99Us`] = h.getValueAtPercentile(99);
        }
        return {
          t,
          warmup: second.warmup,
          ...second.counters,
          ...(latency as PerSecondLatency),
          faults: second.faults,
        };
      });
  }

  /** One interval log per kind, from the merged seconds, timed from the first shard's start. */
  private hlogs(startMs: number): Record<string, string> {
    const hlogs: Record<string, string> = {};
    const times = [...this.seconds.keys()].sort((a, b) => a - b);
    for (const kind of LATENCY_KINDS) {
      const lines: HlogInterval[] = [];
      for (const t of times) {
        const second = this.seconds.get(t)!;
        const h = second.histograms[kind];
        if (h === undefined) continue;
        const line: HlogInterval = { startMs: t * 1000, lengthMs: 1000, hdr: encodeHistogram(h), maxUs: maxUs(h) };
        if (second.warmup) line.tag = WARMUP_TAG;
        lines.push(line);
      }
      if (lines.length > 0) hlogs[kind] = formatHlog(startMs, lines);
    }
    return hlogs;
  }
}

/** The producer ids of the missing shards' sender links. */
export function missingProducers(plan: Plan, missing: readonly number[]): string[] {
  if (missing.length === 0 || plan.shards === undefined) return [];
  const senders = roleLinkIds(plan, 'sender');
  return missing.flatMap((index) => {
    const { from, to } = shardRange(senders.length, plan.shards!.count, index);
    return senders.slice(from, to);
  });
}

/** The lines that head an incomplete merge: which shards are missing, which did not finish. */
function incompleteLines(missing: readonly number[], unfinished: readonly number[], count: number): string[] {
  const lines: string[] = [];
  const shards = (indexes: readonly number[]): string =>
    `shard${indexes.length === 1 ? '' : 's'} ${indexes.join(', ')}`;
  const their = (indexes: readonly number[]): string => (indexes.length === 1 ? 'its' : 'their');
  if (missing.length > 0)
    lines.push(
      `incomplete: ${shards(missing)} of ${count} missing (no result): ${their(missing)} messages are not checked, ` +
        'and lost is not judged',
    );
  if (unfinished.length > 0)
    lines.push(`incomplete: ${shards(unfinished)} did not finish ${their(unfinished)} part: lost is not judged`);
  return lines;
}

function pickCounters(from: Counters): Counters {
  const counters = zeroCounters();
  for (const name of COUNTER_NAMES) counters[name] = from[name] ?? 0;
  return counters;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** µs as ms with three decimals. */
function ms3(us: number): number {
  return Math.round(us) / 1000;
}
