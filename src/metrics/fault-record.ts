/**
 * A fault as the run's time series and result.json carry it: what the proxy
 * injected, a broker restart, or a client's disconnect and reconnect. Faults
 * are stamped on the run's clock like every other measurement, so the record
 * lives with them: the fault runtime writes it, results only read it.
 */

/** One fault or client event. */
export interface FaultRecord {
  /** ms since the run's start (the proxy's own records: since it was armed). */
  readonly atMs: number;
  readonly kind: string;
  readonly target: string;
  readonly effect: string;
}

/** Kinds that stand for the whole run (recorded once, at 0): not counted as faults of a second. */
const STANDING_KINDS = new Set(['latency', 'bandwidth']);
/** Kinds a client reports: what faults caused, not faults themselves. */
const CLIENT_KINDS = new Set(['disconnect', 'reconnect']);

export function isStandingKind(kind: string): boolean {
  return STANDING_KINDS.has(kind);
}

/** A fault the run injected at a moment (a reset, a blackhole, a restart), not a standing one nor a client's event. */
export function isInjected(kind: string): boolean {
  return !STANDING_KINDS.has(kind) && !CLIENT_KINDS.has(kind);
}
