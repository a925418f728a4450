/**
 * Every fault of a run and what the clients did about it, on the run's
 * clock: what the proxy injected, the broker restarts the coordinator did,
 * and the disconnects and reconnects workers reported. It becomes
 * result.json's `faults` and the per-second `faults` stamps.
 * Not on any hot path: a few entries a second at most.
 */
import type { FaultRecord } from './proxy.js';

export type { FaultRecord } from './proxy.js';

/** What a worker reports when a connection goes away or comes back (µs on the run's monotonic clock). */
export interface ClientEvent {
  readonly atUs: number;
  readonly kind: 'disconnect' | 'reconnect';
  readonly target: string;
  readonly effect: string;
}

/** Kinds that stand for the whole run (recorded once, at 0): not counted as faults of a second. */
const STANDING_KINDS = new Set(['latency', 'bandwidth']);
/** Kinds a client reports: what faults caused, not faults themselves. */
const CLIENT_KINDS = new Set(['disconnect', 'reconnect']);

export class FaultLog {
  private readonly entries: FaultRecord[] = [];

  /** One entry, `atMs` already on the run's clock. */
  add(record: FaultRecord): void {
    this.entries.push(record);
  }

  /** The proxy's records, stamped from its arming, which happened `armedAtMs` after the run's start. */
  addProxyRecords(records: readonly FaultRecord[], armedAtMs: number): void {
    for (const record of records) {
      // Standing faults are recorded when the proxy starts, before the run: they stand from its start.
      const atMs = STANDING_KINDS.has(record.kind) ? 0 : Math.round(record.atMs + armedAtMs);
      this.entries.push({ ...record, atMs });
    }
  }

  addClientEvent(event: ClientEvent, runStartUs: number): void {
    const atMs = Math.max(0, Math.round((event.atUs - runStartUs) / 1000));
    this.entries.push({ atMs, kind: event.kind, target: event.target, effect: event.effect });
  }

  /** Sorted by time; entries of the same ms keep the order they were added in. */
  records(): FaultRecord[] {
    return [...this.entries].sort((a, b) => a.atMs - b.atMs);
  }

  /** Injected faults per second of the run (key: whole seconds since its start). */
  faultsPerSecond(): Map<number, number> {
    const seconds = new Map<number, number>();
    for (const entry of this.entries) {
      if (!isInjected(entry.kind)) continue;
      const second = Math.floor(entry.atMs / 1000);
      seconds.set(second, (seconds.get(second) ?? 0) + 1);
    }
    return seconds;
  }
}

export function isInjected(kind: string): boolean {
  return !STANDING_KINDS.has(kind) && !CLIENT_KINDS.has(kind);
}

/** One line for the summary: "faults: 12 resets, 1 blackhole; reconnects: 24". */
export function formatFaultLine(records: readonly FaultRecord[]): string {
  const byKind = new Map<string, number>();
  let reconnects = 0;
  const standing: string[] = [];
  for (const record of records) {
    if (record.kind === 'reconnect') reconnects++;
    else if (STANDING_KINDS.has(record.kind)) standing.push(`${record.kind} ${record.effect}`);
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
