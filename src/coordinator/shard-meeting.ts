/**
 * Where a sharded run (--shards) meets its other shards: before the start,
 * after sending, and with its result. Two ways:
 * - over the broker under test (the default): the start barrier and clock
 *   offsets of src/rendezvous, a global drain, and every shard's result sent
 *   to shard 0, which merges them into the run's one verdict;
 * - --start-at: each shard starts at one wall-clock instant and meets no
 *   other; `salvo merge` judges their result files.
 * The control connection goes to the broker itself, never through the fault
 * proxy: a meeting that faults could break would decide nothing.
 *
 * SALVO_TEST_CLOCK_SKEW_US (tests only) makes this process act as a host
 * whose monotonic clock reads that much ahead: the meeting measures with the
 * skewed clock, senders stamp it (the start message carries the skew), and
 * what this process waits on stays its own clock (the start instant is turned
 * back into it).
 */
import { hostname } from 'node:os';
import { endpointConnectOptions, endpointUrl } from '../amqp/endpoint.js';
import { SalvoError } from '../errors.js';
import type { Plan } from '../plan/index.js';
import { planHash, roleLinkIds, shardRange, type ShardSpec } from '../plan/shards.js';
import type { ShardClocks } from '../metrics/cross-shard-clock.js';
import type { Endpoint } from '../protocol/worker-messages.js';
import { type BarrierPassed, passBarrier } from '../rendezvous/barrier.js';
import type { ShardClock } from '../results/result.js';
import { type Clock, monotonicClock } from '../timing/clock.js';

/** What shard 0 gathered: the other shards' result.json texts by index, and those that never came. */
export interface GatheredResults {
  readonly texts: ReadonlyMap<number, string>;
  readonly missing: readonly number[];
}

export interface ShardMeeting {
  /** Links attached: the instant (this host's monotonic µs) every shard starts at. */
  beforeStart(): Promise<number>;
  /** This shard's senders are done; resolves when every shard's are, with the indexes still sending at the time-out. */
  afterSending(): Promise<readonly number[]>;
  /** This shard's start on shard 0's clock, and the offset behind it; undefined before the start or with --start-at. */
  clock(runStartUs: number): ShardClock | undefined;
  /** Every shard's clock offset, for the workers' start message; undefined before the start or with --start-at. */
  clocks(): ShardClocks | undefined;
  /** Shard 0: the others' results (undefined on other shards, which send theirs). */
  exchange(resultText: string): Promise<GatheredResults | undefined>;
  close(): Promise<void>;
}

type SpecOf<K> = ShardSpec & { index: number; meet: Extract<ShardSpec['meet'], { kind: K }> };

/** The meeting a plan asks for; undefined for an unsharded run. */
export function shardMeeting(plan: Plan, endpoint: Endpoint, skewUs = testSkewUs()): ShardMeeting | undefined {
  const shards = plan.shards;
  if (!shards || shards.index === null) return undefined;
  if (shards.meet.kind === 'start-at') return new StartAtMeeting(shards as SpecOf<'start-at'>, monotonicClock);
  return new BrokerMeeting(plan, shards as SpecOf<'broker'>, endpoint, skewUs);
}

class StartAtMeeting implements ShardMeeting {
  constructor(
    private readonly shards: SpecOf<'start-at'>,
    private readonly clock_: Clock,
  ) {}

  async beforeStart(): Promise<number> {
    // One wall-clock instant, read on this host's monotonic clock; a time already past starts now.
    const aheadUs = Math.max(0, (this.shards.meet.epochMs - Date.now()) * 1000);
    return this.clock_.nowUs() + aheadUs;
  }

  async afterSending(): Promise<readonly number[]> {
    return [];
  }

  clock(): ShardClock | undefined {
    return undefined;
  }

  clocks(): ShardClocks | undefined {
    return undefined;
  }

  async exchange(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}

class BrokerMeeting implements ShardMeeting {
  private passed: BarrierPassed | undefined;
  /** The clock the meeting measures offsets with: this host's monotonic clock, plus the test-only skew. */
  private readonly clock_: Clock;

  constructor(
    private readonly plan: Plan,
    private readonly shards: SpecOf<'broker'>,
    private readonly endpoint: Endpoint,
    private readonly skewUs: number,
  ) {
    this.clock_ = skewUs !== 0 ? { nowUs: () => monotonicClock.nowUs() + skewUs } : monotonicClock;
  }

  async beforeStart(): Promise<number> {
    this.passed = await passBarrier({
      url: endpointUrl(this.endpoint),
      connect: {
        ...(await endpointConnectOptions(this.endpoint)),
        containerId: `salvo-${this.plan.runId}-s${this.shards.index}-control`,
      },
      runId: this.plan.runId,
      planHash: planHash(this.plan),
      shards: this.shards.count,
      index: this.shards.index,
      controlBase: this.shards.meet.controlAddress,
      host: hostname(),
      timeoutMs: this.shards.timeoutMs,
      clock: this.clock_,
    });
    // The start on the meeting's clock, turned into the one this process waits on.
    return this.passed.startAtUs - this.skewUs;
  }

  async afterSending(): Promise<readonly number[]> {
    return this.session().allSent(this.shards.timeoutMs);
  }

  clock(runStartUs: number): ShardClock | undefined {
    if (!this.passed) return undefined;
    const { offset } = this.passed;
    return {
      host: hostname(),
      offsetUs: round(offset.offsetUs),
      boundUs: round(offset.boundUs),
      startOnShard0Us: round(runStartUs + this.skewUs + offset.offsetUs),
    };
  }

  clocks(): ShardClocks | undefined {
    if (!this.passed) return undefined;
    return {
      index: this.shards.index,
      offsetsUs: this.passed.offsetsUs,
      producerShards: producerShards(this.plan, this.shards.count),
      skewUs: this.skewUs,
    };
  }

  async exchange(resultText: string): Promise<GatheredResults | undefined> {
    // A shard that never passed the barrier has no one to send to, nor anything to gather.
    if (!this.passed) return undefined;
    const session = this.session();
    if (this.shards.index === 0) return session.collectResults(this.shards.timeoutMs);
    if (!(await session.sendResult(resultText, this.shards.timeoutMs)))
      throw new SalvoError(
        'unreachable',
        `shard ${this.shards.index}: the broker did not take this shard's result for shard 0 within ` +
          `${this.shards.timeoutMs / 1000} s (it is in this shard's result.json: salvo merge can still use it)`,
      );
    return undefined;
  }

  async close(): Promise<void> {
    await this.passed?.session.close();
  }

  private session(): BarrierPassed['session'] {
    if (!this.passed) throw new SalvoError('internal', 'shard meeting used before its start barrier');
    return this.passed.session;
  }
}

function round(us: number): number {
  return Math.round(us);
}

/** Which shard sends each producer id: the shard owning its sender link (src/plan/shards.ts). */
export function producerShards(plan: Plan, count: number): Record<string, number> {
  const senders = roleLinkIds(plan, 'sender');
  const owners: Record<string, number> = {};
  for (let index = 0; index < count; index++) {
    const range = shardRange(senders.length, count, index);
    for (let link = range.from; link < range.to; link++) owners[senders[link]] = index;
  }
  return owners;
}

/**
 * SALVO_TEST_CLOCK_SKEW_US: a test-only knob, so that shards on one host can act as hosts whose clocks differ (the
 * meeting measures with it, senders stamp with it); whole µs, 0 when unset or not a number.
 */
function testSkewUs(): number {
  const skewUs = Math.round(Number(process.env.SALVO_TEST_CLOCK_SKEW_US ?? 0));
  return Number.isFinite(skewUs) ? skewUs : 0;
}
