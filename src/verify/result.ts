/**
 * verify.json: the battery's table as data (schema versioned), and the exit
 * code it gives. Pure: battery.ts fills it, format.ts prints it.
 */
import type { BrokerIdentity, CapabilityResult } from '../probe/index.js';
import type { PromiseStatus, ScenarioStatus } from './judge.js';
import type { Size } from './promises.js';

export const VERIFY_SCHEMA = 'salvo.verify/1';

export interface ScenarioReport {
  label: string;
  status: ScenarioStatus;
  evidence: string;
  counts: Record<string, number>;
  /** The run's own result.json; absent when the run wrote none. */
  result?: string;
  elapsedMs: number;
}

export interface PromiseReport {
  number: number;
  id: string;
  title: string;
  status: PromiseStatus;
  /** The counts, the first examples of what broke, or why it was not offered, not run or skipped. */
  evidence: string;
  elapsedMs: number;
  scenarios: ScenarioReport[];
  /**
   * true when "not run" is salvo's own gap (no scenario for it yet): it does not fail the battery. A promise whose
   * runs measured nothing does.
   */
  unsupported?: true;
}

export interface VerifyResult {
  schema: typeof VERIFY_SCHEMA;
  id: string;
  /** The URL (password removed), or `embedded broker`. */
  target: string;
  broker: BrokerIdentity;
  size: Size;
  seed: number;
  /** --broker-chaos as given (the embedded broker's self-test). */
  brokerChaos?: string;
  startedAt: string;
  elapsedMs: number;
  /** What the probe found: the basis of every "not offered". */
  probe: CapabilityResult[];
  promises: PromiseReport[];
  /** Promises by status. */
  summary: Record<PromiseStatus, number>;
  /** 0 every offered promise that ran was kept, 1 one was broken or could not be checked. */
  exitCode: 0 | 1;
}

export const STATUSES: readonly PromiseStatus[] = [
  'kept',
  'broken',
  'not kept',
  'not offered',
  'not run',
  'skipped',
] as const;

/**
 * 1 when a promise is broken, or when one the broker offers ran and measured
 * nothing (a battery that checked nothing passes nothing). "Not kept" (order,
 * which not every broker promises), "not offered", "skipped" and salvo's own
 * gaps leave it 0.
 */
export function exitCodeOf(promises: readonly PromiseReport[]): 0 | 1 {
  const failing = promises.some((p) => p.status === 'broken' || (p.status === 'not run' && !p.unsupported));
  return failing ? 1 : 0;
}

export function summaryOf(promises: readonly PromiseReport[]): Record<PromiseStatus, number> {
  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<PromiseStatus, number>;
  for (const p of promises) summary[p.status]++;
  return summary;
}
