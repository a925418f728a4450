/** The probe's data: what each capability check returns, and the report. */
import type { Connection } from 'rhea';
import type { AmqpUrl } from '../plan/url.js';
import type { ProbeSession } from './links.js';

/**
 * - yes: tried for real and the effect was seen
 * - no: not offered, or tried and the effect was missing
 * - ignored: accepted by the broker but without effect (a selector echoed and not applied)
 * - refused: the broker said no, with an AMQP condition
 * - fake: it looked accepted but the effect was wrong (a rolled-back message arrived)
 * - error: the check could not finish (timeout, lost connection, a bug)
 * - n/a: does not apply to this connection (TLS on amqp://)
 */
export type CapabilityStatus = 'yes' | 'no' | 'ignored' | 'refused' | 'fake' | 'error' | 'n/a';

export const CAPABILITY_STATUSES: readonly CapabilityStatus[] = [
  'yes',
  'no',
  'ignored',
  'refused',
  'fake',
  'error',
  'n/a',
];

export interface CapabilityResult {
  name: string;
  status: CapabilityStatus;
  detail: string;
}

export interface BrokerIdentity {
  product?: string;
  version?: string;
  containerId?: string;
}

export const PROBE_SCHEMA = 'salvo.probe/1';

export interface ProbeReport {
  schema: typeof PROBE_SCHEMA;
  /** The URL probed, password removed. */
  url: string;
  broker: BrokerIdentity;
  capabilities: CapabilityResult[];
}

/** What a check sees: the open connection and the probe's helpers. */
export interface ProbeContext {
  readonly connection: Connection;
  readonly url: AmqpUrl;
  /** Bound on every single wait, in ms. */
  readonly stepTimeoutMs: number;
  /** A fresh address for this capability: `<prefix>salvo.probe.<run>.<capability>`. */
  address(capability: string): string;
  /** A fresh session; the runner ends it after the check. */
  session(): ProbeSession;
}

export type CheckOutcome = Omit<CapabilityResult, 'name'>;

/** One capability check: one module under checks/, one of these each. */
export interface Check {
  readonly name: string;
  run(context: ProbeContext): Promise<CheckOutcome>;
}
