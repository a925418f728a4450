/**
 * Shards: one run spread over N processes (pods, VMs, CI runners). The plan
 * is expanded once into the whole run's links, in one order that does not
 * depend on N; shard I owns a contiguous block of the sender links and one of
 * the receiver links. A link's id (the producer id its messages carry), its
 * count and its rate are the unsharded plan's, so sequence numbers and the
 * union of the shards' parts are the same whatever N is. Pure.
 */
import { createHash } from 'node:crypto';
import { CONTROL_ADDRESS_SUFFIX } from './control-address.js';
import { PlanError } from './errors.js';
import type { PlanInput } from './input.js';
import { redactPlan, splitEvenly, splitRate, type Plan, type ShardSpec } from './plan.js';
import { parseCount, parseDurationMs } from './units.js';

export type { ShardSpec } from './plan.js';

export type LinkRole = 'sender' | 'receiver';

/** A half-open range of a role's links, in the expansion's order: [from, to). */
export interface LinkRange {
  from: number;
  to: number;
}

/** What one shard owns: its links of each role, and what its senders send (summed over those links). */
export interface ShardPart {
  index: number;
  senderLinks: LinkRange;
  receiverLinks: LinkRange;
  /** Link ids (producer ids for senders) the shard owns, senders first. */
  linkIds: string[];
  /** Messages its sender links send after warm-up; null for a duration run. */
  count: number | null;
  /** Its sender links' rates summed, msg/s; null for a closed loop. */
  rateHz: number | null;
}

/** The most shards a run takes: each is a process with its own connections; the figure bounds loops over parts. */
export const MAX_SHARDS = 10_000;

export const WORKER_ID_PREFIX = { sender: 's', receiver: 'r' } as const;

/** `<run id>/<worker>.c<connection>.l<link>`: a link's id; a sender's is the producer id its messages carry. */
export function linkId(runId: string, workerId: string, connection: number, link: number): string {
  return `${runId}/${workerId}.c${connection}.l${link}`;
}

/** Every link of a role in the run, in the one order the plan expands to (worker, connection, link). */
export function roleLinkIds(plan: Plan, role: LinkRole): string[] {
  const workers = role === 'sender' ? plan.senders : plan.receivers;
  const ids: string[] = [];
  for (let w = 0; w < workers; w++)
    for (let c = 0; c < plan.connections; c++)
      for (let l = 0; l < plan.links; l++) ids.push(linkId(plan.runId, `${WORKER_ID_PREFIX[role]}${w}`, c, l));
  return ids;
}

/** Shard `index`'s block of `total` links: contiguous, sizes differing by at most one, the larger first. */
export function shardRange(total: number, shards: number, index: number): LinkRange {
  const sizes = splitEvenly(total, shards);
  let from = 0;
  for (let i = 0; i < index; i++) from += sizes[i];
  return { from, to: from + sizes[index] };
}

/** Every shard's part of the plan, in index order; throws PlanError when the plan cannot be split in `shards`. */
export function shardParts(plan: Plan, shards: number): ShardPart[] {
  checkShardable(plan, shards);
  const senders = roleLinkIds(plan, 'sender');
  const receivers = roleLinkIds(plan, 'receiver');
  const counts = plan.count !== null && senders.length > 0 ? splitEvenly(plan.count, senders.length) : null;
  const rates = plan.rateHz !== null && senders.length > 0 ? splitRate(plan.rateHz, senders.length) : null;
  return Array.from({ length: shards }, (_, index) => {
    const senderLinks = shardRange(senders.length, shards, index);
    const receiverLinks = shardRange(receivers.length, shards, index);
    const sum = (values: number[]): number => values.slice(senderLinks.from, senderLinks.to).reduce((a, b) => a + b, 0);
    return {
      index,
      senderLinks,
      receiverLinks,
      linkIds: [
        ...senders.slice(senderLinks.from, senderLinks.to),
        ...receivers.slice(receiverLinks.from, receiverLinks.to),
      ],
      count: counts ? sum(counts) : null,
      rateHz: rates ? sum(rates) : null,
    };
  });
}

/** The part of the shard this plan runs as; undefined for an unsharded plan. */
export function ownPart(plan: Plan): ShardPart | undefined {
  if (plan.shards === undefined) return undefined;
  const { count, index } = plan.shards;
  if (index === null) throw new PlanError(shardIndexMissing(count));
  return shardParts(plan, count)[index];
}

/**
 * Why a plan cannot be split in `shards`, as a usage error: every shard must
 * own at least one link of each role the plan has (a shard with no sender
 * would measure nothing of its own), and with --count, at least one message.
 */
export function checkShardable(plan: Plan, shards: number): void {
  // Each shard's receivers would count only their own subscriptions' share, and no shard knows the others' split.
  if (plan.topic !== undefined)
    throw new PlanError(
      `--shards cannot be combined with --subscriptions yet: a shard's drain cannot tell which subscription still ` +
        `waits for a message another shard's subscription already has`,
    );
  // Expired or lost compares send marks and arrivals on each shard's own monotonic clock: across hosts, meaningless.
  if (plan.msgTtlMs !== undefined)
    throw new PlanError(
      `--shards cannot be combined with --msg-ttl yet: telling expired from lost compares send and arrival times ` +
        `taken on different hosts' clocks`,
    );
  for (const role of ['sender', 'receiver'] as const) {
    const workers = role === 'sender' ? plan.senders : plan.receivers;
    const links = workers * plan.connections * plan.links;
    if (workers > 0 && links < shards)
      throw new PlanError(
        `--shards ${shards} needs at least ${shards} ${role} links, one a shard; ${role}s x connections x links ` +
          `gives ${links}`,
      );
  }
  if (plan.count !== null && plan.senders > 0 && plan.count < shards)
    throw new PlanError(
      `--shards ${shards} needs --count of at least ${shards}, one message a shard, got ${plan.count}`,
    );
}

/**
 * The plan with its --shards and --shard-index applied (resolveShards), its results in `<output>/shard-<I>` unless
 * --output was given; as it was without --shards.
 */
export function withShards(plan: Plan, input: PlanInput): Plan {
  const shards = resolveShards(input, plan);
  if (shards === undefined) return plan;
  // Shards on one machine (or one shared volume) must not write into one folder: results/<run id>/shard-<I>.
  const outputDir =
    input.output === undefined && shards.index !== null ? `${plan.outputDir}/shard-${shards.index}` : plan.outputDir;
  return { ...plan, shards, outputDir };
}

/**
 * --shards and --shard-index (given, or JOB_COMPLETION_INDEX as the CLI
 * passes it), checked against the rest of the plan; undefined without
 * --shards. A missing index is allowed here (--print-plan shows every part);
 * running refuses it (ownPart).
 */
export function resolveShards(input: PlanInput, plan: Plan): ShardSpec | undefined {
  if (input.shards === undefined) {
    if (input.shardIndex !== undefined && input.shardIndexFrom !== 'env')
      throw new PlanError(
        `--shard-index needs --shards, got --shard-index ${JSON.stringify(String(input.shardIndex))}`,
      );
    return undefined;
  }
  const count = parseCount(input.shards);
  if (count === null || count < 1 || count > MAX_SHARDS)
    throw new PlanError(
      `--shards must be an integer from 1 to ${MAX_SHARDS}, got ${JSON.stringify(String(input.shards))}`,
    );
  if (input.runId === undefined)
    throw new PlanError(
      `--shards needs --run-id: every shard stamps its messages with the run id, and the merge matches shards by it`,
    );
  if (plan.target.kind !== 'url')
    throw new PlanError(`--shards needs a broker URL: shards on embedded brokers of their own would share no message`);
  if (plan.rpc !== undefined) throw new PlanError(`--shards does not split --pattern rpc runs`);
  checkShardable(plan, count);
  return {
    count,
    index: indexOption(input, count),
    meet: meetOption(input, plan),
    timeoutMs: durationOption(input.shardTimeout, '--shard-timeout') ?? DEFAULT_SHARD_TIMEOUT_MS,
  };
}

/** Long enough for Kubernetes to schedule every pod of an Indexed Job and pull its image. */
export const DEFAULT_SHARD_TIMEOUT_MS = 120_000;

function meetOption(input: PlanInput, plan: Plan): ShardSpec['meet'] {
  if (input.startAt !== undefined) {
    const epochMs = parseCount(input.startAt);
    if (epochMs === null)
      throw new PlanError(
        `--start-at must be a wall-clock instant in ms since the epoch (date +%s%3N), got ${JSON.stringify(String(input.startAt))}`,
      );
    if (input.controlAddress !== undefined)
      throw new PlanError('--start-at and --control-address exclude each other: shards either meet or start at a time');
    return { kind: 'start-at', epochMs };
  }
  // The run's own address with a suffix: it has whatever form the broker requires (RabbitMQ's /queue/NAME).
  return { kind: 'broker', controlAddress: input.controlAddress ?? `${plan.address}${CONTROL_ADDRESS_SUFFIX}` };
}

function durationOption(raw: PlanInput['shardTimeout'], flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDurationMs(raw);
  if (ms === null || ms <= 0)
    throw new PlanError(`${flag} must be a duration like 2m or 90s, got ${JSON.stringify(String(raw))}`);
  return ms;
}

function indexOption(input: PlanInput, count: number): number | null {
  if (input.shardIndex === undefined) return null;
  const index = parseCount(input.shardIndex);
  const source = input.shardIndexFrom === 'env' ? 'JOB_COMPLETION_INDEX' : '--shard-index';
  if (index === null || index >= count)
    throw new PlanError(
      `${source} must be an integer from 0 to ${count - 1} (--shards ${count}), got ` +
        JSON.stringify(String(input.shardIndex)),
    );
  return index;
}

export function shardIndexMissing(count: number): string {
  return `--shards ${count} needs --shard-index (or the environment variable JOB_COMPLETION_INDEX, which an Indexed Job sets)`;
}

/**
 * A stable hash of the whole plan (16 hex digits of SHA-256 over its JSON with
 * keys sorted): the same for every shard of a run and whatever N is. Left out:
 * the run id (checked apart), which shard and how many, where results go and how
 * they print, and the password.
 */
export function planHash(plan: Plan): string {
  const { runId: _id, shards: _shards, outputDir: _dir, json: _json, quiet: _quiet, ...workload } = redactPlan(plan);
  return createHash('sha256').update(canonicalJson(workload)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted at every level, undefined fields dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
