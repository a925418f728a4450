/**
 * A profile's `phases`: a run as a sequence of durations, each at a fixed
 * rate or a rate ramp (warm-up, steady, ramp ...). Phases decide the run's
 * duration, warm-up and rate, so they cannot be given beside them.
 *
 * They become duration = the sum, warm-up = the leading warm-up phases,
 * rate = the first phase's starting rate, and `plan.phases`, which each
 * sender link follows as a PhasedSchedule (src/metrics/schedule.ts): fixed
 * rates and linear ramps, one after the other, never re-based.
 */
import { PlanError } from './errors.js';
import type { PlanInput, RawPhase } from './input.js';
import { parseDurationMs, parseRamp, parseRateHz } from './units.js';

export interface PlannedPhase {
  name: string;
  durationMs: number;
  /** The rate at the phase's start and end, messages per second; equal for a fixed rate. */
  fromHz: number;
  toHz: number;
  /** Excluded from the totals, like --warmup; only leading phases may be. */
  warmup: boolean;
}

/** The input with duration, warm-up and rate taken from its phases, and the phases resolved. */
export function applyPhases(input: PlanInput): { input: PlanInput; phases?: PlannedPhase[] } {
  if (input.phases === undefined) return { input };
  const given = (['duration', 'warmup', 'rate'] as const).filter((key) => input[key] !== undefined);
  if (given.length > 0) {
    throw new PlanError(
      `--${given[0]} cannot be given with a profile's phases (they set duration, warm-up and rate), got ` +
        `--${given[0]} ${JSON.stringify(String(input[given[0]]))}`,
    );
  }
  const phases = input.phases.map(resolvePhase);
  const leading = phases.findIndex((phase) => !phase.warmup);
  if (leading === -1) throw new PlanError('phases: at least one phase must be measured (not warmup: true)');
  const late = phases.findIndex((phase, i) => i > leading && phase.warmup);
  if (late !== -1)
    throw new PlanError(
      `phases: only leading phases can be warm-up, got warmup: true on phase ${late + 1} (${phases[late]?.name})`,
    );
  const durationMs = phases.reduce((sum, phase) => sum + phase.durationMs, 0);
  const warmupMs = phases.slice(0, leading).reduce((sum, phase) => sum + phase.durationMs, 0);
  const first = phases[0] as PlannedPhase;
  // The plan's rate is the first phase's (open loop, and the links' phase offsets); the senders follow every phase.
  return { input: { ...input, duration: `${durationMs}ms`, warmup: `${warmupMs}ms`, rate: first.fromHz }, phases };
}

function resolvePhase(raw: RawPhase, i: number): PlannedPhase {
  const name = raw.name ?? `phase ${i + 1}`;
  const durationMs = parseDurationMs(raw.duration);
  if (durationMs === null || durationMs < 1)
    throw new PlanError(`phases: "${name}" needs a positive duration, got ${JSON.stringify(String(raw.duration))}`);
  const ramp = raw.ramp === undefined ? null : parseRamp(raw.ramp);
  const fixed = raw.rate === undefined ? null : parseRateHz(raw.rate);
  const rates = ramp ?? (fixed !== null && fixed > 0 ? { fromHz: fixed, toHz: fixed } : null);
  if (rates === null)
    throw new PlanError(
      `phases: "${name}" needs a positive rate or a ramp such as 1000-5000, got ` +
        `${JSON.stringify(String(raw.rate ?? raw.ramp ?? ''))}`,
    );
  return { name, durationMs, ...rates, warmup: raw.warmup ?? false };
}
