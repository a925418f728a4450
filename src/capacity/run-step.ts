/**
 * One capacity step: a short open-loop `salvo run` at one rate (warm-up
 * included, excluded from the figures) through executeRun, its result
 * written to its own folder, cut down to the summary capacity.json keeps.
 */
import { executeRun, type RunContext } from '../coordinator/run.js';
import { resolvePlan, type PlanInput } from '../plan/index.js';
import { writeResult } from '../results/write.js';
import type { Objective } from '../plan/index.js';
import {
  judgeStep,
  stepLatency,
  type JudgeBounds,
  type Limiter,
  type ObjectiveMeasure,
  type StepLatency,
} from './judge.js';

export interface StepSettings {
  /** The workload (profile and flags) every step shares; rate, duration, warm-up and output are the step's. */
  input: PlanInput;
  slos: readonly Objective[];
  bounds: JudgeBounds;
  durationMs: number;
  warmupMs: number;
  /** Folder of the whole search; step N writes its result to <dir>/step-N. */
  dir: string;
  id: string;
}

/** A step as capacity.json keeps it: rates in msg/s, latencies in µs. */
export interface StepResult {
  index: number;
  rate: number;
  pass: boolean;
  reasons: string[];
  limitedBy?: Limiter;
  achievedRate: number;
  acceptRate: number;
  receiveRate: number;
  sent: number;
  accepted: number;
  received: number;
  unsent: number;
  backlog: number;
  backlogGrowth: number;
  /** Share of sender passes that stopped at the in-flight limit. */
  inFlightFullShare: number;
  latency: StepLatency;
  /** Each --slo as this step measured it. */
  objectives: ObjectiveMeasure[];
  /** Run again after the search, at the capacity or knee rate, to see whether its verdict holds. */
  repeat?: true;
  /** The step's own result.json. */
  result: string;
}

export async function runStep(
  rate: number,
  index: number,
  settings: StepSettings,
  context: Pick<RunContext, 'progress' | 'signal'>,
  repeat = false,
): Promise<StepResult> {
  const stepDir = `${settings.dir}/step-${index + 1}`;
  const plan = resolvePlan({
    ...settings.input,
    rate,
    duration: `${settings.durationMs}ms`,
    warmup: `${settings.warmupMs}ms`,
    count: undefined,
    runId: `${settings.id}-step-${index + 1}`,
    output: stepDir,
    quiet: true,
    json: false,
  });
  const outcome = await executeRun(plan, context);
  if (outcome.failure) throw outcome.failure;
  const { result } = outcome;
  writeResult(stepDir, { result, hlogs: outcome.hlogs });
  const t = result.totals;
  const problems = [...result.problems, ...result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)];
  const judged = judgeStep(
    { rate, totals: t, latency: result.latency, receivers: plan.receivers, timeseries: result.timeseries, problems },
    settings.slos,
    settings.bounds,
  );
  return {
    index: index + 1,
    rate,
    pass: judged.pass,
    reasons: judged.reasons,
    ...(judged.limitedBy ? { limitedBy: judged.limitedBy } : {}),
    achievedRate: t.sendRate,
    acceptRate: t.acceptRate,
    receiveRate: t.receiveRate,
    sent: t.sent,
    accepted: t.accepted,
    received: t.received,
    unsent: t.unsent,
    backlog: judged.backlog,
    backlogGrowth: judged.backlogGrowth,
    inFlightFullShare: t.passes > 0 ? Math.round((t.passesInFlightFull / t.passes) * 1000) / 1000 : 0,
    latency: stepLatency(result.latency),
    objectives: judged.objectives,
    ...(repeat ? { repeat: true as const } : {}),
    result: `${stepDir}/result.json`,
  };
}
