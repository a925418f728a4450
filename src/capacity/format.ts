/**
 * What `salvo capacity` prints and writes: the pre-flight's lines, the
 * table of steps, the verdict line (the highest passing rate, who set the
 * knee, and what would help on this host), how sure it is, capacity.json.
 */
import type { Objective } from '../plan/index.js';
import { formatUs } from '../results/thresholds.js';
import { HOST_BOUND_SHARE, type BrokerPlacement, type HostLimit } from './host-ceiling.js';
import type { Limiter } from './judge.js';
import type { Preflight } from './preflight.js';
import { surenessLine, type Confidence } from './repeat.js';
import type { StepResult } from './run-step.js';
import type { StopReason } from './search.js';

/**
 * Still version 1: fields were added (preflight, preflightSkipped, confidence, sureness, settings.repeat, knee.host,
 * steps[].objectives, steps[].repeat), none removed or changed in meaning.
 */
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
    /** Runs at the capacity and at the knee, the search's own included. */
    repeat: number;
  };
  /** What this host could generate, measured before the search; null with --no-preflight or when it measured too little. */
  preflight: Preflight | null;
  /** Why the pre-flight gave no figures, when it did not. */
  preflightSkipped?: string;
  /** The highest rate (msg/s) that met every SLO with no backlog growth and no generator lag; null when none did. */
  capacityRate: number | null;
  /** The lowest failing step, if any: where the knee is, and who set it. */
  knee: { rate: number; limitedBy: Limiter; reasons: string[]; host?: HostLimit } | null;
  stoppedBy: StopReason;
  verdict: string;
  /** The capacity and knee run again: how often each gave the search's answer, and each objective's spread. */
  confidence: Confidence | null;
  /** The verdict's sureness, one line. */
  sureness: string;
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

/** What would help when this host, not the broker, set the knee. */
const SPREAD = 'run salvo on another machine, or spread the load over several (--shards)';

/** The knee of the search's own steps (repeats are judged apart, in repeat.ts). */
export function kneeOf(steps: readonly StepResult[]): StepResult | undefined {
  const fails = steps.filter((s) => !s.pass && s.repeat !== true);
  return fails.length === 0 ? undefined : fails.reduce((a, b) => (b.rate < a.rate ? b : a));
}

/** The pre-flight's judgement of the knee, for the verdict's advice. */
export interface HostContext {
  limit: HostLimit;
  preflight: Pick<Preflight, 'ceilingRate' | 'busy' | 'placement'>;
}

/** The advice when the host set the knee: never more threads on a box with no CPU to give them. */
export function hostHint(host: HostContext): string {
  if (host.limit === 'cpu') {
    const shared = SHARED[host.preflight.placement];
    return (
      `limited by this host, not the broker: the knee is at its ceiling (about ${thousands(host.preflight.ceilingRate)} ` +
      `msg/s from the pre-flight${shared}); more --senders add no CPU: ${SPREAD}`
    );
  }
  return (
    `limited by this host, not the broker: it is busy (${host.preflight.busy.join(', ')}), so salvo's threads wait ` +
    `for a CPU and fall behind at any rate; more --senders would only add to the wait: run salvo on a quieter host, ` +
    'or on another machine'
  );
}

const SHARED: Record<BrokerPlacement, string> = {
  embedded: ', the embedded broker sharing its CPU',
  loopback: ', the broker sharing its CPU',
  remote: '',
};

export function verdictLine(
  capacityRate: number | undefined,
  knee: StepResult | undefined,
  stoppedBy: StopReason,
  maxInFlight: number,
  host?: HostContext,
  confidence?: Confidence,
): string {
  const hint = host ? hostHint(host) : knee?.limitedBy ? HINTS[knee.limitedBy](maxInFlight) : '';
  // "only" when a rerun gave the other answer: the figure stands, but it is not settled (the Sureness line says why).
  const heldAt = (r: Confidence['capacity']): string =>
    r && r.runs > 1 ? ` ${r.held < r.runs ? 'only ' : ''}${r.held}/${r.runs}` : '';
  const failed = knee ? `${knee.rate} msg/s failed${heldAt(confidence?.knee)}: ${knee.reasons.join('; ')}` : '';
  if (capacityRate === undefined && knee === undefined)
    return stoppedBy === 'interrupted'
      ? 'interrupted before any step was judged'
      : 'no rate met the objectives: no step ran';
  if (capacityRate === undefined) return `no rate met the objectives: ${failed}${hint ? `; ${hint}` : ''}`;
  const held = heldAt(confidence?.capacity) === '' ? '' : `, held${heldAt(confidence?.capacity)}`;
  if (knee === undefined)
    return (
      `capacity at least ${capacityRate} msg/s${held}: no step failed (stopped by ` +
      `${stoppedBy})${FURTHER[stoppedBy] ? `; ${FURTHER[stoppedBy]} may find the knee` : ''}`
    );
  return `capacity ${capacityRate} msg/s${held} (${failed}); ${hint}`;
}

/** The pre-flight as printed before the search and under the table: what the host has, and its ceiling. */
export function preflightLines(preflight: Preflight, startRate: number): string[] {
  const broker = BROKER_CPU[preflight.placement];
  const lines = [
    `${preflight.cores} cores, ${preflight.freeCores.toFixed(2)} idle, load average ${preflight.loadAverage1m.toFixed(1)}, ` +
      `timers late ${formatUs(preflight.wakeUpLateUs.p99)} at p99; salvo ${preflight.salvoCpuUsPerMsg}µs CPU a message ` +
      `(${broker}), ${thousands(preflight.reachedRate)} msg/s ${preflight.loadRate === null ? 'flat out' : `at --max-rate ${preflight.loadRate}`}`,
    `above about ${thousands(preflight.ceilingRate)} msg/s a knee would be this host's, not the broker's`,
  ];
  if (preflight.busy.length > 0)
    lines.push(
      `this host is busy (${preflight.busy.join(', ')}): salvo's send delay may fail steps at any rate; ` +
        'a quieter host or another machine measures the broker',
    );
  if (startRate >= HOST_BOUND_SHARE * preflight.ceilingRate)
    lines.push(`--start-rate ${startRate} is at this host's ceiling already: the steps will measure the host`);
  return lines;
}

const BROKER_CPU: Record<BrokerPlacement, string> = {
  embedded: 'the embedded broker counted: it shares the process',
  loopback: "the broker on this host: its CPU counted from the host's counters",
  remote: 'the broker is on another host',
};

function thousands(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'unbounded';
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
    `${s.pass ? 'PASS' : `FAIL ${s.reasons.join('; ')}`}${s.repeat ? ' (repeat)' : ''}`,
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
    `step ${s.index}${s.repeat ? ' (repeat)' : ''}: ${s.rate} msg/s, achieved ${Math.round(s.achievedRate)}, service p99 ` +
    `${us(s.latency.service?.p99)}, sendDelay p99 ${us(s.latency.sendDelay?.p99)}: ` +
    `${s.pass ? 'PASS' : `FAIL (${s.reasons.join('; ')})`}`
  );
}

export function formatCapacity(result: CapacityResult, file: string, html?: string): string {
  const host = result.preflight
    ? preflightLines(result.preflight, result.settings.startRate)
    : [`no pre-flight: ${result.preflightSkipped ?? 'skipped'}`];
  return [
    `Capacity   ${result.target}, objectives ${result.slos.join(', ') || '(none: backlog and generator only)'}`,
    ...(result.address !== undefined ? [`Address    ${result.address}`] : []),
    ...host.map((line, i) => `${i === 0 ? 'Host' : ''}`.padEnd(11) + line),
    '',
    formatTable(result.steps),
    '',
    `Verdict    ${result.verdict}`,
    `Sureness   ${result.sureness}`,
    `Result     ${file}`,
    ...(html !== undefined ? [`Report     ${html}`] : []),
  ].join('\n');
}

/** The sureness line of a result, from its confidence (or why there is none). */
export function surenessOf(
  confidence: Confidence | null,
  slos: readonly Objective[],
  repeat: number,
  stoppedBy: StopReason,
): string {
  if (stoppedBy === 'interrupted') return 'not repeated: interrupted';
  if (confidence === null) return 'nothing to repeat: no step was judged';
  return surenessLine(confidence, slos, repeat);
}

function us(value: number | undefined): string {
  return value === undefined ? '-' : formatUs(value);
}
