/**
 * The RunResult: everything a run measured, as written to result.json.
 * A discriminated `complete` flag plus a reason, so an interrupted run's
 * partial figures are data, never lost.
 */
import type { BacklogSummary } from './backlog.js';
import type { Counters, LatencyKind, LatencySummary, TimePoint } from '../metrics/index.js';
import type { ChaosCounts } from '../plan/chaos-spec.js';
import type { Plan } from '../plan/index.js';
import { FAILS, type ReceiverLedgerWire, type SenderLedgerWire, type Verdict } from '../ledger/index.js';
import type { FaultRecord } from '../metrics/fault-record.js';
import type { Environment } from './environment.js';

export const RESULT_SCHEMA = 'salvo.result/1';

/** The run's counters (warm-up excluded) and rates; the field names are the result schema's. */
export interface Totals extends Counters {
  /** Messages received that this run did not send (left on the queue by someone else). */
  foreign: number;
  durationS: number;
  /** msg/s written to the connection (into socket buffers), over the measured sending window. */
  sendRate: number;
  /** msg/s the broker accepted, from the end of warm-up to the last outcome: at-least-once's headline rate. */
  acceptRate: number;
  receiveRate: number;
  /**
   * --recv-selector runs: distinct messages received that match the selector, and those that do not (the broker ignored
   * it).
   */
  selected?: number;
  selectorMismatches?: number;
  /** Accepted messages the selector does not match, left on the queue (not lost). */
  unselected?: number;
  /** --subscriptions: published and delivered (fan-out) rates apart; absent for a queue. */
  fanOut?: FanOut;
}

/** A topic run's rates: each published message is delivered once per subscription. */
export interface FanOut {
  subscriptions: number;
  /** msg/s the broker took from the senders (accepted; at-most-once: sent). */
  publishRate: number;
  /** msg/s received over every subscription: `receiveRate`, named for what it is here. */
  deliverRate: number;
  /** deliverRate / subscriptions. */
  deliverRatePerSubscription: number;
}

/** The fan-out figures of a topic run's totals (publish: accepted at least once, else sent). */
export function fanOutOf(totals: Totals, subscriptions: number, acknowledged: boolean): FanOut {
  return {
    subscriptions,
    publishRate: acknowledged ? totals.acceptRate : totals.sendRate,
    deliverRate: totals.receiveRate,
    deliverRatePerSubscription: round(totals.receiveRate / subscriptions, 1),
  };
}

/**
 * One second of the run, stamped with the faults injected in it (its
 * `reconnects` are the workers' own counter). A run always writes `faults`
 * (0 when none); results written before it existed lack it.
 */
export interface SecondPoint extends TimePoint {
  /**
   * Faults injected in this second (resets, blackholes, broker restarts, closes after bytes; not standing latency or
   * bandwidth).
   */
  faults?: number;
  /** Queue depth at the second's end: taken by the broker (accepted; at-most-once, sent) minus received, running. */
  backlog?: number;
}

/** --body-size as a distribution: fresh messages sent after warm-up, per size (every worker's summed). */
export interface SizeCount {
  bytes: number;
  sent: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** One --threshold as result.json keeps it (judged by thresholds.ts). */
export interface ThresholdResult {
  /** As written, spaces removed: `service.p99<10ms`. */
  text: string;
  /** `service.p99.9`, `acceptRate`. */
  metric: string;
  /** The bound: µs for a latency (measured must be below it), msg/s for a rate (measured must be above it). */
  limit: number;
  unit: 'us' | 'msg/s';
  /** What the run measured, in the same unit; null when it measured none (then the threshold fails). */
  measured: number | null;
  pass: boolean;
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  runId: string;
  startedAt: string;
  complete: boolean;
  /** Why the run is incomplete or failed (one line each), empty when all went well. */
  problems: string[];
  plan: Plan;
  environment: Environment;
  totals: Totals;
  latency: Partial<Record<LatencyKind, LatencySummary>>;
  checks: Check[];
  /** --threshold: each objective with what the run measured and whether it held; absent when none was given. */
  thresholds?: ThresholdResult[];
  /**
   * The ledger's verdict (every message of the run, warm-up included); absent when the ledger was off or the run
   * incomplete, but for an interruption: then a partial verdict (`verdict.partial`) on what had arrived.
   */
  verdict?: Verdict;
  /**
   * Stopped by a signal (Ctrl-C, SIGTERM): before the start, during warm-up (nothing measured), or while measuring.
   * Absent otherwise.
   */
  interrupted?: 'starting' | 'warm-up' | 'measuring';
  /** --broker-chaos: what the embedded broker did on purpose, by its own count (the verdict must match it). */
  brokerChaos?: ChaosCounts;
  /**
   * Every fault and client disconnect / reconnect, by time (ms since the run's start); present whenever --faults was
   * given.
   */
  faults?: FaultRecord[];
  /**
   * A latency fault through the built-in proxy: how late it wrote each
   * delayed chunk after its due time (µs, after warm-up, like latency):
   * the proxy thread's own timing error, apart from the other threads' (faults/release-lateness.ts).
   */
  proxyLateness?: LatencySummary;
  timeseries: SecondPoint[];
  /**
   * --shards: this result is one shard's part, for `salvo merge`; its totals are its part's, and it holds no verdict
   * and no checks (its receivers took other shards' messages: only the merge can judge).
   */
  shard?: ShardRecord;
  /** A merged result (`salvo merge`): the shards it was merged from, and those missing. */
  shards?: MergedShards;
  /** With senders and receivers: the broker's backlog at the end of the send phase, its growth (results/backlog.ts). */
  backlog?: BacklogSummary;
  /** --body-size as a distribution: messages sent per size. */
  sentBySize?: SizeCount[];
}

/** What a shard's result.json carries beside its figures, for the merge. */
export interface ShardRecord {
  index: number;
  /** N of --shards N. */
  count: number;
  /** The whole plan's hash (src/plan/shards.ts planHash): shards of one run share it. */
  planHash: string;
  /**
   * Every ledger of the shard's workers as they travel (bitsets as base64 of their words, 1 bit a message); null
   * when the ledger was off, or a worker's ledger is missing (it crashed): then nothing of the run can be judged.
   */
  ledgers: { senders: SenderLedgerWire[]; receivers: ReceiverLedgerWire[] } | null;
  /** The shard's per-second histograms, seconds since its start, encoded: the merge adds them second by second. */
  seconds: ShardSecond[];
  /** Shards that met over the broker: this shard's clock against shard 0's, and its start on shard 0's clock. */
  clock?: ShardClock;
}

/** A shard's clock as the start barrier estimated it (src/rendezvous/clock-offset.ts). */
export interface ShardClock {
  host: string;
  /** Shard 0's clock minus this shard's, µs, within ±boundUs. */
  offsetUs: number;
  boundUs: number;
  /** The instant this shard started, on shard 0's (monotonic) clock, µs. */
  startOnShard0Us: number;
}

/** One second of a shard: its histograms of that second, one per latency kind it recorded. */
export interface ShardSecond {
  t: number;
  histograms: Partial<Record<LatencyKind, string>>;
}

/** One row of a merged result's per-shard table. */
export interface ShardRow {
  index: number;
  complete: boolean;
  /** Its part's rates, msg/s. */
  sendRate: number;
  acceptRate: number;
  receiveRate: number;
  /**
   * How much later than the first shard it started, ms: on shard 0's clock within ±startSkewBoundMs when the shards
   * met over the broker, else by each shard's wall clock (no bound known).
   */
  startSkewMs: number;
  startSkewBoundMs?: number;
  /** Shards that met over the broker: the host and its clock's estimated offset to shard 0's (ms) and bound. */
  host?: string;
  clockOffsetMs?: number;
  clockBoundMs?: number;
  reconnects: number;
}

export interface MergedShards {
  count: number;
  planHash: string;
  rows: ShardRow[];
  /** Indexes with no result: their messages are not checked, and the merged result is incomplete. */
  missing: number[];
  /** Messages of missing shards' producers that present shards received: not checked either. */
  notChecked: number;
  /**
   * Shards that met over the broker, with cross-shard messages measured: how far the `endToEndCrossShard` latency may
   * be off, ms (a sample is corrected by two shards' offsets: their bounds summed, the largest over any two shards).
   */
  crossShardBoundMs?: number;
}

/** Seconds of each measured window: all start at the end of warm-up. */
export interface Windows {
  /** Until the senders' last send. */
  sendS: number;
  /** Until the senders' last outcome. */
  acceptS: number;
  /** Until the last receipt. */
  receiveS: number;
}

/** Rates over measured time only, each over its own window. */
export function totalsFrom(counters: Counters, foreign: number, windows: Windows): Totals {
  const seconds = windows.sendS > 0 ? windows.sendS : 0;
  return {
    ...counters,
    foreign,
    durationS: round(seconds, 3),
    sendRate: rate(counters.sent, seconds),
    acceptRate: rate(counters.accepted, windows.acceptS),
    receiveRate: rate(counters.received, windows.receiveS),
  };
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? round(count / seconds, 1) : 0;
}

/**
 * What the run promised, checked against what it measured (warm-up
 * excluded). Every run gets at least one check, and a check whose basis is
 * empty fails: a run that measured nothing never passes.
 *
 * `receiptCounts` false: the receivers' counts are not comparable with the
 * senders' (merged shards, each of which kept its own warm-up boundary, so a
 * message one shard sent after its warm-up may arrive at another during
 * that one's), and the ledger's verdict judges every message instead.
 */
export function checksFor(plan: Plan, totals: Totals, receiptCounts = true): Check[] {
  const checks: Check[] = [];
  if (plan.rpc && plan.senders > 0) return [everyRequestAnswered(totals)];
  if (plan.senders === 0) return [somethingReceived(totals)];
  // With a selector, receivers get only what it matches: the ledger's selection check counts instead. With a ttl,
  // the broker may discard what expired: the ledger tells expired from lost, counts cannot.
  if (plan.receivers > 0 && plan.recvSelector === undefined && plan.msgTtlMs === undefined && receiptCounts)
    checks.push(
      plan.settle === 'at-least-once'
        ? noFewerReceived(totals, plan.transactions !== undefined, plan.topic?.subscriptions ?? 1)
        : noneReceivedTwice(totals, plan.topic?.subscriptions ?? 1),
    );
  if (plan.settle === 'at-least-once') checks.push(everySentAccepted(totals, plan.transactions !== undefined));
  else if (plan.receivers === 0) checks.push(somethingSent(totals));
  return checks;
}

/**
 * Why the run measured nothing, as one line, or undefined when it measured
 * something: no message sent after warm-up (no message received, for a
 * receive-only run).
 */
export function whyNothingMeasured(
  result: Pick<RunResult, 'plan' | 'totals'> & { timeseries: readonly TimePoint[] },
): string | undefined {
  const { plan, totals, timeseries } = result;
  const receiving = plan.senders === 0;
  if ((receiving ? totals.received : totals.sent) > 0) return undefined;
  // The time series counts warm-up messages too.
  const all = timeseries.reduce((sum, point) => sum + (receiving ? point.received : point.sent), 0);
  const verb = receiving ? 'received' : 'sent';
  if (all > 0)
    return (
      `no message was measured: warm-up (${plan.warmupMs} ms) covered the whole run (${all} ${verb} during ` +
      `warm-up)`
    );
  return `no message was measured: nothing was ${verb}`;
}

/**
 * The ledger's check: it passes or fails by the mode's rule (FAILS); a
 * verdict that could not be checked (one side of the run absent) adds no
 * check, so the count checks alone decide, never a vacuous pass.
 */
export function verdictChecks(verdict: Verdict): Check[] {
  // Messages duplicated and the copies beyond their first: a message that came three times is 1 and 2.
  const copiesText = (v: Verdict): string => `${v.extraCopies} extra cop${v.extraCopies === 1 ? 'y' : 'ies'}`;
  if (verdict.ok === null) return [];
  const name = `delivery verdict (${verdict.mode}, per sequence number)`;
  if (verdict.attempted === 0) return [{ name, ok: false, detail: 'no message sent: no sequence number to check' }];
  const rule = FAILS[verdict.mode].map((c) => `${c} ${verdict[c]}`).join(', ');
  const reported = (['duplicated', 'lost', 'recovered', 'reordered', 'expired', 'receivedExpired'] as const)
    .filter((c) => !FAILS[verdict.mode].includes(c) && (verdict[c] ?? 0) > 0)
    .map((c) => `${c} ${verdict[c]}${c === 'duplicated' && verdict.extraCopies ? ` (${copiesText(verdict)})` : ''}`);
  return [
    {
      name,
      ok: verdict.ok,
      detail: `${rule} of ${verdict.attempted} sent${reported.length > 0 ? `; reported: ${reported.join(', ')}` : ''}`,
    },
  ];
}

/** --recv-selector: every message received matches, and something did (lost matching messages fail the verdict). */
export function selectionChecks(verdict: Verdict): Check[] {
  const s = verdict.selection;
  if (s === undefined) return [];
  const name = 'every message received matches the selector';
  if (s.selectorMismatches > 0)
    return [
      {
        name,
        ok: false,
        detail: `${s.selectorMismatches} of ${s.selected + s.selectorMismatches} received did not match`,
      },
    ];
  if (s.selected === 0) return [{ name, ok: false, detail: 'no message matched the selector: nothing to check' }];
  return [{ name, ok: true, detail: `${s.selected} selected, ${s.unselected} unselected left on the queue` }];
}

/** `committed`: sends in transactions, where only a commit promises delivery. */
function noFewerReceived(totals: Totals, committed: boolean, subscriptions: number): Check {
  // Counts only: a redelivery can hide a loss until the ledger compares sequence numbers.
  const word = committed ? 'committed' : 'accepted';
  // --subscriptions: each subscription is owed every message.
  const promised = (committed ? totals.committed : totals.accepted) * subscriptions;
  const name = `no fewer received than ${word}${subscriptions > 1 ? ` x ${subscriptions} subscriptions` : ''}`;
  if (promised === 0)
    return { name, ok: false, detail: `no message ${word} after warm-up: nothing to compare receipts with` };
  const lost = promised - totals.received;
  return {
    name,
    ok: lost <= 0,
    detail: lost > 0 ? `${lost} ${word} but not received` : `${totals.received} of ${promised} ${word}`,
  };
}

function noneReceivedTwice(totals: Totals, subscriptions: number): Check {
  // --subscriptions: each subscription may receive every message once.
  const bound = totals.sent * subscriptions;
  const name = `no message received more often than sent${subscriptions > 1 ? ` x ${subscriptions} subscriptions` : ''}`;
  if (totals.received === 0) return { name, ok: false, detail: 'no message received after warm-up' };
  const extra = totals.received - bound;
  return {
    name,
    ok: extra <= 0,
    detail: extra > 0 ? `${extra} more received than sent` : `${totals.received} received of ${bound} sent`,
  };
}

/**
 * `transactional`: a batch sent again after a lost connection is accepted
 * again, and one rolled back with its connection needs no outcome: every
 * message sent must be accepted or rolled back.
 */
function everySentAccepted(totals: Totals, transactional: boolean): Check {
  const name = 'every sent message accepted';
  if (totals.sent === 0) return { name, ok: false, detail: 'no message sent after warm-up' };
  const refused = totals.rejected + totals.released + totals.modified;
  // A message in doubt after a lost connection passes once its resend is accepted.
  const resent = totals.resent > 0 ? ` (${totals.resent} resent)` : '';
  return {
    name,
    ok:
      refused === 0 &&
      (transactional ? totals.accepted + totals.rolledBack >= totals.sent : totals.accepted === totals.sent),
    detail:
      `${totals.accepted} accepted, ${totals.rejected} rejected, ${totals.released} released, ` +
      `${totals.modified} modified, ${totals.inDoubt} in doubt${resent} of ${totals.sent} sent`,
  };
}

/**
 * --pattern rpc: one reply per request, each matched by its correlation id, none after its request was given up.
 * A request sent again after a lost connection (or delivered to a responder twice) may be answered twice: the second
 * answer is a duplicate, not a failure.
 */
function everyRequestAnswered(totals: Totals): Check {
  const name = 'every request answered (matching correlation id)';
  if (totals.requests === 0) return { name, ok: false, detail: 'no request sent after warm-up' };
  const resent =
    (totals.resent > 0 ? `, ${totals.resent} resent` : '') +
    (totals.duplicates > 0 ? `, ${totals.duplicates} answered twice` : '');
  return {
    name,
    ok: totals.replies === totals.requests && totals.unanswered === 0 && totals.unmatched === 0 && totals.late === 0,
    detail:
      `${totals.replies} replies to ${totals.requests} requests, ${totals.unanswered} unanswered, ` +
      `${totals.unmatched} unmatched, ${totals.late} late${resent}`,
  };
}

function somethingSent(totals: Totals): Check {
  return {
    name: 'messages sent',
    ok: totals.sent > 0,
    detail: totals.sent > 0 ? `${totals.sent} sent` : 'no message sent after warm-up',
  };
}

function somethingReceived(totals: Totals): Check {
  return {
    name: 'messages received',
    ok: totals.received > 0,
    detail: totals.received > 0 ? `${totals.received} received` : 'no message received after warm-up',
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
