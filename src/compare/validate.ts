/**
 * Whether results can be compared at all, pure: each must be a salvo result
 * of a complete run that passed its checks, and every run on both sides must
 * have run the same workload. Anything else is unusable input (exit 2), with
 * one line that names the file and the reason: comparing a failed run's
 * figures, or 100-byte messages against 1 KiB ones, would gate on nonsense.
 */
import { SalvoError } from '../errors.js';
import type { Plan } from '../plan/index.js';
import { RESULT_SCHEMA, type RunResult } from '../results/result.js';
import type { RunData } from './samples.js';

export class CompareInputError extends SalvoError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'CompareInputError';
  }
}

/** A run and where it was read from (for messages). */
export interface SourcedResult extends RunData {
  source: string;
}

/** The parsed JSON of `source` as a usable RunResult, or a CompareInputError saying why not. */
export function usableResult(value: unknown, source: string): RunResult {
  if (!isRecord(value) || typeof value.schema !== 'string' || !value.schema.startsWith('salvo.result/')) {
    throw new CompareInputError(`${source}: not a salvo result (no "schema": "${RESULT_SCHEMA}")`);
  }
  if (value.schema !== RESULT_SCHEMA) {
    throw new CompareInputError(`${source}: result schema ${value.schema}, this salvo reads ${RESULT_SCHEMA}`);
  }
  const damage = shapeProblem(value);
  if (damage !== undefined) throw new CompareInputError(`${source}: not a salvo result (${damage})`);
  // The shape compare reads is the schema's from here on; whether the run is usable is checked next.
  const result = value as unknown as RunResult;
  refuseUnfinished(result, source);
  return result;
}

/**
 * The first part of the schema compare relies on that is missing or of the
 * wrong type. Figures themselves (counts, rates, percentiles) are not checked
 * here: one that is not a number is left out where it is read.
 */
function shapeProblem(value: Record<string, unknown>): string | undefined {
  for (const key of ['plan', 'totals', 'latency'] as const) {
    if (!isRecord(value[key])) return `no "${key}" object`;
  }
  for (const key of ['timeseries', 'checks', 'problems'] as const) {
    if (!Array.isArray(value[key])) return `no "${key}" list`;
  }
  const plan = value.plan as Record<string, unknown>;
  if (!isRecord(plan.target) || typeof plan.target.kind !== 'string') return 'no "plan.target.kind"';
  if (!Array.isArray(plan.addresses)) return 'no "plan.addresses" list';
  for (const [kind, summary] of Object.entries(value.latency as Record<string, unknown>)) {
    if (!isRecord(summary)) return `"latency.${kind}" is not an object`;
  }
  const badPoint = (value.timeseries as unknown[]).findIndex((point) => !isRecord(point));
  if (badPoint >= 0) return `"timeseries[${badPoint}]" is not an object`;
  const badCheck = (value.checks as unknown[]).findIndex((check) => !isRecord(check) || typeof check.ok !== 'boolean');
  if (badCheck >= 0) return `"checks[${badCheck}]" has no true or false "ok"`;
  if (value.verdict !== undefined && (!isRecord(value.verdict) || !Array.isArray(value.verdict.failed)))
    return '"verdict" has no "failed" list';
  return undefined;
}

function refuseUnfinished(result: RunResult, source: string): void {
  if (result.complete !== true) {
    throw new CompareInputError(
      `${source}: incomplete run (${String(result.problems[0] ?? 'no reason recorded')}): its figures are not ` +
        `comparable`,
    );
  }
  if (result.verdict?.ok === false) {
    throw new CompareInputError(
      `${source}: failed delivery verdict (${result.verdict.failed.join(', ')}): its figures are not comparable`,
    );
  }
  const failed = result.checks.find((check) => !check.ok);
  if (failed !== undefined) {
    throw new CompareInputError(
      `${source}: failed check "${String(failed.name)}" (${String(failed.detail)}): its figures are not comparable`,
    );
  }
}

/**
 * What makes two runs the same workload: a different value of any of these
 * changes what the figures mean. Not here: count, duration and warm-up (a
 * longer run measures the same thing, with more samples), addresses' names,
 * output and printing options. `pattern` and `faults` are read when a plan
 * has them (plans of other salvo versions may).
 */
export const WORKLOAD_FIELDS: readonly { label: string; read: (plan: Plan) => unknown }[] = [
  { label: 'pattern', read: (plan) => optional(plan, 'pattern') },
  { label: 'rpc', read: (plan) => plan.rpc },
  { label: 'faults', read: (plan) => optional(plan, 'faults') },
  { label: 'broker chaos', read: (plan) => plan.brokerChaos },
  { label: 'target', read: (plan) => plan.target.kind },
  { label: 'settle', read: (plan) => plan.settle },
  { label: 'body size', read: (plan) => plan.bodySize },
  { label: 'durable', read: (plan) => plan.durable },
  { label: 'rate', read: (plan) => plan.rateHz ?? 'closed loop' },
  { label: 'senders', read: (plan) => plan.senders },
  { label: 'receivers', read: (plan) => plan.receivers },
  { label: 'connections', read: (plan) => plan.connections },
  { label: 'links', read: (plan) => plan.links },
  { label: 'addresses', read: (plan) => plan.addresses.length },
  { label: 'credit', read: (plan) => plan.credit },
  { label: 'max in flight', read: (plan) => plan.maxInFlight },
  // The seed is not: it picks which messages carry which values, not their mix.
  { label: 'message properties', read: (plan) => plan.messageProperties?.properties },
  { label: 'receiver selector', read: (plan) => plan.recvSelector },
  // A distribution's sizes and weights, not its seed (as with message properties).
  {
    label: 'body sizes',
    read: (plan) => (plan.bodySizes ? [plan.bodySizes.sizes, plan.bodySizes.weights] : undefined),
  },
  { label: 'receive rate', read: (plan) => plan.recvRateHz },
  { label: 'receive delay', read: (plan) => plan.recvDelayMs },
  { label: 'subscriptions', read: (plan) => plan.topic },
  { label: 'message ttl', read: (plan) => plan.msgTtlMs },
  { label: 'message priority', read: (plan) => plan.msgPriority?.values },
  { label: 'receivers start after', read: (plan) => plan.recvStartAfterMs },
  // The user's own labels (--tag): runs tagged apart are different workloads by the user's say.
  { label: 'tags', read: (plan) => plan.tags },
];

/** Every run, on either side, against the baseline's first: the first difference found, as a CompareInputError. */
export function requireSameWorkload(baseline: readonly SourcedResult[], current: readonly SourcedResult[]): void {
  const reference = baseline[0] ?? current[0];
  if (reference === undefined) return;
  for (const other of [...baseline, ...current]) {
    for (const field of WORKLOAD_FIELDS) {
      const a = field.read(reference.result.plan);
      const b = field.read(other.result.plan);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        throw new CompareInputError(
          `different workloads: ${field.label} ${show(a)} in ${reference.source}, ${show(b)} in ${other.source}`,
        );
      }
    }
  }
}

function optional(plan: Plan, key: string): unknown {
  return (plan as unknown as Record<string, unknown>)[key];
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
