/**
 * Service-level objectives of `salvo capacity`: `KIND.PERCENTILE<DURATION`
 * for a latency (service.p99<10ms, sendDelay.p99<1ms) or `throughput>N`
 * (msg/s accepted). Pure: parsing and judging, no I/O.
 */
import { PlanError } from '../plan/index.js';

export const SLO_KINDS = ['service', 'corrected', 'endToEnd', 'sendDelay'] as const;
export type SloKind = (typeof SLO_KINDS)[number];
export const SLO_PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;
export type SloPercentile = (typeof SLO_PERCENTILES)[number];

export type Slo =
  | { type: 'latency'; text: string; kind: SloKind; percentile: SloPercentile; limitUs: number }
  | { type: 'throughput'; text: string; minRate: number };

/** What a step measured that an SLO can be judged on: latency percentiles in µs (absent: none recorded). */
export interface SloBasis {
  latency: Partial<Record<SloKind, Partial<Record<SloPercentile, number>>>>;
  acceptRate: number;
}

export interface SloJudgement {
  ok: boolean;
  /** One phrase, e.g. "service.p99 12.3ms > 10ms". */
  detail: string;
}

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000 };

export function parseSlos(texts: readonly string[]): Slo[] {
  return texts.map(parseSlo);
}

/** One --slo; a bad one is a PlanError naming the token and what was expected. */
export function parseSlo(raw: string): Slo {
  const text = raw.replace(/\s+/g, '');
  const bad = (why: string): PlanError => new PlanError(`--slo ${JSON.stringify(raw)}: ${why}`);
  const throughput = /^throughput>(.*)$/.exec(text);
  if (throughput) {
    const rate = Number(throughput[1].replace(/(msg)?\/s$/, ''));
    if (throughput[1] === '' || !Number.isFinite(rate) || rate <= 0)
      throw bad('expected a positive rate in msg/s, like throughput>5000');
    return { type: 'throughput', text, minRate: rate };
  }
  const match = /^([A-Za-z]+)\.([A-Za-z0-9]+)<(.*)$/.exec(text);
  if (!match) throw bad('expected KIND.PERCENTILE<DURATION (like service.p99<10ms) or throughput>N');
  const [, kind, percentile, limit] = match;
  if (!(SLO_KINDS as readonly string[]).includes(kind))
    throw bad(`unknown latency kind "${kind}", expected one of ${SLO_KINDS.join(', ')}`);
  if (!(SLO_PERCENTILES as readonly string[]).includes(percentile))
    throw bad(`unknown percentile "${percentile}", expected one of ${SLO_PERCENTILES.join(', ')}`);
  const duration = /^(\d+(?:\.\d+)?)([a-zµ]*)$/.exec(limit);
  if (!duration) throw bad(`expected a duration like 10ms after "<", got "${limit}"`);
  if (duration[2] === '') throw bad('expected a unit (us, ms or s)');
  const unit = UNIT_US[duration[2]];
  if (unit === undefined) throw bad(`unknown unit "${duration[2]}", expected us, ms or s`);
  const limitUs = Number(duration[1]) * unit;
  if (limitUs <= 0) throw bad('expected a limit above zero');
  return { type: 'latency', text, kind: kind as SloKind, percentile: percentile as SloPercentile, limitUs };
}

/** A latency with nothing recorded fails: a step that measured nothing never meets an objective. */
export function judgeSlo(slo: Slo, basis: SloBasis): SloJudgement {
  if (slo.type === 'throughput') {
    const ok = basis.acceptRate > slo.minRate;
    return { ok, detail: `throughput ${Math.round(basis.acceptRate)} msg/s ${ok ? '>' : '<='} ${slo.minRate}` };
  }
  const name = `${slo.kind}.${slo.percentile}`;
  const valueUs = basis.latency[slo.kind]?.[slo.percentile];
  if (valueUs === undefined) return { ok: false, detail: `${name}: none recorded` };
  const ok = valueUs < slo.limitUs;
  return { ok, detail: `${name} ${formatUs(valueUs)} ${ok ? '<' : '>='} ${formatUs(slo.limitUs)}` };
}

/** µs as the shortest readable duration: 850µs, 12.3ms, 1.20s. */
export function formatUs(us: number): string {
  if (us < 1_000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}
