/** `salvo run --shards N --shard-index I`: the index from the flag or an Indexed Job's environment, and --print-plan. */
import { PlanError, type Plan, type PlanInput } from '../plan/index.js';
import { planHash, shardIndexMissing, shardParts, withShards, type ShardPart } from '../plan/shards.js';

/** The variable a Kubernetes Indexed Job sets in each pod: its completion index. */
export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/**
 * Each plan with --shards applied; the index defaults to JOB_COMPLETION_INDEX. A run needs an index; --print-plan
 * does not (it shows every part).
 */
export function shardedPlans(
  plans: readonly Plan[],
  input: PlanInput,
  env: Readonly<Record<string, string | undefined>>,
  printing: boolean,
): Plan[] {
  const fromEnv = env[SHARD_INDEX_ENV];
  const given: PlanInput =
    input.shardIndex === undefined && fromEnv !== undefined && fromEnv !== ''
      ? { ...input, shardIndex: fromEnv, shardIndexFrom: 'env' }
      : input;
  const sharded = plans.map((plan) => withShards(plan, given));
  for (const plan of sharded)
    if (!printing && plan.shards !== undefined && plan.shards.index === null)
      throw new PlanError(shardIndexMissing(plan.shards.count));
  return sharded;
}

/** What --print-plan shows of a sharded plan: the plan, its hash, and every shard's part. */
export type PrintedPlan = Plan | (Plan & { planHash: string; shardParts: ShardPart[] });

export function printedShardPlan(plan: Plan): PrintedPlan {
  if (plan.shards === undefined) return plan;
  return { ...plan, planHash: planHash(plan), shardParts: shardParts(plan, plan.shards.count) };
}
