import { randomBytes } from 'node:crypto';
import { parseChaosSpec, type ChaosOptions } from './chaos-spec.js';
import { PlanError } from './errors.js';
import { resolveFaults, type PlannedFaults } from './fault-options.js';
import { parseCount, parseDurationMs, parseRateHz, type RawNumber } from './units.js';
import { redactSides, resolveTargets, type EmbeddedTarget, type PlannedSides, type UrlTarget } from './targets.js';
import { parseTags } from './tags.js';
import { resolveTx, type TxPlan } from './transaction-options.js';
import type { MessageProperties } from '../plan/properties.js';
import { resolveSelection } from './selector-options.js';
import { resolveRpc, type RpcPlan } from './rpc-options.js';
import { resolveTopic, type TopicPlan } from './topic-options.js';
import { applyPhases, type PlannedPhase } from './phases.js';
import { checkMeasured, parseObjectives, type Objective } from './objectives.js';
import type { PlanInput } from './input.js';
import {
  MAX_BODY_SIZE_BYTES,
  isDistribution,
  largestSize,
  parseBodySize,
  type PlannedBodySizes,
} from './body-sizes.js';
import { resolveReceivePacing } from './receive-pacing.js';
import { resolveMessageHeader, type MessageHeaderPlan } from './message-header.js';

export type { EmbeddedTarget, UrlTarget } from './targets.js';

export type Settle = 'at-least-once' | 'at-most-once';

/**
 * What receivers do with messages this run did not send (left on a shared queue by another
 * run or another client): accept them (consumed, counted as foreign) or hand them back
 * with modified undeliverable-here, so the broker keeps them for other consumers.
 */
export type ForeignPolicy = 'accept' | 'release';

/**
 * Options resolved: every default applied, every value checked, plain JSON
 * (it is written into result.json as `plan`, after redactPlan).
 *
 * Stopping: a run stops when `count` messages have been sent after warm-up or
 * `durationMs` has passed, whichever comes first. `durationMs` includes the
 * warm-up; `count` does not (warm-up is time-based, its messages are extra).
 */
export interface Plan extends MessageHeaderPlan {
  runId: string;
  target: EmbeddedTarget | UrlTarget;
  address: string;
  /** `[address]`, or `[address, address-1, ..., address-(N-1)]` for --addresses N. */
  addresses: string[];
  /** Messages in total across all senders, excluding warm-up. */
  count: number | null;
  durationMs: number | null;
  warmupMs: number;
  senders: number;
  receivers: number;
  connections: number;
  links: number;
  /** Bytes; with a distribution (`bodySizes`), its largest size. */
  bodySize: number;
  /** --body-size as a range or weighted sizes: each message's size is drawn from it; absent: every body is bodySize. */
  bodySizes?: PlannedBodySizes;
  /** --recv-rate: messages per second over all receiving links (slow consumers); absent: as fast as credit allows. */
  recvRateHz?: number;
  /** --recv-delay: each message is processed this long before it is settled; absent: none. */
  recvDelayMs?: number;
  durable: boolean;
  settle: Settle;
  /** --recv-start-after: receivers attach at the start but take nothing until this long after it; absent: 0. */
  recvStartAfterMs?: number;
  /** Receiver link credit (prefetch window). */
  credit: number;
  /** Sender's limit of unsettled deliveries. */
  maxInFlight: number;
  /** Total messages per second across all senders; null = closed loop (as fast as allowed). */
  rateHz: number | null;
  drainTimeoutMs: number;
  foreign: ForeignPolicy;
  /** The embedded broker misbehaves on purpose (checker self-test); absent: it does not. */
  brokerChaos?: ChaosOptions;
  /** Lost connections are reopened, and what was in doubt is sent again; null: a lost connection ends the run. */
  reconnect: { giveUpMs: number } | null;
  /** --faults: the parsed spec, its seed and horizon; absent: no proxy, no fault. */
  faults?: PlannedFaults;
  /** --tx-size: senders send in transactions; absent: outside them. */
  transactions?: TxPlan;
  /** --recv-tx-size: receivers accept in transactions; absent: outside them. */
  recvTransactions?: TxPlan;
  /** --msg-property: application properties every message carries, with the seed generated ones derive from. */
  messageProperties?: MessageProperties;
  /** --recv-selector: the JMS selector every receiver attaches with; the ledger checks what arrived against it. */
  recvSelector?: string;
  /** --pattern rpc: senders are requesters and `receivers` counts the responders; absent: one-way messages. */
  rpc?: RpcPlan;
  /** --subscriptions: receivers consume as subscriptions of a topic (src/plan/topic-options.ts); absent: a queue. */
  topic?: TopicPlan;
  /** A profile's phases; durationMs, warmupMs and rateHz follow from them (src/plan/phases.ts). */
  phases?: PlannedPhase[];
  /** --threshold: objectives judged on the finished run (src/results/thresholds.ts); any failing one exits 1. */
  thresholds?: Objective[];
  /** --shards N --shard-index I: this process runs shard I's part of the plan (src/plan/shards.ts); absent: all of it. */
  shards?: ShardSpec;
  /** --send-url / --recv-url (src/plan/targets.ts): each side's URLs and how its connections spread over them. */
  sides?: PlannedSides;
  /** --tag KEY=VALUE: the user's labels, sorted by key; part of the workload for salvo compare. */
  tags?: Record<string, string>;
  outputDir: string;
  json: boolean;
  quiet: boolean;
}

/** --shards N --shard-index I; index null: not given (--print-plan shows every part, a run refuses it). */
export interface ShardSpec {
  count: number;
  index: number | null;
  /**
   * How the shards start together: `broker`, they meet on control addresses of the broker under test
   * (src/rendezvous: a start barrier, clock offsets, a global drain, results to shard 0, which merges); `start-at`,
   * each starts at one wall-clock instant and `salvo merge` judges their files.
   */
  meet: { kind: 'broker'; controlAddress: string } | { kind: 'start-at'; epochMs: number };
  /** How long shards wait for each other at each meeting point. */
  timeoutMs: number;
}

/** Defaults, exported so help text shows the same numbers resolvePlan uses. */
export const PLAN_DEFAULTS = {
  address: 'salvo',
  /** Used only when neither --count nor --duration is given. */
  count: 100_000,
  /** Duration runs warm up for this share of the duration ... */
  warmupFraction: 0.1,
  /** ... but no longer than this. Count-only runs get no warm-up unless asked. */
  maxDefaultWarmupMs: 5_000,
  senders: 1,
  receivers: 1,
  connections: 1,
  links: 1,
  addresses: 1,
  bodySize: 100,
  durable: false,
  settle: 'at-least-once',
  credit: 1_000,
  maxInFlight: 1_000,
  rateHz: null,
  drainTimeoutMs: 10_000,
  /** --reconnect-give-up: a connection down this long ends its worker's run. */
  reconnectGiveUpMs: 30_000,
  foreign: 'accept',
  outputRoot: 'results',
} as const;

export { MAX_BODY_SIZE_BYTES } from './body-sizes.js';

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const COUNT_HINT = '(k/m suffixes allowed)';
const DURATION_HINT = '(e.g. 30s, 500ms, 5m, 1h; a bare number is seconds)';

/** Applies defaults and checks every option; throws PlanError on the first bad one. */
export function resolvePlan(given: PlanInput): Plan {
  const { input, phases } = applyPhases(given);
  const runId = resolveRunId(input.runId, input.now ?? new Date());
  const { count, durationMs, warmupMs } = resolveStopping(input);
  const senders = integerOption(input.senders, '--senders', 0, PLAN_DEFAULTS.senders);
  const rpc = resolveRpc(input);
  // In rpc, the receiver workers are the responders: they consume the requests.
  const receivers = rpc ? rpc.responders : integerOption(input.receivers, '--receivers', 0, PLAN_DEFAULTS.receivers);
  if (senders === 0 && receivers === 0) {
    throw new PlanError(`--senders and ${rpc ? '--responders' : '--receivers'} cannot both be 0, got "0" and "0"`);
  }
  const connections = integerOption(input.connections, '--connections', 1, PLAN_DEFAULTS.connections);
  const { target, address, sides } = resolveTargets({
    ...input,
    sendConnections: senders * connections,
    receiveConnections: receivers * connections,
    defaultAddress: PLAN_DEFAULTS.address,
  });
  const tags = parseTags(input.tag);
  const brokerChaos = chaosOption(input, target);
  const reconnect = reconnectOption(input);
  const settle = resolveSettle(input);
  const seed = seedOf(input);
  const transactions = resolveTx(
    { size: input.txSize, action: input.txAction, rollbackRatio: input.txRollbackRatio },
    '--tx',
    seed,
    settle,
    senders,
  );
  const recvTransactions = resolveTx(
    { size: input.recvTxSize, action: input.recvTxAction, rollbackRatio: input.recvTxRollbackRatio },
    '--recv-tx',
    seed,
    settle,
    receivers,
  );
  const selection = resolveSelection(input, {
    seed,
    receivers,
    atMostOnce: settle === 'at-most-once',
    transactional: transactions !== undefined || recvTransactions !== undefined,
  });
  const links = integerOption(input.links, '--links', 1, PLAN_DEFAULTS.links);
  const topic = resolveTopic(input, {
    receiverLinks: receivers * connections * links,
    rpc: rpc !== undefined,
    recvTransactions: recvTransactions !== undefined,
  });
  const plan: Plan = {
    runId,
    target,
    address,
    addresses: addressList(address, integerOption(input.addresses, '--addresses', 1, PLAN_DEFAULTS.addresses)),
    count,
    durationMs,
    warmupMs,
    senders,
    receivers,
    connections,
    links,
    ...bodySizeOption(input.bodySize, seed, rpc !== undefined),
    durable: input.msgDurable ?? PLAN_DEFAULTS.durable,
    ...resolveMessageHeader(input, seed, { rpc: rpc !== undefined, recvTransactions: recvTransactions !== undefined }),
    ...recvStartAfterOption(input.recvStartAfter, receivers, rpc !== undefined),
    settle,
    credit: integerOption(input.credit, '--credit', 1, PLAN_DEFAULTS.credit),
    maxInFlight: integerOption(input.maxInFlight, '--max-in-flight', 1, PLAN_DEFAULTS.maxInFlight),
    rateHz: rateOption(input.rate),
    drainTimeoutMs: durationOption(input.drainTimeout, '--drain-timeout', 0) ?? PLAN_DEFAULTS.drainTimeoutMs,
    foreign: foreignOption(input.foreign),
    ...(brokerChaos ? { brokerChaos } : {}),
    reconnect,
    ...(transactions ? { transactions } : {}),
    ...(recvTransactions ? { recvTransactions } : {}),
    ...selection,
    ...(rpc ? { rpc } : {}),
    ...resolveReceivePacing(input, receivers),
    ...topic,
    ...(phases ? { phases } : {}),
    ...(sides ? { sides } : {}),
    ...(tags ? { tags } : {}),
    outputDir: nonEmpty(input.output) ?? `${PLAN_DEFAULTS.outputRoot}/${runId}`,
    json: input.json ?? false,
    quiet: input.quiet ?? false,
  };
  const faults = resolveFaults(input, target.kind === 'url', plan);
  const thresholds = thresholdsOption(input.threshold, plan);
  return { ...plan, ...(faults ? { faults } : {}), ...(thresholds ? { thresholds } : {}) };
}

/** Parsed, and each one something this run measures: a kind it never records could only fail, after the run. */
function thresholdsOption(texts: readonly string[] | undefined, plan: Plan): Objective[] | undefined {
  if (texts === undefined || texts.length === 0) return undefined;
  const thresholds = parseObjectives(texts, '--threshold');
  checkMeasured(thresholds, plan, '--threshold');
  return thresholds;
}

/** The plan as it may be printed or written to disk: no password. */
export function redactPlan(plan: Plan): Plan {
  const sides = plan.sides ? { sides: redactSides(plan.sides) } : {};
  if (plan.target.kind !== 'url' || plan.target.password === undefined) return { ...plan, ...sides };
  const { password: _dropped, ...target } = plan.target;
  return { ...plan, target, ...sides };
}

/**
 * `salvo (the URL named none)` when the run's URL named no address and the default was used, for the summaries of
 * run, capacity and calibrate: a user who pasted a broker script's URL learns where the messages went.
 */
export function defaultedAddressNote(plan: Pick<Plan, 'target' | 'address'>): string | undefined {
  if (plan.target.kind !== 'url' || plan.target.addressDefaulted !== true) return undefined;
  return `${plan.address} (the URL named none)`;
}

/** A sortable, folder-safe id: UTC `YYYYMMDD-HHMMSS-` plus 4 random hex digits. */
export function newRunId(now: Date, randomHex: string = randomBytes(2).toString('hex')): string {
  const iso = now.toISOString(); // 2026-11-26T21:30:00.000Z
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  return `${date}-${time}-${randomHex}`;
}

/**
 * Splits a total count over parts; the remainder goes one each to the first
 * parts, so no part differs from another by more than one.
 */
export function splitEvenly(total: number, parts: number): number[] {
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const base = Math.floor(total / parts);
  const remainder = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}

/** Rates are split in steps of 2^-20 msg/s (about 1 µHz): sums of such shares are exact in floating point. */
const RATE_STEPS_PER_HZ = 2 ** 20;

/**
 * Splits a total rate over sender links in shares that differ by at most
 * 2^-20 msg/s and sum exactly to the total (for a total that is a multiple of
 * that step, as every integer rate is), whatever subset is summed first: a
 * shard's rate is the sum of its links' and the shards' rates sum to --rate.
 * Equal spacing matters more than integer rates, so shares are not rounded
 * to whole messages. A total too small or too fine for the steps is split in
 * equal shares.
 */
export function splitRate(totalRateHz: number, parts: number): number[] {
  if (!(totalRateHz > 0) || !Number.isFinite(totalRateHz))
    throw new RangeError(`rate must be positive, got ${totalRateHz}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const steps = Math.floor(totalRateHz * RATE_STEPS_PER_HZ);
  if (!Number.isSafeInteger(steps) || steps < parts) return Array.from({ length: parts }, () => totalRateHz / parts);
  const shares = splitEvenly(steps, parts).map((n) => n / RATE_STEPS_PER_HZ);
  // A total finer than a step keeps its remainder on the first share, so that the sum is the total.
  shares[0] += totalRateHz - steps / RATE_STEPS_PER_HZ;
  return shares;
}

function foreignOption(value: string | undefined): ForeignPolicy {
  if (value === undefined) return PLAN_DEFAULTS.foreign;
  if (value === 'accept' || value === 'release') return value;
  throw new PlanError(`--foreign must be accept or release, got ${JSON.stringify(value)}`);
}

function reconnectOption(input: PlanInput): Plan['reconnect'] {
  const giveUpMs = durationOption(input.reconnectGiveUp, '--reconnect-give-up', 1);
  const wanted = input.reconnect ?? (input.faults !== undefined || giveUpMs !== null);
  if (!wanted) {
    if (giveUpMs !== null) throw new PlanError(`--reconnect-give-up needs reconnecting, got it with --no-reconnect`);
    return null;
  }
  return { giveUpMs: giveUpMs ?? PLAN_DEFAULTS.reconnectGiveUpMs };
}

function chaosOption(input: PlanInput, target: Plan['target']): ChaosOptions | undefined {
  if (input.brokerChaos === undefined) {
    // The seed also chooses which transactions roll back (--tx-rollback-ratio, --recv-tx-rollback-ratio).
    const seeded =
      input.txRollbackRatio !== undefined ||
      input.recvTxRollbackRatio !== undefined ||
      input.msgProperty !== undefined ||
      input.msgPriority !== undefined ||
      isDistribution(input.bodySize);
    if (input.seed !== undefined && !seeded && input.faults === undefined) {
      throw new PlanError(
        `--seed needs --broker-chaos, --faults, --tx-rollback-ratio or --recv-tx-rollback-ratio, got --seed ` +
          `${shown(input.seed)} alone`,
      );
    }
    return undefined;
  }
  if (target.kind !== 'embedded')
    throw new PlanError(`--broker-chaos needs the embedded broker (no URL), got ${target.url}`);
  return parseChaosSpec(String(input.brokerChaos), seedOf(input), '--broker-chaos');
}

/** --recv-start-after: a late consumer; 0 or absent: receivers start with the run. */
function recvStartAfterOption(
  raw: RawNumber | undefined,
  receivers: number,
  rpc: boolean,
): { recvStartAfterMs?: number } {
  const ms = durationOption(raw, '--recv-start-after', 0);
  if (ms === null || ms === 0) return {};
  if (rpc) throw new PlanError(`--recv-start-after is for one-way runs, got it with --pattern rpc`);
  if (receivers === 0) throw new PlanError(`--recv-start-after needs receivers, got it with --receivers 0`);
  return { recvStartAfterMs: ms };
}

/** --seed, default 1: one seed for every seeded choice of the run. */
function seedOf(input: PlanInput): number {
  const seed = input.seed === undefined ? 1 : parseCount(input.seed);
  if (seed === null || seed > 0xffffffff)
    throw new PlanError(`--seed must be an integer from 0 to 4294967295, got ${shown(input.seed ?? '')}`);
  return seed;
}

function resolveRunId(runId: string | undefined, now: Date): string {
  if (runId === undefined) return newRunId(now);
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new PlanError(
      `--run-id must be letters, digits, '.', '_' or '-' (it names a folder), got ${JSON.stringify(runId)}`,
    );
  }
  return runId;
}

function resolveStopping(input: PlanInput): Pick<Plan, 'count' | 'durationMs' | 'warmupMs'> {
  const durationMs = durationOption(input.duration, '--duration', 1);
  const givenCount = input.count === undefined ? null : integerOption(input.count, '--count', 1, 0);
  const count = givenCount ?? (durationMs === null ? PLAN_DEFAULTS.count : null);
  const givenWarmupMs = durationOption(input.warmup, '--warmup', 0);
  if (givenWarmupMs !== null && durationMs !== null && givenWarmupMs >= durationMs) {
    throw new PlanError(
      `--warmup must be shorter than --duration, got ${JSON.stringify(String(input.warmup))} with --duration ` +
        `${JSON.stringify(String(input.duration))}`,
    );
  }
  return { count, durationMs, warmupMs: givenWarmupMs ?? defaultWarmupMs(durationMs) };
}

function defaultWarmupMs(durationMs: number | null): number {
  if (durationMs === null) return 0;
  return Math.min(PLAN_DEFAULTS.maxDefaultWarmupMs, Math.floor(durationMs * PLAN_DEFAULTS.warmupFraction));
}

function resolveSettle(input: PlanInput): Settle {
  if (input.linkAtLeastOnce === true && input.linkAtMostOnce === true) {
    throw new PlanError('--link-at-least-once and --link-at-most-once cannot both be given, got both');
  }
  return input.linkAtMostOnce === true ? 'at-most-once' : PLAN_DEFAULTS.settle;
}

function addressList(address: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? address : `${address}-${i}`));
}

function integerOption(raw: RawNumber | undefined, flag: string, min: 0 | 1, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = parseCount(raw);
  if (value === null || value < min) {
    const kind = min === 1 ? 'a positive integer' : 'a non-negative integer';
    throw new PlanError(`${flag} must be ${kind} ${COUNT_HINT}, got ${shown(raw)}`);
  }
  return value;
}

function durationOption(raw: RawNumber | undefined, flag: string, minMs: 0 | 1): number | null {
  if (raw === undefined) return null;
  const valueMs = parseDurationMs(raw);
  if (valueMs === null || valueMs < minMs) {
    const kind = minMs === 1 ? 'a positive duration' : 'a duration';
    throw new PlanError(`${flag} must be ${kind} ${DURATION_HINT}, got ${shown(raw)}`);
  }
  return valueMs;
}

function rateOption(raw: RawNumber | undefined): number | null {
  if (raw === undefined) return PLAN_DEFAULTS.rateHz;
  const rateHz = parseRateHz(raw);
  if (rateHz === null || rateHz <= 0) {
    throw new PlanError(`--rate must be a positive number of messages per second ${COUNT_HINT}, got ${shown(raw)}`);
  }
  return rateHz;
}

function bodySizeOption(raw: RawNumber | undefined, seed: number, rpc: boolean): Pick<Plan, 'bodySize' | 'bodySizes'> {
  if (raw === undefined) return { bodySize: PLAN_DEFAULTS.bodySize };
  const parsed = parseBodySize(raw, MAX_BODY_SIZE_BYTES);
  if ('problem' in parsed) throw new PlanError(`--body-size: ${parsed.problem}`);
  if ('size' in parsed) return { bodySize: parsed.size };
  if (rpc) throw new PlanError(`--body-size ${shown(raw)}: --pattern rpc sends one body size, got a distribution`);
  return { bodySize: largestSize(parsed.distribution), bodySizes: { ...parsed.distribution, seed } };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

function shown(raw: RawNumber): string {
  return JSON.stringify(String(raw));
}
