/**
 * Broker chaos: the embedded broker misbehaving on purpose after it accepted
 * a message (drop it, enqueue it twice, hold it back behind later ones), so
 * that a run's verdict can be compared with what the broker really did. The
 * checker is right only if it finds exactly these counts.
 *
 * Messages sent under a transaction meet the same faults when their
 * transaction commits (one chaos link for every commit, so a reorder there
 * may hold a message behind other producers' ones), and `leak` enqueues a
 * share of the messages of rolled-back transactions anyway: a transactional
 * run must find exactly those as ghosts, and committed batches with a
 * dropped message as partial batches.
 *
 * Decisions come from a seeded generator (mulberry32), one draw per accepted
 * message, so the same seed and the same message order give the same counts.
 *
 * Three switches misbehave on the consuming side instead, each breaking one
 * promise of `salvo verify` (ConsumerChaos): released and modified messages
 * dropped instead of queued again, a departed consumer's unsettled messages
 * dropped, a consumer's drain never answered. A fourth, ignore-ttl, keeps
 * expired messages and delivers them (a broker that ignores ttl).
 */
import type { ChaosCounts, ChaosOptions } from '../plan/chaos-spec.js';
import type { Queue } from './queue.js';
import { StoredMessage } from './stored-message.js';

/** All a chaos link needs of a queue. */
export type ChaosQueue = Pick<Queue, 'enqueue'>;

export type { ChaosCounts, ChaosOptions };

export type ChaosDecision = 'deliver' | 'drop' | 'dup' | 'reorder';

/** A held message is enqueued after this many later messages of its link... */
export const REORDER_BEHIND = 3;
/** ... or after this long, so that a link that stops sending never strands it. */
export const REORDER_FLUSH_MS = 50;

/** mulberry32: 32 bits of state, fast, well spread; enough to pick faults, not for anything secret. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** The broker-wide decider and counters; each producer link holds its own reorder state (ChaosLink). */
export class Chaos {
  readonly counts: ChaosCounts;
  /** Accepted messages held back by reorder right now, on every link (lost if the broker restarts). */
  heldBack = 0;
  /** ignore-ttl=1: expiry is not read, so nothing expires. */
  readonly ignoresTtl: boolean;
  private readonly random: SeededRandom;
  /** Its own stream, so that leaks do not shift the drop / dup / reorder decisions. */
  private readonly leakRandom: SeededRandom;
  private readonly dupBelow: number;
  private readonly reorderBelow: number;

  constructor(private readonly options: ChaosOptions) {
    this.ignoresTtl = options.ignoreTtl === true;
    this.random = new SeededRandom(options.seed);
    this.leakRandom = new SeededRandom(options.seed ^ 0x5bd1e995);
    this.counts = {
      dropped: 0,
      duplicated: 0,
      reordered: 0,
      ...(options.leak !== undefined ? { leaked: 0 } : {}),
      ...(options.loseReleased ? { unreturned: 0 } : {}),
      ...(options.forgetUnsettled ? { forgotten: 0 } : {}),
      ...(options.ignoreDrain ? { drainsIgnored: 0 } : {}),
      ...(options.ignoreTtl ? { ttlIgnored: 0 } : {}),
    };
    this.dupBelow = options.drop + options.dup;
    this.reorderBelow = this.dupBelow + options.reorder;
  }

  /** One draw per accepted message: every message gets at most one fault. */
  decide(): ChaosDecision {
    const r = this.random.next();
    if (r < this.options.drop) return 'drop';
    if (r < this.dupBelow) return 'dup';
    if (r < this.reorderBelow) return 'reorder';
    return 'deliver';
  }

  /** One draw per message of a rolled-back transaction: true when it is to be enqueued anyway (and counted). */
  leaks(): boolean {
    if (!(this.options.leak! > 0) || this.leakRandom.next() >= this.options.leak!) return false;
    this.counts.leaked = (this.counts.leaked ?? 0) + 1;
    return true;
  }

  link(): ChaosLink {
    return new ChaosLink(this);
  }

  /** The consuming side's switches, or null when none is on (consumers then pay nothing). */
  consumer(): ConsumerChaos | null {
    const { loseReleased, forgetUnsettled, ignoreDrain } = this.options;
    return loseReleased || forgetUnsettled || ignoreDrain ? new ConsumerChaos(this.options, this.counts) : null;
  }
}

/** What a consumer link does wrong on purpose; each method counts what it did. */
export class ConsumerChaos {
  constructor(
    private readonly options: ChaosOptions,
    private readonly counts: ChaosCounts,
  ) {}

  /** true: the released or modified message is to be dropped, not queued again. */
  losesReturned(): boolean {
    if (!this.options.loseReleased) return false;
    this.counts.unreturned = (this.counts.unreturned ?? 0) + 1;
    return true;
  }

  /** true: a departed consumer's `held` unsettled messages are to be dropped. */
  forgetsUnsettled(held: number): boolean {
    if (!this.options.forgetUnsettled) return false;
    this.counts.forgotten = (this.counts.forgotten ?? 0) + held;
    return true;
  }

  /** true: the drain asked for is not to be answered. */
  ignoresDrain(): boolean {
    if (!this.options.ignoreDrain) return false;
    this.counts.drainsIgnored = (this.counts.drainsIgnored ?? 0) + 1;
    return true;
  }
}

interface Held {
  message: StoredMessage;
  queue: ChaosQueue;
  /** Later messages of the link still to be enqueued before this one. */
  remaining: number;
  /** Later messages of the link already enqueued: it is out of order only if this is above 0. */
  passed: number;
}

/**
 * One producer link's share of the chaos: it enqueues an accepted message,
 * or drops it, or enqueues a second copy (a distinct StoredMessage, delivery
 * count 0: a fresh duplicate), or holds it until REORDER_BEHIND later
 * messages of the same link went ahead (a flush timer releases it otherwise).
 * A held message released before any later one is not counted as reordered:
 * it arrives in order.
 */
export class ChaosLink {
  private readonly held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly onTimer = (): void => this.flush();

  constructor(private readonly chaos: Chaos) {}

  /** With ignore-ttl, the counts that expired messages delivered anyway go into; undefined: expiry honoured. */
  get expiryIgnoredBy(): ChaosCounts | undefined {
    return this.chaos.ignoresTtl ? this.chaos.counts : undefined;
  }

  enqueue(queue: ChaosQueue, message: StoredMessage): void {
    const decision = this.chaos.decide();
    if (decision === 'drop') {
      this.chaos.counts.dropped++;
      return;
    }
    if (decision === 'reorder') {
      this.held.push({ message, queue, remaining: REORDER_BEHIND, passed: 0 });
      this.chaos.heldBack++;
      this.timer ??= setTimeout(this.onTimer, REORDER_FLUSH_MS).unref();
      return;
    }
    queue.enqueue(message);
    if (decision === 'dup') {
      queue.enqueue(new StoredMessage(message.payload, this.expiryIgnoredBy));
      this.chaos.counts.duplicated++;
    }
    if (this.held.length > 0) this.passedBy();
  }

  /** Everything held goes to its queue now (a flush timer, the link's end). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const held of this.held.splice(0)) this.release(held);
  }

  private passedBy(): void {
    let kept = 0;
    for (const held of this.held) {
      held.passed++;
      if (--held.remaining === 0) this.release(held);
      else this.held[kept++] = held;
    }
    this.held.length = kept;
    if (kept === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private release(held: Held): void {
    if (held.passed > 0) this.chaos.counts.reordered++;
    this.chaos.heldBack--;
    held.queue.enqueue(held.message);
  }
}
