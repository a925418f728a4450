/**
 * What every report format reads from a RunResult, computed once: the
 * run's status, the histograms decoded into percentile distributions, the
 * faults (an optional part of the result), and the timeline's series.
 * Pure: no files, no printing.
 */
import { SalvoError } from '../errors.js';
import { LATENCY_KINDS, type LatencyKind, type TimePoint } from '../metrics/index.js';
import type { RunResult } from '../results/result.js';
import { distributionOf, type Distribution } from './distribution.js';

/** `SHARD PART`: one shard's result (--shards), whose verdict is the merge's; shown like an incomplete run. */
export type RunStatus = 'PASS' | 'FAIL' | 'INCOMPLETE' | 'SHARD PART';

/** A fault the proxy injected, as result.json's optional `faults` records it. */
export interface FaultMark {
  atMs: number;
  kind: string;
  target: string;
  effect: string;
}

/** INCOMPLETE for an interrupted run; otherwise PASS only when every check and every --threshold passed. */
export function statusOf(result: RunResult): RunStatus {
  if (!result.complete) return 'INCOMPLETE';
  if (result.shard !== undefined) return 'SHARD PART';
  const checked = result.checks.length > 0 && result.checks.every((check) => check.ok);
  return checked && (result.thresholds ?? []).every((threshold) => threshold.pass) ? 'PASS' : 'FAIL';
}

/** The latency kinds the result holds, in salvo's fixed order. */
export function kindsOf(result: RunResult): LatencyKind[] {
  return LATENCY_KINDS.filter((kind) => result.latency[kind] !== undefined);
}

/** The full distribution of one kind, from the histogram result.json keeps. */
export function distributionFor(result: RunResult, kind: LatencyKind): Distribution {
  const summary = result.latency[kind];
  if (summary === undefined) {
    throw new SalvoError(
      'usage',
      `the result has no ${kind} histogram (it has ${kindsOf(result).join(', ') || 'none'})`,
    );
  }
  try {
    return distributionOf(summary.hdr);
  } catch {
    throw new SalvoError('usage', `latency.${kind}.hdr of run ${result.runId} is not a readable HdrHistogram`);
  }
}

/**
 * The result's `faults`, when the run had any: only well-formed entries, so a
 * result written before faults existed, or by a later salvo, still renders.
 */
/** The counts a report lists after sent, accepted and received: those that are not 0, by name. */
export function otherCounts(t: RunResult['totals']): [string, number][] {
  const all: [string, number][] = [
    ['rejected', t.rejected],
    ['released', t.released],
    ['modified', t.modified],
    ['in doubt', t.inDoubt],
    ['resent', t.resent],
    ['reconnects', t.reconnects],
    ['unsent (generator behind)', t.unsent],
    ['foreign', t.foreign],
  ];
  return all.filter(([, count]) => count > 0);
}

export function faultsOf(result: RunResult): FaultMark[] {
  const faults = (result as { faults?: unknown }).faults;
  if (!Array.isArray(faults)) return [];
  return faults.filter(isFault).sort((a, b) => a.atMs - b.atMs);
}

function isFault(value: unknown): value is FaultMark {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return (
    typeof f.atMs === 'number' &&
    Number.isFinite(f.atMs) &&
    typeof f.kind === 'string' &&
    typeof f.target === 'string' &&
    typeof f.effect === 'string'
  );
}

/**
 * Connections lost and regained, when the result lists them among its
 * events (kinds `disconnect`, `reconnect`), as against faults injected.
 */
export function isConnectionEvent(mark: FaultMark): boolean {
  return mark.kind === 'disconnect' || mark.kind === 'reconnect';
}

/** [start, end) seconds: runs of consecutive warm-up points, for shading. */
export function warmupSpans(points: readonly TimePoint[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const point of points) {
    if (!point.warmup) continue;
    const last = spans[spans.length - 1];
    if (last !== undefined && last[1] === point.t) last[1] = point.t + 1;
    else spans.push([point.t, point.t + 1]);
  }
  return spans;
}

/** Seconds in which connections were opened again, with how many. */
export function reconnectMarks(points: readonly TimePoint[]): { t: number; count: number }[] {
  return points.filter((p) => p.reconnects > 0).map((p) => ({ t: p.t, count: p.reconnects }));
}

/** Which per-second counters the throughput timeline shows: those the run's shape can move. */
export function throughputSeries(result: RunResult): ('sent' | 'accepted' | 'received')[] {
  const series: ('sent' | 'accepted' | 'received')[] = [];
  if (result.plan.senders > 0) series.push('sent');
  if (result.plan.senders > 0 && result.plan.settle === 'at-least-once') series.push('accepted');
  if (result.plan.receivers > 0) series.push('received');
  return series;
}

/** The TimePoint fields of a kind's per-second p50 and p99. */
export function timelineLatencyKeys(kind: LatencyKind): { p50: keyof TimePoint; p99: keyof TimePoint } {
  return { p50: `${kind}P50Us`, p99: `${kind}P99Us` };
}
