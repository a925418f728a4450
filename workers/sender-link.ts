/**
 * One producer: a sending link on a session of its own, so that rhea's
 * delivery ids on it run 0, 1, 2 ... and index the send-time rings directly.
 *
 * Per message the pump stamps a prebuilt copy of the template, hands it to
 * rhea and records; per outcome the handler looks up the send time and
 * records. No promise, closure, log or JSON per message. The ledger
 * (src/ledger) gets the sequence number of each send and outcome: a slot
 * remembers which number it carries, so a resend after a reconnect can
 * carry an old number.
 *
 * Three counts, because a resend is a delivery but not a new message:
 * `sent` (fresh sequence numbers, 1..sent), `attempts` (deliveries handed to
 * rhea over every connection; they index the slots) and `resolved` (attempts
 * with an outcome, or lost with their connection). When the connection goes,
 * rhea forgets its unsettled deliveries without an event: every number still
 * pending in the slots is in doubt, and is queued to go again, first, on the
 * next link (`connectionLost`, `resume`). A new link is on a new session, so
 * rhea's delivery ids restart at 0 there: `linkBase` maps them back to attempts.
 *
 * The slots are send-slots.ts's, the numbers waiting to go again
 * resend-queue.ts's; this class decides when to send and what.
 *
 * Open loop, the pump waits for each due time with the one pacer
 * (src/timing/pacer.ts, SENDER_PACING): a timer to the last millisecond,
 * then event-loop turns, napping only while nothing is in flight and this is
 * the worker's only link (a nap blocks the thread). Due messages blocked by
 * the in-flight limit or credit wait for an outcome or a 'sendable' instead of
 * spinning.
 *
 * With --body-size as a distribution, each size has its own ring of
 * template copies (built once, before the first send) and each message's
 * size is a hash of its sequence number (src/content/body-sizes.ts), so a
 * resend has the size it had; fresh messages are counted per size.
 *
 * With --tx-size the link sends in transactions (send-transactions.ts): a
 * pass sends only inside an open transaction and never beyond its batch; a
 * batch whose every transfer has its outcome is discharged before the next
 * is declared; a lost connection's batch goes again whole (or not at all)
 * instead of only its unsettled transfers.
 */
import type { Connection, Delivery, EventContext, Sender } from 'rhea';
import { buildTemplate, ringCopies, TemplateRing } from '../src/amqp/message-template.js';
import { creditOf, deliveryCountOf, sessionRoom } from '../src/amqp/rhea-patches/index.js';
import type { LinkAssignment } from '../src/protocol/worker-messages.js';
import { SenderLedger, SendTimes } from '../src/ledger/index.js';
import { PriorityValues } from '../src/content/priority-values.js';
import { PropertyRing } from '../src/amqp/property-template.js';
import { MAX_PRIORITY } from '../src/plan/index.js';
import { selectionMatcher, type SeqMatcher } from '../src/content/property-values.js';
import { BodySizeChooser } from '../src/content/body-sizes.js';
import { isWarmup } from '../src/metrics/index.js';
import { linkSchedule, type OpenLoopSchedule } from '../src/timing/send-schedule.js';
import { nap, owedUntilUs, Pacer, SENDER_PACING } from '../src/timing/pacer.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { type LinkTraffic, linkRefusal } from './link-errors.js';
import { ResendQueue } from './resend-queue.js';
import { SendSlots } from './send-slots.js';
import { SendTransactions } from './send-transactions.js';
import type { WorkerRuntime } from './worker-runtime.js';
import { dialectOf, topicTarget } from '../src/amqp/topic-terminus.js';

/** What bound a pass (the smallest limit), for telling the in-flight limit from the broker's credit. */
const LIMIT_BATCH = 0;
const LIMIT_CREDIT = 1;
const LIMIT_IN_FLIGHT = 2;
const LIMIT_UNWRITTEN = 3;
const LIMIT_COUNT = 4;
const LIMIT_SCHEDULE = 5;
const LIMIT_TX_BATCH = 6;

/** rhea's delivery bookkeeping on 'settled' (auto-settle) runs without a listener; this one only ends the event's climb. */
const ignoreEvent = (): void => undefined;

/** After the stop time an open-loop link still sends, for this long, what fell due before it. */
const STOP_FLUSH_US = 1_000;
/** Due messages waiting for in-flight room or credit look again at least this often (to notice the stop time). */
const ROOM_WAIT_MAX_MS = 100;

/**
 * The most deliveries this link can have in flight, which sizes its template copies and send slots: the in-flight
 * limit, or fewer when the link has a count and no warm-up (a resend carries an old number, so unsettled deliveries
 * never outnumber the count). 10,000 links sending 10 messages each then hold 10 copies and 32 slots apiece
 * instead of 256 and 2,048.
 */
export function linkInFlightBound(maxInFlight: number, count: number | null, warmup: { warmupMs: number }): number {
  if (count === null || warmup.warmupMs > 0) return maxInFlight;
  return Math.max(1, Math.min(maxInFlight, count));
}

/**
 * Template copies a worker's links hold together, at most (each link's pass is as long as its copies): up to 32
 * links keep a full pass each; 100 links get 81 copies instead of 256, 5,000 links 16. A worker's links share its
 * thread and its sockets, so many long passes side by side only queue more bytes than the connections can take.
 */
const WORKER_PASS_COPIES = 8_192;
/** Fewest copies a link gets from the worker's share, however many links: passes stay a few messages long. */
const MIN_PASS_SHARE = 16;

/** One link's share of WORKER_PASS_COPIES. */
export function passShare(linksInWorker: number): number {
  return Math.max(MIN_PASS_SHARE, Math.floor(WORKER_PASS_COPIES / Math.max(1, linksInWorker)));
}

export class SenderLink {
  /** Fresh messages sent: sequence numbers 1..sent. */
  sent = 0;
  /** Deliveries handed to rhea, resends included: they index the slots. */
  private attempts = 0;
  /** Attempts with an outcome, or in doubt since their connection went. */
  private resolved = 0;
  /** Attempts made before the current link was attached (rhea's delivery ids restart per session). */
  private linkBase = 0;
  /** No link: the connection went and the worker is reconnecting. */
  private down = false;
  /** In doubt after a lost connection, waiting to go again: sequence numbers and their intended send times. */
  private readonly resends = new ResendQueue();
  /** Resends made, for the worker's counters. */
  resent = 0;
  private sender!: Sender;
  /** The largest size's ring (every ring has as many copies); with one size, the only one. */
  private readonly ring: TemplateRing | PropertyRing;
  /** --body-size distribution: one ring per size, in the distribution's order; null: one size. */
  private readonly rings: (TemplateRing | PropertyRing)[] | null;
  private readonly chooser: BodySizeChooser | null;
  /** Fresh messages sent after warm-up, per size (distribution only). */
  readonly sentBySize: Float64Array | null;
  /** --msg-priority: each message's priority, written at `priorityOffset` of its copy; null without one. */
  private readonly priorities: PriorityValues | null;
  private readonly priorityOffset: number;
  /** The highest number whose priority was counted: resends (lower numbers) are not counted again. */
  private priorityCounted = 0;
  /** --recv-selector: whether an accepted message is one the receivers will get (the drain waits for those). */
  private readonly matches: SeqMatcher | null;
  private readonly batch: number;
  /** Per attempt: send time, intended time, the sequence number until its outcome, the delivery tag. */
  private readonly slots: SendSlots;
  /** What this producer knows of each sequence number; null when the ledger is off (overhead benchmark). */
  readonly ledger: SenderLedger | null;
  private readonly presettled: boolean;
  /** --tx-size: this link's transactions; null outside them. */
  private readonly tx: SendTransactions | null;
  private schedule: OpenLoopSchedule | null = null;
  /** Open loop: messages due before the stop time (Infinity without one). */
  private dueAtStop = Number.POSITIVE_INFINITY;
  /** Open loop: the due time being waited for. */
  private nextDueUs = 0;
  /** Open loop: waits for nextDueUs. */
  private readonly pacer: Pacer;
  private limit = LIMIT_BATCH;
  private waitingForRoom = false;
  private readonly napAllowed: boolean;
  private sendingStopped = false;
  /** Open loop: due when sending stopped, never sent. */
  unsent = 0;
  /** When the last outcome arrived (µs), for the accept rate. */
  lastOutcomeUs = 0;
  private settleTimer: NodeJS.Timeout | undefined;
  /** The worker's outcomes when the drain timer was set: no change by the time it fires ends the wait. */
  private outcomesAtCheck = 0;
  /** Sequence numbers up to this one were sent during warm-up; -1 while warm-up lasts. */
  private firstMeasuredId = -1;
  /** SALVO_TEST_CLOCK_SKEW_US (tests only, else 0): stamps read as another host's clock would (cross-shard-clock.ts). */
  private stampSkewUs = 0;
  private pumpScheduled = false;
  private lastReportedAttempts = 0;
  /** When the last message went out (µs), for the send rate. */
  lastSendUs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private running = false;
  private resolveDone: (() => void) | undefined;
  private readonly pumpBound = (): void => this.pump();
  private readonly settleCheckBound = (): void => this.settleCheck();

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly link: LinkAssignment,
  ) {
    const { bodySize, bodySizes, durable, maxInFlight, settle, msgTtlMs, msgPriority } = runtime.assignment;
    const linksInWorker = runtime.assignment.connections.reduce((n, links) => n + links.length, 0);
    const mostInFlight = linkInFlightBound(maxInFlight, link.count, runtime.assignment);
    this.presettled = settle === 'at-most-once';
    const header = {
      durable,
      ...(msgTtlMs !== undefined ? { ttlMs: msgTtlMs } : {}),
      ...(msgPriority ? { priority: msgPriority.values[0] } : {}),
    };
    const sizes = bodySizes?.sizes ?? [bodySize];
    const templates = sizes.map((size) => buildTemplate({ producer: link.producer, bodySize: size, ...header }));
    // Every size's ring together stays within one link's ring budget.
    const copies = ringCopies(
      Math.min(mostInFlight, passShare(linksInWorker)),
      templates.reduce((sum, t) => sum + t.bytes.length, 0),
    );
    const { messageProperties, recvSelector } = runtime.assignment;
    const rings = templates.map((template, i) =>
      messageProperties
        ? new PropertyRing(messageProperties, link.producer, { bodySize: sizes[i], ...header }, copies)
        : new TemplateRing(template, copies),
    );
    this.ring = rings.reduce((a, b) => (b.template.bytes.length > a.template.bytes.length ? b : a));
    this.rings = bodySizes ? rings : null;
    this.chooser = bodySizes ? new BodySizeChooser(bodySizes, link.producer) : null;
    this.sentBySize = bodySizes ? new Float64Array(sizes.length) : null;
    // The header comes first in every template, so the priority byte sits at one offset whatever the size.
    this.priorities = msgPriority ? new PriorityValues(msgPriority, link.producer) : null;
    this.priorityOffset = templates[0].priorityOffset;
    this.matches = recvSelector === undefined ? null : selectionMatcher(messageProperties, recvSelector)(link.producer);
    this.batch = copies;
    this.ledger = runtime.assignment.ledger
      ? new SenderLedger(link.producer, runtime.assignment.transactions?.size ?? 0)
      : null;
    if (this.ledger !== null && msgTtlMs !== undefined) this.ledger.times = new SendTimes(msgTtlMs);
    if (this.ledger !== null && msgPriority) this.ledger.priorities = new Float64Array(MAX_PRIORITY + 1);
    const txPlan = runtime.assignment.transactions;
    this.tx = txPlan
      ? new SendTransactions(
          runtime,
          txPlan,
          link.producer,
          this.ledger,
          () => this.firstMeasuredId,
          () => this.afterTransactionStep(),
        )
      : null;
    // Unsettled sends always keep their numbers: a lost connection must know what to send again.
    // A marked tag carries its transaction's state: a transactional link's tags are its own.
    this.slots = new SendSlots(mostInFlight, this.batch, !this.presettled, this.tx !== null);
    this.napAllowed = linksInWorker === 1;
    this.pacer = new Pacer(
      {
        dueUs: () => (this.finished ? Number.POSITIVE_INFINITY : this.nextDueUs),
        onDue: this.pumpBound,
        // A nap blocks the thread, and an outcome read late is timed late.
        mayNap: () => this.napAllowed && (this.presettled || this.attempts === this.resolved),
      },
      SENDER_PACING,
    );
  }

  /** Attaches on `connection`: first at the start, and again on each new connection after a loss. */
  attach(connection: Connection): Promise<void> {
    const session = connection.create_session();
    session.begin();
    this.sender = session.open_sender({
      target: this.runtime.assignment.topic
        ? topicTarget(dialectOf(connection), this.link.address)
        : { address: this.link.address },
      snd_settle_mode: this.presettled ? 1 : 0,
      rcv_settle_mode: 0,
      autosettle: true,
      // Otherwise rhea raises 'released' as well for every 'modified', and both would be counted.
      treat_modified_as_released: false,
    }) as Sender;
    this.sender.on('accepted', (ctx: EventContext) => this.onOutcome(ctx, 'accepted'));
    this.sender.on('released', (ctx: EventContext) => this.onOutcome(ctx, 'released'));
    this.sender.on('rejected', (ctx: EventContext) => this.onOutcome(ctx, 'rejected'));
    this.sender.on('modified', (ctx: EventContext) => this.onOutcome(ctx, 'modified'));
    this.sender.on('sendable', this.pumpBound);
    // Handled here, rhea stops the event at the link: otherwise every settlement climbs to the session, the connection
    // and the container (a listener lookup and a debug call at each), where nobody listens.
    this.sender.on('settled', ignoreEvent);
    // A refused attach comes back as an attach (so 'sender_open') followed by a detach with the error.
    this.sender.on('sender_error', (ctx: EventContext) =>
      this.runtime.fail(linkRefusal(ctx, this.link.address, this.link.connection, this.traffic())),
    );
    const opened = new Promise<void>((resolve) =>
      this.sender.once('sender_open', () => {
        this.checkMessageSize();
        resolve();
      }),
    );
    return this.tx ? opened.then(() => (this.tx as SendTransactions).attach(connection)) : opened;
  }

  /** What had gone through this link when the broker detached it (link-errors.ts). */
  private traffic(): LinkTraffic {
    const { durable } = this.runtime.assignment;
    // This link only: a reattached link refused after a reconnect is a refused address, whatever went before.
    const messages = this.attempts - this.linkBase;
    return { role: 'sending', messages, unsettled: this.attempts - this.resolved, durable };
  }

  /** A broker that advertises a max message size smaller than ours would detach the link at the first send. */
  private checkMessageSize(): void {
    // rhea's public getter for the peer's attach field (undefined until the attach arrives).
    const limit = Number((this.sender as unknown as { readonly max_message_size?: unknown }).max_message_size ?? 0);
    const size = this.ring.template.bytes.length;
    if (limit > 0 && size > limit) {
      this.runtime.fail({
        code: 'usage',
        message:
          `--body-size ${this.runtime.assignment.bodySize}: messages of ${size} bytes exceed the broker's max ` +
          `message size of ${limit} bytes`,
        connection: this.link.connection,
      });
    }
  }

  /** Sends until its count, the stop time or a stop; resolves when every send is settled or the worker stops. */
  run(): Promise<void> {
    const { runStartUs, stopAtUs, clocks } = this.runtime.window;
    this.stampSkewUs = clocks?.skewUs ?? 0;
    this.schedule = linkSchedule(this.link, runStartUs);
    if (this.schedule && stopAtUs !== null) this.dueAtStop = this.schedule.dueBefore(stopAtUs);
    this.runtime.onStop(() => this.complete());
    this.runtime.onFail(() => this.complete());
    // A sender with no credit and nothing in flight gets no events: the stop time must wake it.
    if (stopAtUs !== null)
      this.stopTimer = setTimeout(this.pumpBound, Math.max(0, (stopAtUs - monotonicNowUs()) / 1000));
    return new Promise((resolve) => {
      this.resolveDone = resolve;
      this.running = true;
      this.pump();
    });
  }

  /**
   * Unsettled now: at the end of the run, their fate is unknown (those queued for resend were counted when they went in
   * doubt).
   */
  get inDoubt(): number {
    // A transaction's unsettled transfers are rolled back with it, not in doubt.
    return this.presettled || this.tx !== null ? 0 : this.attempts - this.resolved;
  }

  /**
   * The link is going away with deliveries unsettled: their sequence numbers
   * are in doubt. In-flight is bounded below the slot count, so every
   * pending slot lies among the last `slots` attempts. Returns how many,
   * and hands each to `queue` with its intended send time.
   */
  lostTrackOfUnsettled(queue?: (seq: number, intendedUs: number) => void): number {
    if (this.presettled) return 0;
    if (this.tx) {
      // A transaction's transfers are not in doubt when it goes: the transaction rolled back.
      this.forgetSlots();
      this.tx.abandon(this.sent);
      return 0;
    }
    const n = this.slots.releasePending(this.attempts, (seq, intendedUs) => {
      this.ledger?.lostTrack(seq);
      queue?.(seq, intendedUs);
    });
    this.resolved = this.attempts;
    return n;
  }

  /**
   * The connection went away: everything unsettled is in doubt and queued to
   * go again, in order, before any fresh message. Returns how many.
   */
  connectionLost(): number {
    this.down = true;
    this.cancelWake();
    if (this.tx) return this.transactionLost(this.tx);
    const inDoubt = this.lostTrackOfUnsettled(this.resends.addBound);
    if (inDoubt > 0) {
      this.runtime.recorder.countMany('inDoubt', inDoubt, this.firstMeasuredId < 0);
      this.runtime.progress.add('settled', inDoubt);
    }
    return inDoubt;
  }

  /**
   * The connection went with this link's transaction: the transaction's
   * fate decides (send-transactions.ts); a batch meant to commit is queued
   * to go again. Nothing of it is in doubt unless its commit was unanswered.
   */
  private transactionLost(tx: SendTransactions): number {
    this.forgetSlots();
    // Fresh numbers past the batch's resends are sent from where they stopped.
    return tx.connectionLost(this.sent, this.resends.addBound);
  }

  /** Every slot free, every attempt resolved: a transaction's transfers need no outcome once it is gone. */
  private forgetSlots(): void {
    this.slots.forgetAll();
    this.runtime.progress.add('settled', this.attempts - this.resolved);
    this.resolved = this.attempts;
  }

  /** Attached again on a new connection: resends first, then on as before. */
  resume(): void {
    this.down = false;
    this.linkBase = this.attempts;
    this.schedulePump();
  }

  private get resendsWaiting(): number {
    return this.resends.waiting;
  }

  /** Sending stopped during warm-up: what it left unsent is warm-up too. */
  get inWarmup(): boolean {
    return this.firstMeasuredId < 0;
  }

  private pump(): void {
    this.pumpScheduled = false;
    this.cancelWake();
    // Credit may arrive before the start message: nothing is sent before then; nor without a link.
    if (this.finished || !this.running || this.down) return;
    const nowUs = monotonicNowUs();
    // Warm-up ends between passes: every send of one pass shares its time, and its stamp.
    if (this.firstMeasuredId < 0 && !isWarmup(nowUs, this.runtime.window.warmupEndUs)) this.firstMeasuredId = this.sent;
    const freshOver = this.sendingOver(nowUs);
    // Messages in doubt are owed whatever the count or the clock says; only a stop ends them.
    if (freshOver && (this.resendsWaiting === 0 || this.runtime.stopping)) {
      this.stopSending(nowUs);
      this.maybeComplete();
      return;
    }
    if (this.tx !== null && !this.transactionAllowsSending(this.tx, freshOver)) return;
    const room = this.roomNow();
    const resends = Math.min(room, this.resendsWaiting);
    if (resends > 0) this.sendAgain(resends, nowUs);
    const passSize = freshOver ? 0 : this.freshAllowed(room - resends, nowUs);
    let n = passSize;
    const warmup = this.firstMeasuredId < 0;
    const measure = this.runtime.assignment.measure;
    const recorder = this.runtime.recorder;
    const schedule = this.schedule;
    const ledger = this.ledger;
    const slowUs = this.runtime.assignment.slowPerMessageUs;
    const slots = this.slots;
    const tags = slots.tags;
    // --msg-ttl: when this pass's numbers went (at most one mark a second).
    if (passSize > 0) ledger?.times?.pass(this.sent + 1, nowUs);
    while (n-- > 0) {
      const seq = this.sent + 1;
      const intendedUs = schedule ? schedule.intendedUs(this.sent) : nowUs;
      const slot = slots.record(this.attempts, seq, nowUs, intendedUs);
      if (ledger !== null) ledger.sent(seq);
      if (this.tx !== null) this.tx.sending(seq, tags[slot], nowUs, intendedUs);
      this.sender.send(this.payload(seq, intendedUs, nowUs, measure, warmup), tags[slot], 0);
      this.sent++;
      this.attempts++;
      if (schedule && measure) recorder.record('sendDelay', nowUs - intendedUs, warmup);
      if (this.presettled) this.resolved++;
      if (slowUs > 0) nap(slowUs);
    }
    if (passSize > 0) {
      recorder.countMany('sent', passSize, warmup);
      this.lastSendUs = nowUs;
    }
    if (passSize + resends > 0) {
      this.runtime.progress.add('sent', this.attempts - this.lastReportedAttempts);
      this.lastReportedAttempts = this.attempts;
    }
    recorder.count('passes', warmup);
    if (this.limit === LIMIT_IN_FLIGHT) recorder.count('passesInFlightFull', warmup);
    else if (this.limit === LIMIT_CREDIT) recorder.count('passesNoCredit', warmup);
    // Closed loop: after a pass that sent, try again once rhea has written it; a pass that could
    // send nothing waits for credit ('sendable') or an outcome instead of spinning.
    if (this.schedule && !freshOver) this.scheduleOpenLoop();
    else if (passSize + resends > 0) this.schedulePump();
  }

  /**
   * Message `seq`'s bytes: the next copy of its size's template, stamped (unmeasured: the template as built). A fresh
   * message after warm-up (`uncounted` false) is counted under its size.
   */
  private payload(seq: number, intendedUs: number, sentUs: number, measure: boolean, uncounted: boolean): Buffer {
    let ring = this.ring;
    if (this.chooser !== null) {
      const index = this.chooser.indexOf(seq);
      ring = (this.rings as (TemplateRing | PropertyRing)[])[index];
      if (!uncounted) (this.sentBySize as Float64Array)[index]++;
    }
    return measure ? this.stamp(ring, seq, intendedUs, sentUs) : ring.template.bytes;
  }

  /** The next template copy, stamped on this host's clock (plus the test-only skew: one add, 0 outside tests). */
  private stamp(ring: TemplateRing | PropertyRing, seq: number, intendedUs: number, sentUs: number): Buffer {
    const skewUs = this.stampSkewUs;
    const bytes = ring.stamp(seq, intendedUs + skewUs, sentUs + skewUs);
    if (this.priorities !== null) this.stampPriority(bytes, seq);
    return bytes;
  }

  /** The message's priority, one byte; a fresh number's counted (numbers go out fresh in order, resends lower). */
  private stampPriority(bytes: Buffer, seq: number): void {
    const priority = (this.priorities as PriorityValues).of(seq);
    bytes[this.priorityOffset] = priority;
    if (seq <= this.priorityCounted) return;
    this.priorityCounted = seq;
    const counts = this.ledger?.priorities;
    if (counts) counts[priority]++;
  }

  /**
   * `n` messages that were in doubt, again, with their old sequence numbers
   * and intended times (so `corrected` still counts from the first intended
   * send); not on the schedule, so no sendDelay.
   */
  private sendAgain(n: number, nowUs: number): void {
    const measure = this.runtime.assignment.measure;
    const resends = this.resends;
    const tags = this.slots.tags;
    for (let i = 0; i < n; i++) {
      const seq = resends.headSeq();
      const intendedUs = resends.headIntendedUs();
      resends.drop();
      const slot = this.slots.record(this.attempts, seq, nowUs, intendedUs);
      this.ledger?.sentAgain(seq);
      this.tx?.sending(seq, tags[slot], nowUs, intendedUs);
      this.sender.send(this.payload(seq, intendedUs, nowUs, measure, true), tags[slot], 0);
      this.attempts++;
    }
    this.resent += n;
    this.runtime.recorder.countMany('resent', n, this.firstMeasuredId < 0);
  }

  /**
   * How many deliveries this pass may make: credit, in-flight room, the
   * batch, room in rhea's delivery ring, and template copies that rhea has
   * already written (a copy is stamped again only then).
   */
  private roomNow(): number {
    const unwritten = this.attempts - this.linkBase - deliveryCountOf(this.sender);
    let n = this.batch;
    this.limit = LIMIT_BATCH;
    const credit = creditOf(this.sender) - unwritten;
    if (credit < n) {
      n = credit;
      this.limit = LIMIT_CREDIT;
    }
    const room = Math.min(sessionRoom(this.sender), this.ring.size - unwritten);
    if (room < n) {
      n = room;
      this.limit = LIMIT_UNWRITTEN;
    }
    if (!this.presettled) {
      // On a tie with credit the in-flight limit is named: more credit would not have sent more.
      const inFlightRoom = this.runtime.assignment.maxInFlight - (this.attempts - this.resolved);
      if (inFlightRoom <= n && inFlightRoom < this.batch) {
        n = inFlightRoom;
        this.limit = LIMIT_IN_FLIGHT;
      }
    }
    return n;
  }

  /** Of `room`, how many fresh messages: the count and the schedule. */
  private freshAllowed(room: number, nowUs: number): number {
    let n = room;
    const remaining = this.remaining();
    if (remaining !== null && remaining < n) {
      n = remaining;
      this.limit = LIMIT_COUNT;
    }
    if (this.schedule) {
      const due = Math.min(this.schedule.due(nowUs), this.dueAtStop) - this.sent;
      if (due < n) {
        n = due;
        this.limit = LIMIT_SCHEDULE;
      }
    }
    if (this.tx !== null && this.tx.end - this.sent < n) {
      n = this.tx.end - this.sent;
      this.limit = LIMIT_TX_BATCH;
    }
    return n;
  }

  /**
   * Transactions: true when a pass may send now (a transaction is open and
   * its batch not yet all sent). Otherwise it moves the transaction on:
   * declares one when there is something to send, discharges one whose
   * batch is sent and settled; its answer wakes the link again.
   */
  private transactionAllowsSending(tx: SendTransactions, freshOver: boolean): boolean {
    if (tx.state === 'declaring' || tx.state === 'discharging') return false;
    const nothingLeft = freshOver && this.resendsWaiting === 0;
    if (tx.state === 'idle') {
      if (!nothingLeft) tx.begin(this.resendsWaiting > 0 ? this.resends.headSeq() : this.sent + 1);
      return false;
    }
    const batchSent = this.resendsWaiting === 0 && (nothingLeft || this.sent >= tx.end);
    if (!batchSent) return true;
    if (this.resolved < this.attempts) return false;
    tx.discharge(Math.min(this.sent, tx.end), this.schedule !== null);
    return false;
  }

  /** A declare or discharge was answered: send on, or finish. */
  private afterTransactionStep(): void {
    if (this.finished || this.down) return;
    if (this.sendingOver(monotonicNowUs()) && this.resendsWaiting === 0 && this.tx?.state === 'idle')
      this.maybeComplete();
    else this.schedulePump();
  }

  /** Sends left after warm-up; null when only time or a stop ends the run. */
  private remaining(): number | null {
    if (this.link.count === null) return null;
    // While warm-up lasts, there is no count to reach yet.
    if (this.firstMeasuredId < 0) return Number.MAX_SAFE_INTEGER;
    return this.firstMeasuredId + this.link.count - this.sent;
  }

  private sendingOver(nowUs: number): boolean {
    if (this.runtime.stopping) return true;
    const stopAt = this.runtime.window.stopAtUs;
    // Open loop: what fell due before the stop still goes, if it can go at once.
    if (stopAt !== null && nowUs >= stopAt && (this.sent >= this.dueAtStop || nowUs >= stopAt + STOP_FLUSH_US))
      return true;
    const remaining = this.remaining();
    return remaining !== null && remaining <= 0;
  }

  /** Open loop, after a pass: wait for room (an outcome or 'sendable' wakes the pump), or for the next due time. */
  private scheduleOpenLoop(): void {
    this.waitingForRoom = this.limit === LIMIT_IN_FLIGHT || this.limit === LIMIT_CREDIT;
    if (this.waitingForRoom) {
      this.timer = setTimeout(this.pumpBound, ROOM_WAIT_MAX_MS);
      return;
    }
    // Once everything due before the stop time is out, the stop time itself is the next thing to wake for.
    const stopAtUs = this.runtime.window.stopAtUs ?? Number.POSITIVE_INFINITY;
    this.nextDueUs = Math.min((this.schedule as OpenLoopSchedule).intendedUs(this.sent), stopAtUs);
    // Never a nap in the pacer's first step: rhea writes this pass on the next tick, after this returns.
    this.pacer.wait();
  }

  private cancelWake(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pacer.cancel();
  }

  /** Once, when sending ends: what the schedule had made due by then and was never sent. */
  private stopSending(nowUs: number): void {
    if (this.sendingStopped || !this.running) return;
    this.sendingStopped = true;
    if (!this.schedule) return;
    const stoppedUs = owedUntilUs(nowUs, this.runtime.window.stopAtUs);
    const cap =
      this.link.count === null || this.firstMeasuredId < 0
        ? Number.POSITIVE_INFINITY
        : this.firstMeasuredId + this.link.count;
    this.unsent = this.schedule.unsent(stoppedUs, this.sent, cap);
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.finished) return;
    this.pumpScheduled = true;
    // setImmediate runs after rhea's nextTick pass has written this batch.
    setImmediate(this.pumpBound);
  }

  private onOutcome(ctx: EventContext, outcome: 'accepted' | 'released' | 'rejected' | 'modified'): void {
    // A link of a lost connection is done: its deliveries are in doubt and queued again.
    if (this.runtime.closed || ctx.sender !== this.sender) return;
    const delivery = ctx.delivery as Delivery & { id: number };
    const slot = this.slots.slotOf(this.linkBase + delivery.id);
    const seq = this.slots.settle(slot);
    const warmup = this.firstMeasuredId < 0 || seq <= this.firstMeasuredId;
    const nowUs = monotonicNowUs();
    const recorder = this.runtime.recorder;
    this.resolved++;
    this.runtime.outcomes++;
    this.lastOutcomeUs = nowUs;
    recorder.count(outcome, warmup);
    this.runtime.progress.add('settled');
    if (this.ledger !== null) {
      if (outcome === 'accepted') this.ledger.settledAccepted(seq);
      else this.ledger.settledFailed(seq);
    }
    // In a transaction, acceptance is provisional: the commit records service time and progress (send-transactions.ts).
    if (outcome === 'accepted' && this.tx === null) {
      this.runtime.progress.add('accepted');
      if (this.matches?.(seq)) this.runtime.progress.add('matching');
      if (!this.runtime.assignment.measure) return this.afterOutcome(nowUs);
      recorder.record('service', nowUs - this.slots.sentUsOf(slot), warmup);
      if (this.schedule) recorder.record('corrected', nowUs - this.slots.intendedUsOf(slot), warmup);
    }
    this.afterOutcome(nowUs);
  }

  private afterOutcome(nowUs: number): void {
    // The batch's last outcome: time to discharge it.
    if (this.tx !== null && this.tx.state === 'open' && this.resolved === this.attempts) {
      this.schedulePump();
      return;
    }
    const freshOver = this.sendingOver(nowUs);
    if (freshOver && this.resendsWaiting === 0) this.maybeComplete();
    else if (freshOver || !this.schedule || this.waitingForRoom) this.schedulePump();
  }

  /**
   * Sending is over: finish once every send is settled, or when no outcome
   * came to any link of this worker for a whole drain timeout (the rest in
   * doubt). A slow broker that still settles is waited for, as receivers wait
   * while messages arrive; with thousands of links one link's turn at the
   * broker can take longer than the timeout, so progress is the worker's.
   */
  private maybeComplete(): void {
    if (this.finished) return;
    // Reconnecting: what is in doubt goes again first; the worker's give-up bound or a stop ends the wait.
    if (this.down) return;
    // A transaction still open is discharged first; its answer comes back here.
    if (this.tx !== null && this.tx.state !== 'idle') {
      if (this.tx.state === 'open' && this.resolved >= this.attempts)
        this.tx.discharge(Math.min(this.sent, this.tx.end), this.schedule !== null);
      else this.armSettleTimer();
      return;
    }
    if (this.presettled || (this.resolved >= this.attempts && this.resendsWaiting === 0)) {
      this.complete();
      return;
    }
    this.armSettleTimer();
  }

  private armSettleTimer(): void {
    if (this.settleTimer) return;
    this.outcomesAtCheck = this.runtime.outcomes;
    this.settleTimer = setTimeout(this.settleCheckBound, this.runtime.assignment.drainTimeoutMs);
  }

  private settleCheck(): void {
    this.settleTimer = undefined;
    if (this.down) return;
    if (this.runtime.outcomes === this.outcomesAtCheck) this.complete();
    else this.maybeComplete();
  }

  private complete(): void {
    if (this.finished) return;
    this.stopSending(monotonicNowUs());
    this.finished = true;
    this.cancelWake();
    clearTimeout(this.stopTimer);
    clearTimeout(this.settleTimer);
    this.resolveDone?.();
  }
}
