/**
 * Every fault of a run and what the clients did about it, on the run's
 * clock: what the proxy injected, the broker restarts the coordinator did,
 * and the disconnects and reconnects workers reported. It becomes
 * result.json's `faults` and the per-second `faults` stamps.
 * Not on any hot path: a few entries a second at most.
 */
import { isInjected, isStandingKind, type FaultRecord } from '../metrics/fault-record.js';

export type { FaultRecord };

/** What a worker reports when a connection goes away or comes back (µs on the run's monotonic clock). */
export interface ClientEvent {
  readonly atUs: number;
  readonly kind: 'disconnect' | 'reconnect';
  readonly target: string;
  readonly effect: string;
}

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
      const atMs = isStandingKind(record.kind) ? 0 : Math.round(record.atMs + armedAtMs);
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
