/**
 * The step policy of `salvo capacity`, pure: given the steps so far, the
 * next rate to try or why to stop. Doubling from the start rate until a
 * step fails, then bisecting between the highest pass below the lowest
 * failure and that failure, until the two are within the resolution. The
 * number of steps and the total time are bounded by the driver below.
 */

export interface SearchOptions {
  startRate: number;
  /** Growth factor of the exponential phase (2: doubling). */
  factor: number;
  /** Stop bisecting when (fail - pass) <= resolution * pass. */
  resolution: number;
  maxSteps: number;
  /** No step above this rate; reaching it passing ends the search. */
  maxRate?: number;
}

export const SEARCH_DEFAULTS = { startRate: 500, factor: 2, resolution: 0.1, maxSteps: 12 } as const;

export interface StepRecord {
  rate: number;
  pass: boolean;
}

export type StopReason = 'resolved' | 'first-step-failed' | 'max-steps' | 'max-time' | 'max-rate' | 'interrupted';

export type Next = { rate: number } | { stop: StopReason };

/** The highest passing rate below the lowest failing one (undefined: none passed there). */
export function bracket(steps: readonly StepRecord[]): { pass?: number; fail?: number } {
  const fails = steps.filter((s) => !s.pass).map((s) => s.rate);
  const fail = fails.length > 0 ? Math.min(...fails) : undefined;
  const passes = steps.filter((s) => s.pass && (fail === undefined || s.rate < fail)).map((s) => s.rate);
  return { pass: passes.length > 0 ? Math.max(...passes) : undefined, fail };
}

export function nextStep(steps: readonly StepRecord[], options: SearchOptions): Next {
  if (steps.length === 0) return { rate: clampRate(options.startRate, options) };
  if (steps.length >= options.maxSteps) return { stop: 'max-steps' };
  const { pass, fail } = bracket(steps);
  if (pass === undefined) return { stop: 'first-step-failed' };
  if (fail === undefined) {
    if (options.maxRate !== undefined && pass >= options.maxRate) return { stop: 'max-rate' };
    return { rate: clampRate(pass * options.factor, options) };
  }
  if (fail - pass <= options.resolution * pass) return { stop: 'resolved' };
  const mid = Math.round((pass + fail) / 2);
  // Integer rates: a bracket one apart cannot be split further.
  return mid <= pass || mid >= fail ? { stop: 'resolved' } : { rate: mid };
}

function clampRate(rate: number, options: SearchOptions): number {
  return Math.round(options.maxRate !== undefined ? Math.min(rate, options.maxRate) : rate);
}

export interface SearchOutcome<T extends StepRecord> {
  steps: T[];
  /** The highest rate that passed below the lowest failure; undefined when no step passed. */
  capacityRate?: number;
  stoppedBy: StopReason;
}

/**
 * Runs steps by the policy until it stops, the time budget would be
 * overrun by another step, or `aborted()` (or a step returning undefined)
 * says it was interrupted. `stepMs` is the
 * expected length of one step, so that the budget is never overrun by more
 * than the slack of one step.
 */
export async function searchCapacity<T extends StepRecord>(
  step: (rate: number, index: number) => Promise<T | undefined>,
  options: SearchOptions & { maxTimeMs: number; stepMs: number; now?: () => number; aborted?: () => boolean },
): Promise<SearchOutcome<T>> {
  const now = options.now ?? Date.now;
  const started = now();
  const steps: T[] = [];
  let stoppedBy: StopReason;
  for (;;) {
    const next = nextStep(steps, options);
    if ('stop' in next) {
      stoppedBy = next.stop;
      break;
    }
    if (steps.length > 0 && now() - started + options.stepMs > options.maxTimeMs) {
      stoppedBy = 'max-time';
      break;
    }
    const done = await step(next.rate, steps.length);
    // undefined: the step was interrupted and measured nothing to judge.
    if (done !== undefined) steps.push(done);
    if (done === undefined || options.aborted?.() === true) {
      stoppedBy = 'interrupted';
      break;
    }
  }
  const { pass } = bracket(steps);
  return { steps, ...(pass !== undefined ? { capacityRate: pass } : {}), stoppedBy };
}
