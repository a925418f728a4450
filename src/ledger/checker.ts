/**
 * After a full drain (or, partially, after an interruption): merges every
 * sender's and receiver's ledger and gives the verdict. Receivers' "seen" bitsets are ORed (a message seen by two
 * receivers is a duplicate too), then compared with the senders'. Pure.
 */
import { Bitset, range } from './bitset.js';
import { decodeArrivals, type ArrivalRecord, type ReceiverLedgerWire } from './receiver-ledger.js';
import { decodeSenderLedger, sentByUs, type SenderLedgerWire, type SenderRecord } from './sender-ledger.js';
import { batchOf, batchStart } from './batches.js';
import { SelectionTally, type SelectionCounts, type Selects } from './selection.js';
import {
  CATEGORIES,
  judge,
  MAX_EXAMPLES,
  type Category,
  type Counts,
  type LedgerMode,
  type MessageRef,
  type Verdict,
} from './verdict.js';

/** One producer's arrivals over every receiver. */
export interface MergedArrivals {
  seen: Bitset;
  duplicated: Bitset;
  corrupted: Bitset;
  reordered: number;
  redelivered: number;
  /** Every copy received, the first included: copies minus seen is the extra copies beside `duplicated`. */
  copies: number;
  /** --msg-ttl: received later than their ttl allows. */
  pastTtl: Bitset;
}

/** Merging two producers' arrivals: commutative and associative. */
export function mergeArrivals(a: MergedArrivals, b: MergedArrivals): MergedArrivals {
  return {
    seen: a.seen.or(b.seen),
    duplicated: a.duplicated.or(b.duplicated).or(a.seen.and(b.seen)),
    corrupted: a.corrupted.or(b.corrupted),
    reordered: a.reordered + b.reordered,
    redelivered: a.redelivered + b.redelivered,
    copies: a.copies + b.copies,
    pastTtl: a.pastTtl.or(b.pastTtl),
  };
}

export function arrivalsOf(record: ArrivalRecord): MergedArrivals {
  return {
    seen: record.seen,
    duplicated: record.twice,
    corrupted: record.corrupted,
    reordered: record.reordered,
    redelivered: record.redelivered,
    // The link's first copy sets seen, its second twice, each after that counts in extraCopies.
    copies: record.seen.count() + record.twice.count() + record.extraCopies,
    pastTtl: record.pastTtl,
  };
}

/** Every receiver's arrivals merged by producer. */
export function mergeReceivers(receivers: readonly ReceiverLedgerWire[]): Map<string, MergedArrivals> {
  const merged = new Map<string, MergedArrivals>();
  for (const ledger of receivers) {
    for (const wire of ledger.producers) {
      const arrivals = arrivalsOf(decodeArrivals(wire));
      const before = merged.get(wire.producer);
      merged.set(wire.producer, before ? mergeArrivals(before, arrivals) : arrivals);
    }
  }
  return merged;
}

/**
 * The verdict. `senders` / `receivers` are null when that side did not run
 * (receive-only, send-only): its categories are then "not checked".
 *
 * `partial`: the run was interrupted, so the drain did not run. What arrived
 * and what the senders know is judged as usual (duplicated, unexpected,
 * corrupted, in doubt, ...), but a promised message not yet arrived may still
 * be on its way: it is counted `unconfirmed`, never lost, and lost (and the
 * transactional partial batch, built on lost) are "not checked". Such a
 * verdict can fail a run, never pass it.
 */
export function checkLedgers(
  mode: LedgerMode,
  senders: readonly SenderLedgerWire[] | null,
  receivers: readonly ReceiverLedgerWire[] | null,
  selects?: Selects,
  partial = false,
): Verdict {
  const subscriptions = receivers ? bySubscription(receivers) : null;
  if (subscriptions !== null) {
    const verdicts = subscriptions.map((group) => checkConsumers(mode, senders, group, selects, partial));
    return sumSubscriptions(mode, verdicts);
  }
  return checkConsumers(mode, senders, receivers, selects, partial);
}

/** The verdict over one set of competing consumers: a queue's, or one subscription's. */
function checkConsumers(
  mode: LedgerMode,
  senders: readonly SenderLedgerWire[] | null,
  receivers: readonly ReceiverLedgerWire[] | null,
  selects: Selects | undefined,
  partial: boolean,
): Verdict {
  const ledgers: DecodedLedgers = {
    sent: senders ? new Map(senders.map((w) => [w.producer, decodeSenderLedger(w)] as const)) : null,
    arrived: receivers ? mergeReceivers(receivers) : null,
    malformed: receivers ? receivers.reduce((n, r) => n + r.malformed, 0) : 0,
    reorderExamples: receivers ? receivers.flatMap((r) => r.reorderExamples) : [],
    lastArrivalUs: receivers ? Math.max(0, ...receivers.map((r) => r.lastArrivalUs ?? 0)) : 0,
  };
  return checkDecoded(mode, ledgers, selects, partial);
}

/**
 * --subscriptions: the receivers' ledgers by subscription (index = subscription, each with at least one link), or
 * null when no ledger names one (a queue's consumers).
 */
function bySubscription(receivers: readonly ReceiverLedgerWire[]): ReceiverLedgerWire[][] | null {
  if (!receivers.some((r) => r.subscription !== undefined)) return null;
  const groups: ReceiverLedgerWire[][] = [];
  for (const ledger of receivers) (groups[ledger.subscription ?? 0] ??= []).push(ledger);
  return Array.from(groups, (group) => group ?? []);
}

/** What only the senders know: the same in every subscription's verdict, so taken once, never summed. */
const SENDER_SIDE: readonly Category[] = ['inDoubt', 'resent'];

/**
 * One verdict from every subscription's: each was owed every promised message, so what arrives (or not) is counted
 * per subscription and summed (a message lost on one subscription is lost there, whatever the others got), and
 * `received` is the deliveries over all of them; what only the senders know is taken once.
 */
export function sumSubscriptions(mode: LedgerMode, verdicts: readonly Verdict[]): Verdict {
  const first = verdicts[0];
  const counts = Object.fromEntries(
    CATEGORIES.map((c) => [c, SENDER_SIDE.includes(c) ? first[c] : sumOrNull(verdicts.map((v) => v[c]))]),
  ) as Counts;
  const examples: Partial<Record<Category, MessageRef[]>> = {};
  for (const v of verdicts)
    for (const c of CATEGORIES) {
      const given = v.examples[c];
      if (!given || (SENDER_SIDE.includes(c) && examples[c])) continue;
      const list = (examples[c] ??= []);
      for (const ref of given) if (list.length < MAX_EXAMPLES) list.push(ref);
    }
  const extraCopies = verdicts.reduce((n, v) => n + (v.extraCopies ?? 0), 0);
  return {
    mode,
    ...judge(mode, counts),
    checked: first.checked,
    attempted: first.attempted,
    received: sumOrNull(verdicts.map((v) => v.received)),
    ...counts,
    ...(first.partial
      ? {
          partial: true as const,
          confirmed: sumOrNull(verdicts.map((v) => v.confirmed ?? null)),
          unconfirmed: sumOrNull(verdicts.map((v) => v.unconfirmed ?? null)),
        }
      : {}),
    ...(extraCopies > 0 ? { extraCopies } : {}),
    examples,
    // A selector each subscription applies: the one that let most non-matching messages through speaks for all.
    ...(first.selection ? { selection: worstSelection(verdicts) } : {}),
    ...(first.sentByPriority ? { sentByPriority: first.sentByPriority } : {}),
    subscriptions: verdicts.map((v, subscription) => ({
      subscription,
      received: v.received,
      lost: v.lost,
      duplicated: v.duplicated,
      reordered: v.reordered,
      ok: v.ok,
    })),
  };
}

function worstSelection(verdicts: readonly Verdict[]): SelectionCounts | undefined {
  let worst = verdicts[0].selection;
  for (const v of verdicts)
    if (v.selection && worst && v.selection.selectorMismatches > worst.selectorMismatches) worst = v.selection;
  return worst;
}

function sumOrNull(values: readonly (number | null | undefined)[]): number | null {
  let sum = 0;
  for (const value of values) {
    if (value === null || value === undefined) return null;
    sum += value;
  }
  return sum;
}

/**
 * Every ledger of a run, decoded, receivers already merged by producer: what checkLedgers builds from the wires, or a
 * LedgerFold (fold.ts) one ledger at a time. `sent` / `arrived` null: that side did not run.
 */
export interface DecodedLedgers {
  sent: ReadonlyMap<string, SenderRecord> | null;
  arrived: ReadonlyMap<string, MergedArrivals> | null;
  /** This run's messages whose sequence number could not be read, over every receiver. */
  malformed: number;
  reorderExamples: readonly [string, number][];
  /** --msg-ttl: the receivers' last arrival (µs); 0: none, or no ttl. */
  lastArrivalUs?: number;
}

/** The verdict over decoded ledgers (checkLedgers says what each argument means). */
export function checkDecoded(mode: LedgerMode, ledgers: DecodedLedgers, selects?: Selects, partial = false): Verdict {
  const { sent, arrived } = ledgers;
  const tally = new Tally();
  const selection = selects ? new SelectionTally(selects) : undefined;
  const endUs = ledgers.lastArrivalUs ?? 0;
  if (sent)
    for (const [producer, s] of sent) tallySender(tally, producer, s, mode, arrived?.get(producer), selection, endUs);
  if (arrived)
    for (const [producer, a] of arrived)
      tallyArrivals(tally, producer, a, sent ? (sent.get(producer) ?? null) : undefined);
  if (arrived && selection) for (const [producer, a] of arrived) selection.arrivals(producer, a.seen);
  if (arrived && sent) tally.count('unexpected', ledgers.malformed);
  if (arrived) for (const [producer, seq] of ledgers.reorderExamples) tally.example('reordered', producer, seq);
  const both = sent !== null && arrived !== null;
  // Interrupted: what the sender promised and no receiver has seen yet is the same set as lost, under another name.
  const missing = both ? tally.n.lost : null;
  const judged = both && !partial;
  const counts: Counts = {
    lost: judged ? tally.n.lost : null,
    unexpected: both ? tally.n.unexpected : null,
    duplicated: arrived ? tally.n.duplicated : null,
    corrupted: arrived ? tally.n.corrupted : null,
    recovered: both ? tally.n.recovered : null,
    reordered: arrived ? tally.n.reordered : null,
    inDoubt: sent ? tally.n.inDoubt : null,
    resent: sent ? tally.n.resent : null,
    redelivered: arrived ? tally.n.redelivered : null,
    ghost: both && mode === 'transactional' ? tally.n.ghost : null,
    partialBatch: judged && mode === 'transactional' ? tally.n.partialBatch : null,
    expired: judged && tally.ttl ? tally.n.expired : null,
    receivedExpired: arrived && tally.ttl ? tally.n.receivedExpired : null,
  };
  return {
    mode,
    ...judge(mode, counts),
    checked: { senders: sent !== null, receivers: arrived !== null },
    attempted: sent ? tally.attempted : null,
    received: arrived ? tally.received : null,
    ...counts,
    ...(partial ? { partial: true as const, confirmed: both ? tally.confirmed : null, unconfirmed: missing } : {}),
    // Only beside duplicates, so that a clean verdict reads as before.
    ...(arrived && tally.extraCopies > 0 ? { extraCopies: tally.extraCopies } : {}),
    examples: tally.examplesOf(counts),
    ...(tally.priorities ? { sentByPriority: tally.priorities } : {}),
    ...(selection && sent && arrived ? { selection: selection.counts } : {}),
  };
}

function tallySender(
  tally: Tally,
  producer: string,
  s: SenderRecord,
  mode: LedgerMode,
  a: MergedArrivals | undefined,
  selection?: SelectionTally,
  endUs = 0,
): void {
  tally.attempted += s.attempted;
  if (s.ttl) tally.ttl = true;
  if (s.priorities) {
    const sum = (tally.priorities ??= new Array<number>(s.priorities.length).fill(0));
    s.priorities.forEach((n, p) => {
      sum[p] += n;
    });
  }
  tally.add('inDoubt', producer, s.inDoubt);
  tally.add('resent', producer, s.resent);
  const seen = a?.seen ?? new Bitset();
  // At-most-once nothing is accepted: what was sent and never arrived is the loss (reported, not failing).
  // In transactions, only a commit promises delivery.
  const all = s.batchSize > 0 ? s.committed : mode === 'at-most-once' ? range(1, s.attempted) : s.accepted;
  // With a selector, only what it matches is promised to the receivers.
  const promised = selection ? selection.promised(producer, all, seen) : all;
  const missing = promised.andNot(seen);
  const expired = s.ttl && endUs > 0 ? expiredOf(s.ttl, missing, endUs) : null;
  const lost = expired ? missing.andNot(expired) : missing;
  if (expired) tally.add('expired', producer, expired);
  tally.add('lost', producer, lost);
  tally.confirmed += promised.count() - lost.count();
  tally.add('recovered', producer, s.inDoubt.or(s.failed).and(seen));
  if (s.batchSize === 0) return;
  // Rolled back and never committed since (a batch resent after a lost connection may commit the second time).
  tally.add('ghost', producer, s.rolledBack.andNot(s.committed).and(seen));
  for (const missing of partialBatches(s, seen, lost)) tally.add('partialBatch', producer, missing);
}

/**
 * Committed batches that arrived in part: per such batch, its first missing
 * number (so the count is in batches). Only batches with a loss are looked
 * at, each once.
 */
function partialBatches(s: SenderRecord, seen: Bitset, lost: Bitset): Bitset[] {
  const found: Bitset[] = [];
  let last = -1;
  for (const seq of lost.first(Number.POSITIVE_INFINITY)) {
    const batch = batchOf(seq, s.batchSize);
    if (batch === last) continue;
    last = batch;
    const from = batchStart(batch, s.batchSize);
    let arrived = false;
    for (let n = from; n < from + s.batchSize && !arrived; n++) arrived = s.committed.has(n) && seen.has(n);
    if (!arrived) continue;
    const example = new Bitset();
    example.set(seq);
    found.push(example);
  }
  return found;
}

/** `s` is undefined without sender ledgers, null for a producer no sender owns. */
function tallyArrivals(tally: Tally, producer: string, a: MergedArrivals, s: SenderRecord | null | undefined): void {
  const seen = a.seen.count();
  tally.received += seen;
  tally.extraCopies += a.copies - seen;
  tally.add('duplicated', producer, a.duplicated);
  tally.add('corrupted', producer, a.corrupted);
  tally.n.reordered += a.reordered;
  tally.n.redelivered += a.redelivered;
  if (s === undefined) return;
  tally.add('unexpected', producer, s === null ? a.seen : a.seen.andNot(range(1, s.attempted)));
  tally.add('receivedExpired', producer, a.pastTtl);
}

/**
 * Of the missing numbers, those certainly past their ttl by `endUs` (the receivers' last arrival): the time by which
 * each was sent (SendTimes' marks) plus the ttl is at or before it. One walk over the marks: the numbers come in order.
 */
function expiredOf(times: NonNullable<SenderRecord['ttl']>, missing: Bitset, endUs: number): Bitset {
  const expired = new Bitset();
  const ttlUs = times.ttlMs * 1000;
  let at = 0;
  for (const seq of missing.first(Number.POSITIVE_INFINITY)) {
    const sent = sentByUs(times, seq, at);
    at = sent.at;
    if (sent.us + ttlUs <= endUs) expired.set(seq);
  }
  return expired;
}

class Tally {
  readonly n: Record<Category, number> = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  attempted = 0;
  received = 0;
  /** Promised (accepted, sent at-most-once, committed) and arrived. */
  confirmed = 0;
  extraCopies = 0;
  /** Some producer sent with --msg-ttl. */
  ttl = false;
  /** --msg-priority: fresh messages per priority, summed. */
  priorities: number[] | undefined;
  private readonly examples: Partial<Record<Category, MessageRef[]>> = {};

  add(category: Category, producer: string, bits: Bitset): void {
    const count = bits.count();
    if (count === 0) return;
    this.n[category] += count;
    const list = (this.examples[category] ??= []);
    for (const seq of bits.first(MAX_EXAMPLES - list.length)) list.push({ producer, seq });
  }

  count(category: Category, n: number): void {
    this.n[category] += n;
  }

  example(category: Category, producer: string, seq: number): void {
    const list = (this.examples[category] ??= []);
    if (list.length < MAX_EXAMPLES) list.push({ producer, seq });
  }

  examplesOf(counts: Counts): Partial<Record<Category, MessageRef[]>> {
    const out: Partial<Record<Category, MessageRef[]>> = {};
    for (const c of CATEGORIES) if (counts[c] !== null && this.examples[c]?.length) out[c] = this.examples[c];
    return out;
  }
}
