/**
 * What `salvo capacity` prints and writes: the table of steps, the verdict
 * line (the highest passing rate, and who set the knee), capacity.json.
 */
import type { Limiter } from './judge.js';
import type { StepResult } from './run-step.js';
import type { StopReason } from './search.js';
import { formatUs } from '../results/thresholds.js';

export const CAPACITY_SCHEMA = 'salvo.capacity/1';

export interface CapacityResult {
  schema: typeof CAPACITY_SCHEMA;
  id: string;
  target: string;
  /** Present when the URL named no address: the one the steps used, e.g. `salvo (the URL named none)`. */
  address?: string;
  slos: string[];
  settings: {
    startRate: number;
    factor: number;
    resolution: number;
    maxSteps: number;
    maxTimeMs: number;
    stepDurationMs: number;
    stepWarmupMs: number;
    maxSendDelayUs: number;
    maxRate?: number;
  };
  /** The highest rate (msg/s) that met every SLO with no backlog growth and no generator lag; null when none did. */
  capacityRate: number | null;
  /** The lowest failing step, if any: where the knee is, and who set it. */
  knee: { rate: number; limitedBy: Limiter; reasons: string[] } | null;
  stoppedBy: StopReason;
  verdict: string;
  steps: StepResult[];
  elapsedMs: number;
}

const HINTS: Record<Limiter, (maxInFlight: number) => string> = {
  generator: () => "the knee is salvo's generator, not the broker: add --senders (or --connections) and run again",
  'in-flight': (n) =>
    `the knee is salvo's in-flight limit (--max-in-flight ${n}), not the broker: raise --max-in-flight`,
  broker: () => 'the knee is the broker (or the network): salvo kept its schedule',
  both: () =>
    "salvo's generator and the broker both fell behind: on one host they share its CPU, so run salvo on another host " +
    'to tell them apart',
};

/** What would let a search that found no failure go further. */
const FURTHER: Partial<Record<StopReason, string>> = {
  'max-steps': 'more --max-steps',
  'max-time': 'a longer --max-time',
  'max-rate': 'a higher --max-rate',
};

export function kneeOf(steps: readonly StepResult[]): StepResult | undefined {
  const fails = steps.filter((s) => !s.pass);
  return fails.length === 0 ? undefined : fails.reduce((a, b) => (b.rate < a.rate ? b : a));
}

export function verdictLine(
  capacityRate: number | undefined,
  knee: StepResult | undefined,
  stoppedBy: StopReason,
  maxInFlight: number,
): string {
  if (capacityRate === undefined) {
    const why = knee ? `${knee.rate} msg/s failed: ${knee.reasons.join('; ')}` : 'no step ran';
    return `no rate met the objectives: ${why}${knee?.limitedBy ? `; ${HINTS[knee.limitedBy](maxInFlight)}` : ''}`;
  }
  if (knee === undefined)
    return (
      `capacity at least ${capacityRate} msg/s: no step failed (stopped by ` +
      `${stoppedBy})${FURTHER[stoppedBy] ? `; ${FURTHER[stoppedBy]} may find the knee` : ''}`
    );
  const hint = knee.limitedBy ? HINTS[knee.limitedBy](maxInFlight) : '';
  return `capacity ${capacityRate} msg/s (${knee.rate} msg/s failed: ${knee.reasons.join('; ')}); ${hint}`;
}

const COLUMNS = [
  'step',
  'rate',
  'achieved',
  'service p50',
  'service p99',
  'corrected p99',
  'sendDelay p99',
  'backlog',
  'result',
] as const;

export function formatTable(steps: readonly StepResult[]): string {
  const rows = steps.map((s) => [
    String(s.index),
    String(s.rate),
    String(Math.round(s.achievedRate)),
    us(s.latency.service?.p50),
    us(s.latency.service?.p99),
    us(s.latency.corrected?.p99),
    us(s.latency.sendDelay?.p99),
    s.backlogGrowth > 0 ? `+${s.backlogGrowth}` : '0',
    s.pass ? 'PASS' : `FAIL ${s.reasons.join('; ')}`,
  ]);
  const widths = COLUMNS.map((c, i) =>
    Math.max(c.length, ...rows.map((r) => (i === COLUMNS.length - 1 ? 0 : r[i].length))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ');
  return [line(COLUMNS), ...rows.map(line)].join('\n');
}

/** One step as it ends, for stderr while the search goes on. */
export function stepLine(s: StepResult): string {
  return (
    `step ${s.index}: ${s.rate} msg/s, achieved ${Math.round(s.achievedRate)}, service p99 ` +
    `${us(s.latency.service?.p99)}, sendDelay p99 ${us(s.latency.sendDelay?.p99)}: ` +
    `${s.pass ? 'PASS' : `FAIL (${s.reasons.join('; ')})`}`
  );
}

export function formatCapacity(result: CapacityResult, file: string): string {
  return [
    `Capacity   ${result.target}, objectives ${result.slos.join(', ') || '(none: backlog and generator only)'}`,
    ...(result.address !== undefined ? [`Address    ${result.address}`] : []),
    '',
    formatTable(result.steps),
    '',
    `Verdict    ${result.verdict}`,
    `Result     ${file}`,
  ].join('\n');
}

function us(value: number | undefined): string {
  return value === undefined ? '-' : formatUs(value);
}
