/**
 * The start barrier of a sharded run, over the broker under test (the one
 * thing every shard surely reaches: no DNS, no Kubernetes API, works on VMs
 * and CI runners alike).
 *
 * A shard other than 0 pings shard 0 until it has clock samples (each ping
 * answered by a pong), then reports READY with its estimated offset, resending
 * it until shard 0 answers. Shard 0 admits READYs into its roster and, when
 * every index has reported, answers GO with one start instant on its own
 * clock and every shard's offset; or ABORT on a plan-hash mismatch, a second
 * process for one index, or a time-out that names the missing indexes. Each
 * shard turns the start instant into its own clock with its offset.
 *
 * The same channel then serves the second rendezvous (`allSent`): receivers
 * may consume another shard's messages, so no shard drains before every
 * shard's senders have finished.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectOptions } from '../amqp/connect.js';
import { SalvoError } from '../errors.js';
import type { AmqpUrl } from '../plan/url.js';
import type { Clock } from '../timing/clock.js';
import { ControlChannel } from './channel.js';
import { type ClockOffset, type ClockSample, estimateOffset, NO_OFFSET } from './clock-offset.js';
import { inboxOf } from './control-address.js';
import type { ControlMessage, GoMessage, ReadyMessage } from './messages.js';
import { RESULT_CHUNK_CHARS } from './messages.js';
import { ResultAssembly } from './result-assembly.js';
import { describeMissing, Roster, type ShardEntry } from './roster.js';

export interface BarrierOptions {
  readonly url: AmqpUrl;
  readonly connect: ConnectOptions;
  readonly runId: string;
  readonly planHash: string;
  readonly shards: number;
  readonly index: number;
  readonly controlBase: string;
  readonly host: string;
  /** Shard 0 waits this long for every READY; the others this long for GO. */
  readonly timeoutMs: number;
  /** This shard's clock (µs); the offset estimated is to shard 0's. */
  readonly clock: Clock;
  /** How many answered pings before READY. */
  readonly clockSamples?: number;
  /** Shard 0 listens this long after every index reported, for a second claim to one (default 1 s). */
  readonly claimWindowMs?: number;
  /** GO names a start this far after shard 0 sends it, at least: time for GO to reach every shard. */
  readonly startLeadUs?: number;
}

/** What a shard knows once the barrier has let it through. */
export interface BarrierPassed {
  /** Start at this instant of this shard's clock. */
  readonly startAtUs: number;
  /** This shard's clock offset to shard 0's. */
  readonly offset: ClockOffset;
  /** Every shard's entry (its host, offset and bound), by index; shard 0 only (the others learn no hosts). */
  readonly shards: readonly ShardEntry[];
  /** Every shard's clock offset to shard 0 and its bound, µs, by index (GO carries them to every shard). */
  readonly offsetsUs: readonly number[];
  readonly boundsUs: readonly number[];
  readonly nonce: string;
  /** The control channel, open for the second rendezvous; close it with `close()`. */
  readonly session: ShardSession;
}

const PING_RETRY_MS = 1_000;
const READY_RESEND_MS = 1_000;
const READY_RESEND_MAX_MS = 8_000;
const DEFAULT_SAMPLES = 8;
const DEFAULT_START_LEAD_US = 1_000_000;
const FOLLOWER_GRACE_MS = 5_000;
const CLAIM_WINDOW_MS = 1_000;
const ABORT_FLUSH_MS = 3_000;

/** Runs the barrier as shard `options.index`; resolves when the run may start, rejects with a one-line SalvoError. */
export async function passBarrier(options: BarrierOptions): Promise<BarrierPassed> {
  const nonce = randomBytes(8).toString('hex');
  const session = await ShardSession.open(options, nonce);
  try {
    const passed = options.index === 0 ? await session.lead() : await session.follow();
    return { ...passed, nonce, session };
  } catch (error) {
    // An ABORT just sent must reach the broker before the connection goes: the others learn why from it.
    await session.delivered(ABORT_FLUSH_MS);
    await session.close();
    throw error;
  }
}

type Passed = Omit<BarrierPassed, 'nonce' | 'session'>;

/** One shard's side of the rendezvous: the channel plus what arrives on it. */
export class ShardSession {
  private channel!: ControlChannel;
  private readonly waiters = new Set<(message: ControlMessage) => void>();
  private readonly sentFrom = new Set<number>();
  private allSentSeen = false;
  private readonly results: ResultAssembly;

  private constructor(
    private readonly options: BarrierOptions,
    private readonly nonce: string,
  ) {
    this.results = new ResultAssembly(options.shards);
  }

  static async open(options: BarrierOptions, nonce: string): Promise<ShardSession> {
    const session = new ShardSession(options, nonce);
    session.channel = await ControlChannel.open(
      options.url,
      options.connect,
      options.runId,
      inboxOf(options.controlBase, options.index),
      (message) => session.deliver(message),
    );
    return session;
  }

  /** Shard 0: admit READYs, answer pings, then GO (or ABORT). */
  async lead(): Promise<Passed> {
    const { options } = this;
    const roster = new Roster(options.shards, options.planHash, {
      index: 0,
      nonce: this.nonce,
      host: options.host,
      offsetUs: 0,
      offsetBoundUs: 0,
    });
    const refuse = (reason: string, offender: number): never => {
      this.broadcast({ kind: 'abort', reason });
      // The offender hears it too: an index outside the run, or the second of two processes sharing an inbox.
      this.channel.send(inboxOf(options.controlBase, offender), { kind: 'abort', reason });
      throw new SalvoError('refused', `shards aborted: ${reason}`);
    };
    const step = (message: ControlMessage): 'complete' | undefined => {
      if (message.kind === 'ping') {
        // Two processes for one index share its inbox and steal each other's answers: caught by their pings.
        const claim = roster.claim(message.index, message.nonce, message.host);
        if (claim.kind === 'abort') refuse(claim.reason, message.index);
        this.channel.send(inboxOf(options.controlBase, message.index), {
          kind: 'pong',
          nonce: message.nonce,
          pingSentUs: message.sentUs,
          leaderUs: options.clock.nowUs(),
        });
        return undefined;
      }
      if (message.kind !== 'ready') return undefined;
      const admission = roster.admit(message);
      if (admission.kind === 'abort') refuse(admission.reason, message.index);
      return admission.kind === 'complete' ? 'complete' : undefined;
    };
    const complete = (): 'complete' | undefined => (roster.state().kind === 'complete' ? 'complete' : undefined);
    const admitted = await this.until<'complete'>(options.timeoutMs, step, complete);
    // Every index has reported: a while longer, so that a second process for one index (which pings and reports a
    // little later than the first) is caught before the start rather than after it.
    if (admitted !== undefined) await this.until<never>(options.claimWindowMs ?? CLAIM_WINDOW_MS, (m) => void step(m));
    if (admitted === undefined) {
      const reason = `${describeMissing(roster.missing())} never reported ready within ${seconds(options.timeoutMs)}`;
      this.broadcast({ kind: 'abort', reason });
      throw new SalvoError('unreachable', `shards aborted: ${reason}`);
    }
    const shards = roster.list();
    const startAtUs = options.clock.nowUs() + (options.startLeadUs ?? startLeadUs(shards));
    const offsetsUs = shards.map((s) => s.offsetUs);
    const boundsUs = shards.map((s) => s.offsetBoundUs);
    const go: GoMessage = { kind: 'go', startAtUs, nonces: roster.nonces(), offsetsUs, boundsUs };
    this.broadcast(go);
    return { startAtUs, offset: NO_OFFSET, shards, offsetsUs, boundsUs };
  }

  /** Any other shard: sample the clock, report READY until GO or ABORT. */
  async follow(): Promise<Passed> {
    const { options } = this;
    const leaderInbox = inboxOf(options.controlBase, 0);
    // Longer than shard 0 waits, so that its ABORT naming the missing shards arrives first.
    const deadline = Date.now() + options.timeoutMs + FOLLOWER_GRACE_MS;
    const offset = await this.sampleClock(leaderInbox, deadline);
    const ready: ReadyMessage = {
      kind: 'ready',
      index: options.index,
      nonce: this.nonce,
      planHash: options.planHash,
      host: options.host,
      wallUs: Date.now() * 1000,
      offsetUs: offset.offsetUs,
      offsetBoundUs: offset.boundUs,
    };
    this.channel.send(leaderInbox, ready);
    // Resent until shard 0 answers (it may start after this shard), less often each time: 1, 2, 4, 8, 8 ... s.
    let resendMs = READY_RESEND_MS;
    let resend: NodeJS.Timeout | undefined;
    const resendLater = (): void => {
      resend = setTimeout(() => {
        this.channel.send(leaderInbox, ready);
        resendMs = Math.min(resendMs * 2, READY_RESEND_MAX_MS);
        resendLater();
      }, resendMs);
    };
    resendLater();
    try {
      const go = await this.until<GoMessage>(deadline - Date.now(), (message) => {
        if (message.kind === 'abort') throw new SalvoError('refused', `shards aborted by shard 0: ${message.reason}`);
        return message.kind === 'go' ? message : undefined;
      });
      if (!go)
        throw new SalvoError(
          'unreachable',
          `shard 0 did not start the run within ${seconds(options.timeoutMs + FOLLOWER_GRACE_MS)}`,
        );
      if (go.nonces[options.index] !== this.nonce)
        throw new SalvoError(
          'refused',
          `shard 0 started the run with another process as shard ${options.index}: this one stands down`,
        );
      // A shard does not see the others' entries: shard 0 reports them.
      return {
        startAtUs: go.startAtUs - offset.offsetUs,
        offset,
        shards: [],
        offsetsUs: go.offsetsUs,
        boundsUs: go.boundsUs,
      };
    } finally {
      clearTimeout(resend);
    }
  }

  /**
   * The second rendezvous: this shard's senders have finished; resolves when
   * every shard's have (shard 0 hears each SENT and answers ALL-SENT), or
   * after `timeoutMs` with the indexes still sending.
   */
  async allSent(timeoutMs: number): Promise<readonly number[]> {
    const { options } = this;
    const done = (): boolean => this.allSentSeen || (options.index === 0 && this.sentFrom.size === options.shards);
    this.sentFrom.add(options.index);
    if (options.index !== 0)
      this.channel.send(inboxOf(options.controlBase, 0), { kind: 'sent', index: options.index, nonce: this.nonce });
    const ok = await this.until<true>(
      timeoutMs,
      () => (done() ? true : undefined),
      () => (done() ? true : undefined),
    );
    if (options.index === 0 && this.sentFrom.size === options.shards) this.broadcast({ kind: 'all-sent' });
    if (ok) return [];
    const still: number[] = [];
    for (let i = 0; i < options.shards; i++) if (!this.sentFrom.has(i)) still.push(i);
    return options.index === 0 ? still : [0];
  }

  /** Any shard but 0: its final result, in chunks, to shard 0; true once the broker holds every chunk. */
  async sendResult(text: string, timeoutMs: number): Promise<boolean> {
    const leaderInbox = inboxOf(this.options.controlBase, 0);
    const parts = Math.max(1, Math.ceil(text.length / RESULT_CHUNK_CHARS));
    for (let part = 0; part < parts; part++)
      this.channel.send(leaderInbox, {
        kind: 'result-chunk',
        index: this.options.index,
        nonce: this.nonce,
        part,
        parts,
        text: text.slice(part * RESULT_CHUNK_CHARS, (part + 1) * RESULT_CHUNK_CHARS),
      });
    return this.channel.delivered(timeoutMs);
  }

  /**
   * Shard 0: every other shard's result text, by index, as far as it arrived
   * within `timeoutMs`; `missing` names the shards whose result did not.
   */
  async collectResults(timeoutMs: number): Promise<{ texts: Map<number, string>; missing: number[] }> {
    const complete = (): boolean => this.results.complete();
    await this.until<true>(
      timeoutMs,
      () => (complete() ? true : undefined),
      () => (complete() ? true : undefined),
    );
    return { texts: this.results.texts(), missing: this.results.missing() };
  }

  /** True once the broker holds every control message sent so far (false after `timeoutMs`). */
  delivered(timeoutMs: number): Promise<boolean> {
    return this.channel.delivered(timeoutMs);
  }

  async close(): Promise<void> {
    await this.channel.close();
  }

  private deliver(message: ControlMessage): void {
    if (message.kind === 'result-chunk') this.results.add(message);
    if (message.kind === 'sent') this.sentFrom.add(message.index);
    if (message.kind === 'all-sent') this.allSentSeen = true;
    for (const waiter of [...this.waiters]) waiter(message);
  }

  private broadcast(message: ControlMessage): void {
    for (let i = 1; i < this.options.shards; i++) this.channel.send(inboxOf(this.options.controlBase, i), message);
  }

  private async sampleClock(leaderInbox: string, deadline: number): Promise<ClockOffset> {
    const { options } = this;
    const wanted = options.clockSamples ?? DEFAULT_SAMPLES;
    const samples: ClockSample[] = [];
    const ping = (): void =>
      this.channel.send(leaderInbox, {
        kind: 'ping',
        index: options.index,
        nonce: this.nonce,
        sentUs: options.clock.nowUs(),
        host: options.host,
      });
    // One ping in flight: the next leaves when the last is answered (or after a while, if it was lost), so that
    // a thousand shards do not flood shard 0's inbox with pings it cannot answer in time.
    let retry: NodeJS.Timeout | undefined;
    const pingAgain = (): void => {
      clearTimeout(retry);
      ping();
      retry = setTimeout(pingAgain, PING_RETRY_MS);
    };
    pingAgain();
    try {
      await this.until<true>(deadline - Date.now(), (message) => {
        if (message.kind === 'abort') throw new SalvoError('refused', `shards aborted by shard 0: ${message.reason}`);
        if (message.kind !== 'pong' || message.nonce !== this.nonce) return undefined;
        samples.push({ sentUs: message.pingSentUs, leaderUs: message.leaderUs, receivedUs: options.clock.nowUs() });
        if (samples.length >= wanted) return true;
        pingAgain();
        return undefined;
      });
    } finally {
      clearTimeout(retry);
    }
    const offset = estimateOffset(samples);
    if (!offset) throw new SalvoError('unreachable', `shard 0 did not answer within ${seconds(options.timeoutMs)}`);
    return offset;
  }

  /**
   * Feeds every control message to `step` until it returns a value (or
   * `check`, run once first, does); undefined after `timeoutMs`. A throw in
   * `step` or a channel failure rejects.
   */
  private until<T>(
    timeoutMs: number,
    step: (message: ControlMessage) => T | undefined,
    check?: () => T | undefined,
  ): Promise<T | undefined> {
    const already = check?.();
    if (already !== undefined) return Promise.resolve(already);
    return new Promise<T | undefined>((resolve, reject) => {
      const finish = (value: T | undefined, error?: unknown): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (error !== undefined) reject(error);
        else resolve(value);
      };
      const waiter = (message: ControlMessage): void => {
        try {
          const value = step(message);
          if (value !== undefined) finish(value);
        } catch (error) {
          finish(undefined, error);
        }
      };
      const timer = setTimeout(() => finish(undefined), Math.max(0, timeoutMs));
      this.waiters.add(waiter);
      this.channel.failures().catch((error: unknown) => finish(undefined, error));
    });
  }
}

/**
 * How far ahead GO names the start: time for GO to reach every shard. At least a second; more when round trips were
 * long (three of the slowest shard's, as its clock samples saw them) or the shards many (a millisecond each for shard
 * 0 to send them GO).
 */
export function startLeadUs(shards: readonly ShardEntry[]): number {
  const slowestRoundTripUs = Math.max(0, ...shards.map((s) => 2 * s.offsetBoundUs));
  return Math.max(DEFAULT_START_LEAD_US, 3 * slowestRoundTripUs + 1_000 * shards.length);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
