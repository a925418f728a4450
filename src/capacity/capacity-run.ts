/**
 * One `salvo capacity` from start to finish, once its options are checked:
 * the pre-flight, the search, the repeats of the capacity and the knee, and
 * the CapacityResult that capacity.json, capacity.html and the summary are
 * made from. The command (src/cli/capacity-command.ts) parses, writes and
 * sets the exit code; this drives, and says each step as it ends.
 */
import type { RunContext } from '../coordinator/run.js';
import { SalvoError } from '../errors.js';
import type { Objective, PlanInput } from '../plan/index.js';
import {
  CAPACITY_SCHEMA,
  kneeOf,
  preflightLines,
  stepLine,
  surenessOf,
  verdictLine,
  type CapacityResult,
  type HostContext,
} from './format.js';
import { hostLimitOf } from './host-ceiling.js';
import { runPreflight, type Preflight } from './preflight.js';
import { confidenceOf, repeatRates } from './repeat.js';
import { runStep, type StepResult, type StepSettings } from './run-step.js';
import { searchCapacity, type SearchOptions, type StopReason } from './search.js';

/** What one step may take beyond its duration: the pool start and the drain. */
const STEP_SLACK_MS = 3_000;

export interface CapacityConfig {
  /** capacity.json's identity: its id, the target as shown, and the defaulted address when the URL named none. */
  header: Pick<CapacityResult, 'id' | 'target' | 'address'>;
  url: string | undefined;
  slos: readonly Objective[];
  search: SearchOptions & { maxTimeMs: number };
  steps: StepSettings & { input: PlanInput };
  maxSendDelayUs: number;
  repeat: number;
  preflight: boolean;
  /** The plan's --max-in-flight, which the in-flight advice names. */
  maxInFlight: number;
}

type Context = Pick<RunContext, 'progress' | 'signal'>;

export async function runCapacity(
  config: CapacityConfig,
  context: Context,
  say: (line: string) => void,
): Promise<CapacityResult> {
  const started = Date.now();
  const host = config.preflight ? await measureHost(config, context, say) : { skipped: '--no-preflight' };
  const stepMs = config.steps.durationMs + STEP_SLACK_MS;
  const runOne = async (rate: number, index: number, again: boolean): Promise<StepResult | undefined> => {
    try {
      const step = await runStep(rate, index, config.steps, context, again);
      say(stepLine(step));
      return step;
    } catch (error) {
      // Ctrl-C mid-step: the steps so far are still written, the interrupted one is not judged.
      if (error instanceof SalvoError && error.code === 'interrupted') return undefined;
      throw error;
    }
  };
  const outcome = context.signal.aborted
    ? { steps: [] as StepResult[], stoppedBy: 'interrupted' as StopReason }
    : await searchCapacity((rate, index) => runOne(rate, index, false), {
        ...config.search,
        maxTimeMs: Math.max(0, config.search.maxTimeMs - (Date.now() - started)),
        stepMs,
        aborted: () => context.signal.aborted,
      });
  const knee = kneeOf(outcome.steps);
  const steps = [...outcome.steps];
  let stoppedBy = outcome.stoppedBy;
  if (stoppedBy !== 'interrupted') {
    // The capacity and the knee again, alternately, within the same time budget.
    for (const rate of repeatRates(outcome.capacityRate, knee?.rate, config.repeat)) {
      if (Date.now() - started + stepMs > config.search.maxTimeMs) break;
      const again = await runOne(rate, steps.length, true);
      if (again !== undefined) steps.push(again);
      if (again === undefined || context.signal.aborted) {
        stoppedBy = 'interrupted';
        break;
      }
    }
  }
  const confidence =
    outcome.steps.length === 0 || stoppedBy === 'interrupted'
      ? null
      : confidenceOf(steps, config.slos, { capacityRate: outcome.capacityRate, kneeRate: knee?.rate }, config.repeat);
  const preflight = 'figures' in host ? host.figures : null;
  const limitedBy = knee?.limitedBy ?? 'broker';
  const hostLimit = knee && preflight ? hostLimitOf({ rate: knee.rate, limitedBy }, preflight) : undefined;
  const hostContext: HostContext | undefined = hostLimit && preflight ? { limit: hostLimit, preflight } : undefined;
  return {
    schema: CAPACITY_SCHEMA,
    ...config.header,
    slos: config.slos.map((s) => s.text),
    settings: {
      ...config.search,
      stepDurationMs: config.steps.durationMs,
      stepWarmupMs: config.steps.warmupMs,
      maxSendDelayUs: config.maxSendDelayUs,
      repeat: config.repeat,
    },
    preflight,
    ...('skipped' in host ? { preflightSkipped: host.skipped } : {}),
    capacityRate: outcome.capacityRate ?? null,
    knee: knee
      ? { rate: knee.rate, limitedBy, reasons: knee.reasons, ...(hostLimit ? { host: hostLimit } : {}) }
      : null,
    stoppedBy,
    verdict: verdictLine(
      outcome.capacityRate,
      knee,
      outcome.stoppedBy,
      config.maxInFlight,
      hostContext,
      confidence ?? undefined,
    ),
    confidence,
    sureness: surenessOf(confidence, config.slos, config.repeat, stoppedBy),
    steps,
    elapsedMs: Date.now() - started,
  };
}

/** The pre-flight, said line by line before the search; an interrupt in it is a reason, not an error. */
async function measureHost(
  config: CapacityConfig,
  context: Context,
  say: (line: string) => void,
): Promise<{ figures: Preflight } | { skipped: string }> {
  say('pre-flight: what this host can generate (a few seconds)');
  const limits = {
    maxSendDelayUs: config.maxSendDelayUs,
    ...(config.search.maxRate !== undefined ? { maxRate: config.search.maxRate } : {}),
  };
  const measured = await runPreflight(config.steps.input, config.url, limits, context).catch((error: unknown) => {
    // Ctrl-C in the pre-flight: no search follows, capacity.json still says so.
    if (error instanceof SalvoError && error.code === 'interrupted') return { ok: false as const, why: 'interrupted' };
    throw error;
  });
  if (!measured.ok) {
    say(`pre-flight: no figures (${measured.why})`);
    return { skipped: measured.why };
  }
  for (const line of preflightLines(measured.figures, config.search.startRate)) say(`pre-flight: ${line}`);
  return { figures: measured.figures };
}
