/**
 * One consuming link: counts this run's messages and records end-to-end
 * latency from the send stamp. Messages of other runs or other producers
 * (left on a shared queue) are counted apart, never as received, and either
 * accepted or handed back (--foreign release) with modified undeliverable-here,
 * which asks the broker to keep them for other consumers. With the ledger
 * on, each of this run's arrivals is recorded by producer index and
 * sequence number (two bit operations; no allocation per message).
 *
 * With --recv-tx-size the link accepts inside transactions
 * (receive-transactions.ts): an arrival is recorded, counted and measured
 * only once its transaction committed; foreign messages are accepted in the
 * transaction too (consumed).
 *
 * Slow consumers (--recv-rate, --recv-delay): paced-intake.ts grants the
 * credit and, with a delay, holds each arrival until it has been processed;
 * only then is it taken (counted, recorded, accepted).
 *
 * --shards: a message another shard sent carries that host's clock; its
 * end-to-end latency is read through the shards' clock offsets into
 * `endToEndCrossShard` (src/metrics/cross-shard-clock.ts), and a same-shard
 * message's stays in `endToEnd`.
 */
import rhea, { type Connection, type Delivery, type EventContext, type Receiver } from 'rhea';
import { readStamps, Stamps } from '../src/amqp/stamp-reader.js';
import type { LinkAssignment } from '../src/protocol/worker-messages.js';
import { MAX_SEQ, RECEIVED_PAST_TTL_GRACE_US, ReceiverLedger, type WorkerArrivals } from '../src/ledger/index.js';
import { isWarmup } from '../src/metrics/index.js';
import { CrossShardClock } from '../src/metrics/cross-shard-clock.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { ARRIVAL_CORRUPTED, ARRIVAL_OTHER, ARRIVAL_REDELIVERED, ReceiveTransactions } from './receive-transactions.js';
import { SelectedArrivals } from './selected-arrivals.js';
import { PacedIntake } from './paced-intake.js';
import { linkRefusal } from './link-errors.js';
import type { WorkerRuntime } from './worker-runtime.js';
import { dialectOf, sharedProblem, topicSource, type TopicSource } from '../src/amqp/topic-terminus.js';
import { SalvoError } from '../src/errors.js';

export class ReceiverLink {
  received = 0;
  foreign = 0;
  lastReceiveUs = 0;
  private receiver!: Receiver;
  private readonly producerPrefix: Buffer;
  private readonly stamps = new Stamps();
  /** Null when the ledger is off (overhead benchmark). */
  readonly ledger: ReceiverLedger | null;
  /** The ledger's repeats already counted into the per-second figures. */
  private repeatsCounted = 0;
  /** Settle by hand: this run's messages accepted, foreign ones handed back. */
  private readonly releaseForeign: boolean;
  /** --recv-tx-size: this link's transactions; null outside them. */
  private readonly tx: ReceiveTransactions | null;
  /** --recv-selector (with the ledger): which fresh arrivals it matches, for the drain; null without. */
  private readonly selected: SelectedArrivals | null;
  /** Per producer: its stamps' correction to this host's clock and whether another shard sent it; set at the start. */
  private clock = new CrossShardClock(undefined);
  /** --recv-rate / --recv-delay: the paced credit (and held arrivals); null: credit as fast as rhea tops it up. */
  private readonly intake: PacedIntake | null;
  /** Accept by hand: foreign messages handed back, or arrivals held for --recv-delay. */
  private readonly manualAccept: boolean;
  /**
   * Accept each arrival on receipt (neither by hand nor in a transaction). Done here rather than
   * by rhea's autoaccept, which builds a new accepted outcome per message; delivery.accept() in
   * this thread hands over one shared outcome (rhea-patches/incoming-deliveries.ts).
   */
  private readonly acceptOnReceipt: boolean;
  private readonly takeBound = (delivery: Delivery, bytes: Buffer, nowUs: number, arrivalUs: number): void =>
    this.take(delivery, bytes, nowUs, arrivalUs);
  /** --msg-ttl: an arrival older than this (µs since sent) came past its ttl; 0 without a ttl. */
  private readonly pastTtlUs: number;
  private startTimer: NodeJS.Timeout | undefined;
  /** --recv-start-after: the late start has not come yet (a reconnect meanwhile must not open the credit). */
  private latePending = false;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly link: LinkAssignment,
    arrivals: WorkerArrivals,
  ) {
    this.producerPrefix = Buffer.from(runtime.assignment.runPrefix);
    this.ledger = runtime.assignment.ledger ? new ReceiverLedger(arrivals, link.subscription) : null;
    const ttlMs = runtime.assignment.msgTtlMs;
    this.pastTtlUs = ttlMs === undefined ? 0 : ttlMs * 1000 + RECEIVED_PAST_TTL_GRACE_US;
    const { messageProperties, recvSelector } = runtime.assignment;
    this.selected =
      this.ledger !== null && recvSelector !== undefined
        ? new SelectedArrivals(this.ledger, messageProperties, recvSelector)
        : null;
    const txPlan = runtime.assignment.transactions;
    this.releaseForeign =
      !txPlan && runtime.assignment.foreign === 'release' && runtime.assignment.settle === 'at-least-once';
    const { recvDelayMs, credit, settle } = runtime.assignment;
    this.intake =
      link.rateHz !== null || recvDelayMs !== undefined
        ? new PacedIntake(link, credit, recvDelayMs, this.takeBound)
        : null;
    this.manualAccept = this.releaseForeign || (this.intake?.holds === true && settle === 'at-least-once');
    this.tx = txPlan
      ? new ReceiveTransactions(
          runtime,
          txPlan,
          link.producer,
          (bytes, nowUs) => this.readForTransaction(bytes, nowUs),
          (...a) => this.committed(...a),
        )
      : null;
    this.acceptOnReceipt = !this.manualAccept && this.tx === null;
  }

  private started = false;

  /** Attaches on `connection`: first at the start, and again on each new connection after a loss. */
  attach(connection: Connection): Promise<void> {
    const { settle } = this.runtime.assignment;
    const topic = this.topicSource(connection);
    // No credit until the run starts: a backlog must not arrive before the clock runs.
    this.receiver = connection.open_receiver({
      ...(topic?.name !== undefined ? { name: topic.name } : {}),
      source: {
        ...(topic ? topic.source : { address: this.link.address }),
        ...selectorFilter(this.runtime.assignment.recvSelector),
      },
      credit_window: 0,
      autoaccept: false,
      snd_settle_mode: settle === 'at-most-once' ? 1 : 0,
      rcv_settle_mode: 0,
    });
    this.receiver.on('message', (ctx: EventContext) => this.onMessage(ctx));
    // A refused attach comes back as an attach (so 'receiver_open') followed by a detach with the error.
    this.receiver.on('receiver_error', (ctx: EventContext) =>
      this.runtime.fail(
        linkRefusal(ctx, this.link.address, this.link.connection, { role: 'receiving', messages: this.received }),
      ),
    );
    const opened = new Promise<void>((resolve) => this.receiver.once('receiver_open', () => resolve()));
    return this.tx ? opened.then(() => (this.tx as ReceiveTransactions).attach(connection, this.receiver)) : opened;
  }

  /** --subscriptions: this link's subscription as the broker at the other end wants it asked; null: a queue. */
  private topicSource(connection: Connection): TopicSource | null {
    const topic = this.runtime.assignment.topic;
    if (topic === undefined || this.link.subscription === undefined) return null;
    const dialect = dialectOf(connection);
    const problem = topic.shared ? sharedProblem(dialect) : null;
    if (problem !== null) throw new SalvoError('usage', problem);
    const { address, subscription, producer } = this.link;
    return topicSource(dialect, { topic: address, subscription, durable: topic.durable, consumer: producer });
  }

  /** The run started: open the credit window; rhea keeps it topped up from here on. */
  start(): void {
    this.started = true;
    this.clock = new CrossShardClock(this.runtime.window.clocks);
    // --recv-start-after: a late consumer, attached but taking nothing until then (a backlog builds).
    const lateMs = this.runtime.assignment.recvStartAfterMs ?? 0;
    if (lateMs > 0 && this.startTimer === undefined) {
      this.latePending = true;
      this.startTimer = setTimeout(() => {
        this.latePending = false;
        this.openCredit();
      }, lateMs);
      return;
    }
    this.openCredit();
  }

  private openCredit(): void {
    if (this.runtime.closed) return;
    // --msg-ttl: from now on this receiver could take what the broker still held; a message whose ttl had passed by
    // now expired on the broker, even if nothing ever arrives here (the checker's expired-or-lost line).
    if (this.pastTtlUs > 0 && this.ledger)
      this.ledger.lastArrivalUs = Math.max(this.ledger.lastArrivalUs, monotonicNowUs());
    // Transactions: prefetch 0, credit per transaction once it is declared.
    if (this.tx) return this.tx.start();
    if (this.intake) return this.intake.start(this.receiver, this.runtime.window.runStartUs, monotonicNowUs());
    const { credit } = this.runtime.assignment;
    this.receiver.set_credit_window(credit);
    this.receiver.add_credit(credit);
  }

  /** Nothing of a receiver's is in doubt: what it took unsettled, the broker delivers again. */
  connectionLost(): number {
    this.tx?.connectionLost();
    this.intake?.connectionLost();
    return 0;
  }

  /**
   * Attached again on a new connection: the credit window opens again if the run is on (a transaction is declared again
   * on attach).
   */
  resume(): void {
    if (!this.started || this.tx !== null || this.latePending) return;
    if (this.intake) this.intake.resume(this.receiver, monotonicNowUs());
    else this.openCredit();
  }

  /** The run is over: no more transactions, no more paced credit. */
  stop(): void {
    clearTimeout(this.startTimer);
    this.latePending = false;
    this.tx?.stop();
    this.intake?.stop();
  }

  /** The worker thread runs with raw payload views (receiver.ts): `ctx.message` is the encoded message. */
  private onMessage(ctx: EventContext): void {
    // First and unconditionally, as rhea's autoaccept would (a pre-settled delivery ignores it, as there).
    if (this.acceptOnReceipt) (ctx.delivery as Delivery).accept();
    if (this.runtime.closed || ctx.receiver !== this.receiver) return;
    if (this.tx !== null) return this.tx.onDelivery(ctx.delivery as Delivery, ctx.message as unknown as Buffer);
    const nowUs = monotonicNowUs();
    const bytes = ctx.message as unknown as Buffer;
    if (this.intake?.holds) this.intake.hold(ctx.delivery as Delivery, bytes, nowUs);
    else this.take(ctx.delivery as Delivery, bytes, nowUs, nowUs);
  }

  /** A message taken: at once, or once its --recv-delay is over (`arrivalUs`: when it came, for the ttl check). */
  private take(delivery: Delivery, bytes: Buffer, nowUs: number, arrivalUs: number): void {
    if (this.runtime.closed) return;
    this.lastReceiveUs = nowUs;
    const stamps = this.stamps;
    if (!readStamps(bytes, this.producerPrefix, stamps)) {
      this.foreign++;
      if (this.releaseForeign) delivery.modified({ delivery_failed: false, undeliverable_here: true });
      else if (this.manualAccept) delivery.accept();
      return;
    }
    if (this.manualAccept) delivery.accept();
    const ledger = this.ledger;
    let index = -1;
    if (ledger !== null) {
      // A number no producer could have reached (a damaged stamp) must not grow a bitset to gigabytes.
      if (stamps.seq < 1 || stamps.seq > MAX_SEQ) ledger.malformed++;
      else {
        index = ledger.producerIndex(bytes, stamps.producerStart, stamps.producerEnd);
        if (ledger.record(index, stamps.seq, stamps.redelivered, stamps.corrupted)) this.countFresh(index, stamps.seq);
      }
    }
    const clock = this.clock;
    if (index >= clock.learned) clock.learn(index, (i) => (ledger as ReceiverLedger).producerName(i));
    // The send stamp on this host's clock: another shard's is corrected by the two shards' offsets.
    const sentUs = clock.sentHereUs(index, stamps.sentUs);
    if (this.pastTtlUs > 0 && index >= 0)
      (ledger as ReceiverLedger).arrivedAt(index, stamps.seq, arrivalUs, arrivalUs - sentUs > this.pastTtlUs);
    // Before the start message, nothing of this run can have been sent. The sender decided on the
    // same send time (the stamp is its pass time floored), so both sides agree per message.
    const window = this.runtime.window;
    const warmup =
      window === undefined || isWarmup(this.runtime.assignment.warmupByReceipt ? nowUs : sentUs, window.warmupEndUs);
    this.received++;
    this.runtime.recorder.count('received', warmup);
    if (ledger !== null) this.countRepeats(ledger, warmup);
    if (this.runtime.assignment.measure) clock.record(this.runtime.recorder, index, nowUs - sentUs, warmup);
    this.runtime.progress.add('received');
  }

  /** A copy this worker had already seen, counted in its second (the verdict counts duplicates exactly). */
  private countRepeats(ledger: ReceiverLedger, warmup: boolean): void {
    if (ledger.repeats === this.repeatsCounted) return;
    this.runtime.recorder.countMany('duplicates', ledger.repeats - this.repeatsCounted, warmup);
    this.repeatsCounted = ledger.repeats;
  }

  /** A first arrival: the drain counts it, and with a selector counts it as selected only if it matches. */
  private countFresh(producerIndex: number, seq: number): void {
    this.runtime.progress.add('fresh');
    if (this.selected?.matches(producerIndex, seq)) this.runtime.progress.add('selected');
  }

  /** In a transaction: one delivery's stamps, kept in the batch until the discharge. */
  private readForTransaction(bytes: Buffer, nowUs: number): void {
    const tx = this.tx as ReceiveTransactions;
    this.lastReceiveUs = nowUs;
    const stamps = this.stamps;
    if (!readStamps(bytes, this.producerPrefix, stamps)) {
      this.foreign++;
      return tx.keep(0, 0, ARRIVAL_OTHER, 0, false);
    }
    const ledger = this.ledger;
    let producerIndex = 0;
    if (ledger !== null) {
      if (stamps.seq < 1 || stamps.seq > MAX_SEQ) {
        ledger.malformed++;
        return tx.keep(0, 0, ARRIVAL_OTHER, 0, false);
      }
      producerIndex = ledger.producerIndex(bytes, stamps.producerStart, stamps.producerEnd);
      if (producerIndex >= this.clock.learned) this.clock.learn(producerIndex, (i) => ledger.producerName(i));
    }
    const sentUs = this.clock.sentHereUs(ledger !== null ? producerIndex : -1, stamps.sentUs);
    const flags = (stamps.redelivered ? ARRIVAL_REDELIVERED : 0) | (stamps.corrupted ? ARRIVAL_CORRUPTED : 0);
    const window = this.runtime.window;
    const warmup =
      window === undefined || isWarmup(this.runtime.assignment.warmupByReceipt ? nowUs : sentUs, window.warmupEndUs);
    tx.keep(producerIndex, stamps.seq, flags, nowUs - sentUs, warmup);
  }

  /** A committed arrival of this run: recorded, counted and measured as a plain receipt is. */
  private committed(
    producerIndex: number,
    seq: number,
    flags: number,
    endToEndUs: number,
    warmup: boolean,
    inDoubt: boolean,
  ): void {
    const ledger = this.ledger;
    const corrupted = (flags & ARRIVAL_CORRUPTED) !== 0;
    const fresh =
      ledger !== null &&
      (inDoubt
        ? ledger.recordInDoubt(producerIndex, seq, corrupted)
        : ledger.record(producerIndex, seq, (flags & ARRIVAL_REDELIVERED) !== 0, corrupted));
    if (fresh) this.countFresh(producerIndex, seq);
    this.received++;
    this.runtime.recorder.count('received', warmup);
    if (ledger !== null) this.countRepeats(ledger, warmup);
    if (this.runtime.assignment.measure)
      this.clock.record(this.runtime.recorder, ledger !== null ? producerIndex : -1, endToEndUs, warmup);
    this.runtime.progress.add('received');
  }
}

/** --recv-selector as a source filter, under the descriptor brokers know it by (the AMQP JMS mapping's symbol). */
function selectorFilter(selector: string | undefined): { filter?: Record<string, unknown> } {
  if (selector === undefined) return {};
  return { filter: { 'jms-selector': rhea.types.wrap_described(selector, 'apache.org:selector-filter:string') } };
}
