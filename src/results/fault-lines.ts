/**
 * One-line summaries of a run's faults, for the summary and `salvo broker`'s
 * exit line: what was injected and how the clients coped, how late the fault
 * proxy released delayed chunks, and what the embedded broker's chaos did.
 */
import type { LatencySummary } from '../metrics/index.js';
import { isInjected, isStandingKind, type FaultRecord } from '../metrics/fault-record.js';
import type { ChaosCounts } from '../plan/chaos-spec.js';

/** One line for the summary: "faults: 12 resets, 1 blackhole; reconnects: 24". */
export function formatFaultLine(records: readonly FaultRecord[]): string {
  const byKind = new Map<string, number>();
  let reconnects = 0;
  const standing: string[] = [];
  for (const record of records) {
    if (record.kind === 'reconnect') reconnects++;
    else if (isStandingKind(record.kind)) standing.push(`${record.kind} ${record.effect}`);
    else if (isInjected(record.kind)) byKind.set(record.kind, (byKind.get(record.kind) ?? 0) + 1);
  }
  const injected = [...byKind].map(([kind, count]) => `${count} ${pluralKind(kind, count)}`);
  const parts = [`faults: ${injected.length > 0 ? injected.join(', ') : 'none injected'}`];
  if (standing.length > 0) parts.push(standing.join(', '));
  parts.push(`reconnects: ${reconnects}`);
  return parts.join('; ');
}

function pluralKind(kind: string, count: number): string {
  if (count === 1) return kind;
  return kind.endsWith('s') ? kind : `${kind}s`;
}

/** One line for the summary: "fault proxy: 4,120 delayed writes, late by p50 2 µs, p99 280 µs, max 1,204 µs". */
export function formatLatenessLine(lateness: LatencySummary): string {
  const us = (value: number): string => `${Math.round(value).toLocaleString('en-US')} µs`;
  const writes = `${lateness.count.toLocaleString('en-US')} delayed ${lateness.count === 1 ? 'write' : 'writes'}`;
  return `fault proxy: ${writes}, late by p50 ${us(lateness.p50)}, p99 ${us(lateness.p99)}, max ${us(lateness.max)}`;
}

/** `dropped N, duplicated N (extra copies), reordered N`: the broker's exit line and the run summary. */
export function formatChaosCounts(counts: ChaosCounts): string {
  const leaked =
    (counts.leaked !== undefined ? `, leaked ${counts.leaked}` : '') +
    (counts.ttlIgnored !== undefined ? `, delivered after expiry ${counts.ttlIgnored}` : '');
  // The broker counts copies it made, the verdict messages: "extra copies" is the word both use for copies.
  return `dropped ${counts.dropped}, duplicated ${counts.duplicated} (extra copies), reordered ${counts.reordered}${leaked}`;
}
