/**
 * The RunResult from what the run gathered: the workers' final results, the
 * Aggregator's merged figures, the ledgers' verdict, the environment and the
 * faults. Pure: the coordinator reads every input first, so each rule (what
 * makes a run incomplete, when the verdict is checked, an ignored selector)
 * is tested on plain values.
 */
import { SalvoError } from '../errors.js';
import { checkLedgers, type Verdict } from '../ledger/index.js';
import { warmupEndUs, type Counters, type LatencyKind, type LatencySummary, type TimePoint } from '../metrics/index.js';
import { redactPlan, type Plan } from '../plan/index.js';
import { selectionMatcher } from '../content/property-values.js';
import type { Environment } from '../results/environment.js';
import type { FaultRecord } from '../faults/log.js';
import type { WorkerFailure, WorkerResult } from '../protocol/worker-messages.js';
import { workerLabel } from './worker-shapes.js';
import {
  checksFor,
  fanOutOf,
  RESULT_SCHEMA,
  selectionChecks,
  totalsFrom,
  verdictChecks,
  whyNothingMeasured,
  type RunResult,
  type SecondPoint,
} from '../results/result.js';
import { judgeThresholds } from '../results/thresholds.js';
import type { ShardClock, ShardSecond, SizeCount } from '../results/result.js';
import { backlogSummary, queueDepths, type BacklogShape, type BacklogSummary } from '../results/backlog.js';
import { shardRecord } from './shard-record.js';

/** A worker whose task threw or never finished: no final report. */
export interface Crash {
  crashed: true;
  workerId: string;
  error: WorkerFailure;
}

export type FinishedWorker = WorkerResult | Crash;

export interface ResultInputs {
  plan: Plan;
  workers: readonly FinishedWorker[];
  /** What went wrong before the workers' results were in, in order. */
  problems: readonly string[];
  /** Why the run stopped early, if it did. */
  failure: SalvoError | undefined;
  startedAt: Date;
  /** The start instant (monotonic whole µs); 0: the run never started. */
  runStartUs: number;
  ledger: boolean;
  environment: Environment;
  /** The Aggregator's figures, every worker's final report added. */
  counters: Counters;
  latency: Partial<Record<LatencyKind, LatencySummary>>;
  timeseries: readonly TimePoint[];
  faults: {
    /** --faults was given: the result lists faults even when none was recorded. */
    planned: boolean;
    records: FaultRecord[];
    perSecond: ReadonlyMap<number, number>;
    releaseLateness: LatencySummary | null;
  };
  /** --shards: the run's per-second histograms, for the merge (coordinator/shard-record.ts). */
  shardSeconds?: readonly ShardSecond[];
  /** --shards that met over the broker: this shard's clock against shard 0's. */
  shardClock?: ShardClock;
  /** When the senders were done: seconds since the start, and taken minus received then. */
  sendPhaseEnd?: { seconds: number; backlog: number };
  /** Slow consumers: owed messages not received when the drain's bound came (a backlog left, not a loss). */
  undrained?: number;
}

export interface AssembledResult {
  result: RunResult;
  failure: SalvoError | undefined;
  /** The figures are not the workload's (an ignored selector): result.json is written, no summary printed. */
  withholdSummary: boolean;
}

/**
 * A worker's failure as users read it: `sender 1, connection 1: the broker refused ...`. The run loop and the result
 * build it alike, so that one failure is one problem.
 */
export function workerFailureLine(workerId: string, failure: WorkerFailure, rpc: boolean): string {
  return `${workerLabel(workerId, rpc, failure.connection)}: ${failure.message}`;
}

export function assembleResult(inputs: ResultInputs): AssembledResult {
  const { plan, workers, startedAt, faults } = inputs;
  const problems = [...inputs.problems];
  let failure = inputs.failure;
  for (const worker of workers) {
    if (!worker.error) continue;
    const problem = workerFailureLine(worker.workerId, worker.error, plan.rpc !== undefined);
    if (!problems.includes(problem)) problems.push(problem);
    failure ??= new SalvoError(worker.error.code, problem, worker.error.condition);
  }
  const finished = workers.filter((w): w is WorkerResult => !('crashed' in w));
  const foreign = finished.reduce((sum, w) => sum + w.foreign, 0);
  const measured = totalsFrom(inputs.counters, foreign, activeWindows(finished, inputs));
  const totals = plan.topic
    ? { ...measured, fanOut: fanOutOf(measured, plan.topic.subscriptions, plan.settle === 'at-least-once') }
    : measured;
  const complete = failure === undefined;
  const interrupted = inputs.failure?.code === 'interrupted';
  // A full verdict needs every worker's ledger after a full drain. An interrupted run has every ledger but no drain:
  // a partial verdict then (src/ledger/checker.ts). A crashed worker's ledger is missing: what it sent would be
  // unexpected, so nothing is judged then, nor after any other failure.
  const judgeable = inputs.ledger && inputs.runStartUs > 0 && finished.length === workers.length;
  // A shard's receivers take other shards' messages: alone, it would call them unexpected and its own lost. Its
  // ledgers go into its result; `salvo merge` judges the run once.
  const shard = shardRecord(plan, finished, judgeable, inputs.ledger, inputs.shardSeconds ?? [], inputs.shardClock);
  // Slow consumers that had not caught up when the drain's bound came: what had not arrived is still queued on the
  // broker as far as salvo can tell, so the verdict is partial (unconfirmed, never lost).
  const undrained = (inputs.undrained ?? 0) > 0;
  const verdict = shard
    ? undefined
    : complete && inputs.ledger
      ? verdictOf(plan, finished, undrained)
      : interrupted && judgeable
        ? verdictOf(plan, finished, true)
        : undefined;
  const result: RunResult = {
    schema: RESULT_SCHEMA,
    runId: plan.runId,
    startedAt: startedAt.toISOString(),
    complete,
    problems,
    plan: redactPlan(plan),
    environment: inputs.environment,
    totals,
    latency: inputs.latency,
    checks: complete && !shard ? checksFor(plan, totals) : [],
    timeseries: stampedTimeseries(inputs.timeseries, faults.perSecond, plan),
  };
  const backlog = backlogOf(plan, result.timeseries, inputs);
  if (backlog) result.backlog = backlog;
  const sizes = sentBySize(plan, finished);
  if (sizes) result.sentBySize = sizes;
  if (interrupted) result.interrupted = interruptedWhen(inputs.runStartUs, plan, totals);
  if (faults.planned || faults.records.length > 0) result.faults = faults.records;
  if (faults.releaseLateness !== null) result.proxyLateness = faults.releaseLateness;
  // Judged on what was measured, even when the run stopped early: its failure decides the exit code then.
  if (plan.thresholds && !shard) result.thresholds = judgeThresholds(plan.thresholds, result);
  if (shard) result.shard = shard;
  const unmeasured = complete ? whyNothingMeasured(result) : undefined;
  if (unmeasured !== undefined) problems.push(unmeasured);
  let withholdSummary = false;
  if (verdict) {
    result.verdict = verdict;
    // A run that measured nothing passes no check, even when the ledger (warm-up included) holds. An incomplete run
    // has no checks at all: its partial verdict is shown, not turned into a pass or a fail.
    if (complete && unmeasured === undefined)
      result.checks.push(...verdictChecks(verdict), ...selectionChecks(verdict));
    const ignored = judgeSelection(plan, result);
    if (ignored) {
      failure ??= ignored;
      withholdSummary = true;
    }
  }
  return { result, failure, withholdSummary };
}

/** Seconds from the end of warm-up to each side's last activity: the windows the rates are taken over. */
function activeWindows(finished: readonly WorkerResult[], inputs: ResultInputs): Parameters<typeof totalsFrom>[2] {
  const { runStartUs, plan } = inputs;
  const measuredFromUs = warmupEndUs(runStartUs, plan.warmupMs);
  const lastUs = (role: 'sender' | 'receiver'): number =>
    Math.max(0, ...finished.filter((w) => w.role === role).map((w) => w.lastActivityUs));
  const lastOutcomeUs = Math.max(0, ...finished.filter((w) => w.role === 'sender').map((w) => w.lastOutcomeUs));
  const since = (us: number): number => (runStartUs > 0 ? Math.max(0, us - measuredFromUs) / 1e6 : 0);
  return { sendS: since(lastUs('sender')), acceptS: since(lastOutcomeUs), receiveS: since(lastUs('receiver')) };
}

/** Each second with the faults injected in it (reconnects are already the workers' own count). */
function stampedTimeseries(
  timeseries: readonly TimePoint[],
  perSecond: ReadonlyMap<number, number>,
  shape: BacklogShape,
): SecondPoint[] {
  const depths = queueDepths(timeseries, shape);
  return timeseries.map((point, i) => ({
    ...point,
    faults: perSecond.get(Math.floor(point.t)) ?? 0,
    backlog: depths[i],
  }));
}

/** With both sides, and a send phase that ended: the backlog then, its growth, and any left undrained. */
function backlogOf(plan: Plan, series: readonly SecondPoint[], inputs: ResultInputs): BacklogSummary | undefined {
  if (plan.senders === 0 || plan.receivers === 0 || plan.rpc || inputs.sendPhaseEnd === undefined) return undefined;
  const depths = series.map((point) => point.backlog ?? 0);
  return backlogSummary(inputs.sendPhaseEnd, depths, inputs.undrained);
}

/** --body-size as a distribution: every sender worker's counts per size, summed. */
function sentBySize(plan: Plan, finished: readonly WorkerResult[]): SizeCount[] | undefined {
  if (!plan.bodySizes) return undefined;
  const counts = plan.bodySizes.sizes.map((bytes) => ({ bytes, sent: 0 }));
  for (const worker of finished) worker.sentBySize?.forEach((n, i) => counts[i] && (counts[i].sent += n));
  return counts;
}

/**
 * Where an interruption stopped the run: nothing measured after a warm-up means it came during the warm-up (or at its
 * very end, which is the same to a reader: no figure to show).
 */
function interruptedWhen(runStartUs: number, plan: Plan, totals: RunResult['totals']): RunResult['interrupted'] {
  if (runStartUs === 0) return 'starting';
  const measured = plan.senders === 0 ? totals.received : totals.sent;
  return plan.warmupMs > 0 && measured === 0 ? 'warm-up' : 'measuring';
}

/** Merges the workers' ledgers; a side that did not run (--senders 0, --receivers 0) is not checked. */
function verdictOf(plan: Plan, finished: readonly WorkerResult[], partial = false): Verdict {
  const senders = plan.senders > 0 ? finished.flatMap((r) => r.senderLedgers ?? []) : null;
  const receivers = plan.receivers > 0 ? finished.flatMap((r) => r.receiverLedgers ?? []) : null;
  const transactional = plan.transactions !== undefined || plan.recvTransactions !== undefined;
  const { recvSelector, messageProperties } = plan;
  const selects = recvSelector === undefined ? undefined : selectionMatcher(messageProperties, recvSelector);
  return checkLedgers(transactional ? 'transactional' : plan.settle, senders, receivers, selects, partial);
}

/**
 * --recv-selector: the selection counts go into the totals; a message that
 * does not match means the broker ignored the selector, and the run fails
 * as for a refused feature rather than report a throughput for filtering
 * the broker did not do. Returns that failure, if any.
 */
function judgeSelection(plan: Plan, result: RunResult): SalvoError | undefined {
  const selection = result.verdict?.selection;
  if (selection === undefined) return undefined;
  Object.assign(result.totals, selection);
  if (selection.selectorMismatches === 0) return undefined;
  const received = selection.selected + selection.selectorMismatches;
  const mismatched = `${selection.selectorMismatches} of ${received} messages received did not match`;
  const line = `the broker ignored the selector ${JSON.stringify(plan.recvSelector)}: ${mismatched}`;
  result.problems.push(line);
  // Not a result to compare throughput with: salvo compare takes complete runs only.
  result.complete = false;
  return new SalvoError('refused', line);
}
