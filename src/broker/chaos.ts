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
 */
import { SalvoError } from '../errors.js';
import type { Queue } from './queue.js';
import { StoredMessage } from './stored-message.js';

/** All a chaos link needs of a queue. */
export type ChaosQueue = Pick<Queue, 'enqueue'>;

/** Shares of accepted messages (0..1 each, summing to at most 1) and the generator's seed. */
export interface ChaosOptions {
  drop: number;
  dup: number;
  reorder: number;
  /** Share of messages posted in rolled-back transactions enqueued anyway; present only when given. */
  leak?: number;
  /** ignore-selector=1: consumers' selectors are accepted on attach, then not applied (a broker that ignores them); present only when given. */
  ignoreSelector?: true;
  seed: number;
}

/** What the broker did, by its own count. */
export interface ChaosCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Present only with `leak`. */
  leaked?: number;
}

export type ChaosDecision = 'deliver' | 'drop' | 'dup' | 'reorder';

const FAULTS = ['drop', 'dup', 'reorder', 'leak'] as const;
/** Not a share of messages but a switch: the selector-run self-test. */
const IGNORE_SELECTOR = 'ignore-selector';
type Fault = (typeof FAULTS)[number];

/** A held message is enqueued after this many later messages of its link... */
export const REORDER_BEHIND = 3;
/** ... or after this long, so that a link that stops sending never strands it. */
export const REORDER_FLUSH_MS = 50;

/** `drop=0.01,dup=0.01,reorder=0,leak=0` into rates; one usage line naming the bad token otherwise. */
export function parseChaosSpec(spec: string, seed: number, option = '--chaos'): ChaosOptions {
  const rates: Record<Fault, number> = { drop: 0, dup: 0, reorder: 0, leak: 0 };
  let leakGiven = false;
  let ignoreSelector = false;
  const tokens = spec.split(',').map((token) => token.trim());
  for (const token of tokens) {
    const [name, value, ...rest] = token.split('=');
    const bad = (why: string): SalvoError => new SalvoError('usage', `${option}: ${JSON.stringify(token)}: ${why}`);
    if (name === IGNORE_SELECTOR) {
      if (rest.length > 0 || (value !== '0' && value !== '1')) throw bad('expected ignore-selector=1 (or 0)');
      ignoreSelector = value === '1';
      continue;
    }
    if (!(FAULTS as readonly string[]).includes(name)) throw bad(`unknown fault ${JSON.stringify(name)} (${FAULTS.join(', ')})`);
    const rate = value === undefined || rest.length > 0 || value.trim() === '' ? NaN : Number(value);
    if (!(rate >= 0 && rate <= 1)) throw bad('expected a rate from 0 to 1, e.g. drop=0.01');
    rates[name as Fault] = rate;
    if (name === 'leak') leakGiven = true;
  }
  if (rates.drop + rates.dup + rates.reorder > 1) {
    throw new SalvoError('usage', `${option}: ${JSON.stringify(spec)}: the rates add up to more than 1`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SalvoError('usage', `--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(String(seed))}`);
  }
  const { leak, ...afterAcceptance } = rates;
  return { ...afterAcceptance, ...(leakGiven ? { leak } : {}), ...(ignoreSelector ? { ignoreSelector: true as const } : {}), seed };
}

/** `dropped N, duplicated N, reordered N`: the broker's exit line and the run summary. */
export function formatChaosCounts(counts: ChaosCounts): string {
  const leaked = counts.leaked !== undefined ? `, leaked ${counts.leaked}` : '';
  return `dropped ${counts.dropped}, duplicated ${counts.duplicated}, reordered ${counts.reordered}${leaked}`;
}

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
  private readonly random: SeededRandom;
  /** Its own stream, so that leaks do not shift the drop / dup / reorder decisions. */
  private readonly leakRandom: SeededRandom;
  private readonly dupBelow: number;
  private readonly reorderBelow: number;

  constructor(private readonly options: ChaosOptions) {
    this.random = new SeededRandom(options.seed);
    this.leakRandom = new SeededRandom(options.seed ^ 0x5bd1e995);
    this.counts = { dropped: 0, duplicated: 0, reordered: 0, ...(options.leak !== undefined ? { leaked: 0 } : {}) };
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
      queue.enqueue(new StoredMessage(message.payload));
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
