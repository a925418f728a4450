/**
 * One requester (--pattern rpc): a sending link to the request address and
 * a receiving link for the replies, on a session of their own. The reply
 * link is dynamic (the broker names a node for it), or --reply-to's address.
 *
 * Outstanding requests live in a ring of slots indexed by their sequence
 * number (the correlation id, a ulong): requester-slots.ts, which also says
 * what a reply is (answered, late, duplicate, unmatched).
 *
 * Each slot has its request encoded once (once the reply address is known),
 * its correlation id in the 8-byte ulong form at a fixed offset: per request
 * the pump writes the number into the slot's bytes and hands them to rhea
 * with the slot's prebuilt tag. A slot's bytes are written again only once
 * its reply came (or its timeout), long after rhea wrote them, or to resend
 * it on a new connection (the slots are encoded again there, for the new
 * reply address). Per reply, a few array reads and a record. No promise, closure, log or JSON per message.
 *
 * Open loop (--rate): request i is due at the schedule's time i; the pump
 * sends what is due and in-flight room allows, and `corrected` counts from
 * the intended time, so a stalled responder shows as latency, not as a
 * slower schedule.
 *
 * Through a lost connection (--reconnect, --faults): the requests still
 * outstanding are in doubt and sent again on the next link, first, with
 * the same correlation id, to the new reply address (a dynamic reply node
 * goes with its connection, and its replies with it). A reply that still
 * comes for the old request (--reply-to keeps its node) answers it if it
 * comes first; a second answer to a request (sent twice, or delivered to a
 * responder twice) is counted `duplicates`, never a second reply. Each
 * request (correlation id) is
 * either answered once or counted `unanswered` (given up at --rpc-timeout,
 * or still outstanding at the end): requests = replies + unanswered.
 */
import rhea from 'rhea';
import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import { creditOf } from '../src/amqp/rhea-patches/index.js';
import type { LinkAssignment, RpcAssignment } from '../src/protocol/worker-messages.js';
import { isWarmup } from '../src/metrics/index.js';
import { linkSchedule, type OpenLoopSchedule } from '../src/timing/send-schedule.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { linkRefusal } from './link-errors.js';
import { RequesterSlots } from './requester-slots.js';
import type { ReattachableLink } from './worker-connections.js';
import type { WorkerRuntime } from './worker-runtime.js';

/** Encoded in the 8-byte ulong form (above 255), with bytes found nowhere else in a request. */
const ID_PLACEHOLDER = 0x1f2e3d4c5b6a7;
const TWO_32 = 2 ** 32;

export class RequesterLink implements ReattachableLink {
  /** Requests sent: correlation ids 1..sent. */
  sent = 0;
  replies = 0;
  lastSendUs = 0;
  lastReplyUs = 0;
  private sender!: Sender;
  private receiver!: Receiver;
  /** Per slot: the encoded request (built at attach) and its delivery tag. */
  private encoded: Buffer[] = [];
  private readonly tags: Buffer[];
  private idOffset = 0;
  private readonly slots: RequesterSlots;
  private readonly mask: number;
  /** Per delivery id (masked): the request it carried, for its outcome's warm-up tag (ids restart per session). */
  private readonly deliverySeqs: Float64Array;
  /** Between a lost connection and its links attached again: nothing is sent. */
  private down = false;
  private schedule: OpenLoopSchedule | null = null;
  private dueAtStop = Number.POSITIVE_INFINITY;
  private firstMeasured = -1;
  private running = false;
  private finished = false;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private resolveDone: (() => void) | undefined;
  private readonly pumpBound = (): void => this.pump();
  private readonly countInDoubt = (seq: number): void => this.runtime.recorder.count('inDoubt', this.inWarmup(seq));
  private readonly countUnanswered = (seq: number): void =>
    this.runtime.recorder.count('unanswered', this.inWarmup(seq));

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly link: LinkAssignment,
    private readonly rpc: RpcAssignment,
  ) {
    this.slots = new RequesterSlots(rpc.inFlight);
    this.mask = this.slots.mask;
    this.tags = Array.from({ length: this.slots.size }, (_, i) => Buffer.from(i.toString(16)));
    this.deliverySeqs = new Float64Array(this.slots.size);
  }

  /** Attaches on `connection`: first at the start, and again on each new connection after a loss (a new reply node). */
  attach(connection: Connection): Promise<void> {
    const session = connection.create_session();
    session.begin();
    const fixed = this.replyAddress();
    this.receiver = session.open_receiver({
      source: fixed === null ? { dynamic: true } : { address: fixed },
      credit_window: Math.max(this.rpc.inFlight * 2, 10),
      autoaccept: true,
    }) as Receiver;
    this.receiver.on('message', (ctx: EventContext) => this.onReply(ctx));
    this.receiver.on('receiver_error', (ctx: EventContext) =>
      this.runtime.fail(linkRefusal(ctx, fixed ?? '(dynamic reply node)', this.link.connection)),
    );
    const replyOpen = new Promise<void>((resolve) =>
      this.receiver.once('receiver_open', () => {
        // rhea's public getter for the broker's attach: the source it made for the dynamic receiver.
        const remote = (this.receiver as unknown as { readonly source?: { address?: string } }).source?.address;
        const address = fixed ?? remote;
        if (!address)
          this.runtime.fail({
            code: 'refused',
            message: 'the broker gave the dynamic reply receiver no address (try --reply-to ADDRESS)',
            connection: this.link.connection,
          });
        else this.encodeRequests(address);
        resolve();
      }),
    );
    this.sender = session.open_sender({ target: { address: this.link.address }, autosettle: true }) as Sender;
    this.sender.on('sendable', this.pumpBound);
    this.sender.on('accepted', (ctx: EventContext) => this.onOutcome(ctx, 'accepted'));
    this.sender.on('rejected', (ctx: EventContext) => this.onOutcome(ctx, 'rejected'));
    this.sender.on('released', (ctx: EventContext) => this.onOutcome(ctx, 'released'));
    this.sender.on('sender_error', (ctx: EventContext) =>
      this.runtime.fail(linkRefusal(ctx, this.link.address, this.link.connection)),
    );
    const senderOpen = new Promise<void>((resolve) => this.sender.once('sender_open', () => resolve()));
    return Promise.all([replyOpen, senderOpen]).then(() => undefined);
  }

  /** One encoded request per slot, to `replyTo`; the correlation id's 8 bytes are found by their placeholder. */
  private encodeRequests(replyTo: string): void {
    // A string body, so that a server which upper-cases text (the Proton guide's) can answer it.
    const template = rhea.message.encode({
      reply_to: replyTo,
      correlation_id: ID_PLACEHOLDER,
      body: 'x'.repeat(this.runtime.assignment.bodySize),
    });
    const marker = Buffer.alloc(9);
    marker[0] = 0x80; // ulong, 8 bytes
    marker.writeUInt32BE(Math.floor(ID_PLACEHOLDER / TWO_32), 1);
    marker.writeUInt32BE(ID_PLACEHOLDER >>> 0, 5);
    const at = template.indexOf(marker);
    if (at < 0) throw new Error('rhea encoded the correlation id in an unexpected form');
    this.idOffset = at + 1;
    this.encoded = Array.from({ length: this.mask + 1 }, () => Buffer.from(template));
  }

  /** A request's outcome at the broker, tagged warm-up as its request is. */
  private onOutcome(ctx: EventContext, outcome: 'accepted' | 'rejected' | 'released'): void {
    if (this.runtime.closed || ctx.delivery === undefined) return;
    this.runtime.recorder.count(outcome, this.inWarmup(this.deliverySeqs[ctx.delivery.id & this.mask]));
  }

  /** A request is warm-up when it was sent before the first measured pass (its reply, outcome and fate too). */
  private inWarmup(seq: number): boolean {
    return this.firstMeasured < 0 || seq <= this.firstMeasured;
  }

  /**
   * --reply-to: the address itself for a single requester link, else one per link beside it (replies must not be
   * shared).
   */
  private replyAddress(): string | null {
    const { replyTo, requesterLinks } = this.rpc;
    if (replyTo === null) return null;
    return requesterLinks === 1
      ? replyTo
      : `${replyTo}.${this.link.producer.slice(this.link.producer.indexOf('/') + 1)}`;
  }

  /**
   * The connection went: every request still outstanding is in doubt (its reply node went too, unless --reply-to) and
   * queued to go again, in order, once attached again. Returns how many.
   */
  connectionLost(): number {
    this.down = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.slots.connectionLost(this.sent, this.countInDoubt);
  }

  /** Attached again on a new connection (and a new reply address): resends first, then on as before. */
  resume(): void {
    this.down = false;
    this.schedulePump();
  }

  run(): Promise<void> {
    const { runStartUs, stopAtUs } = this.runtime.window;
    this.schedule = linkSchedule(this.link, runStartUs);
    if (this.schedule && stopAtUs !== null) this.dueAtStop = this.schedule.dueBefore(stopAtUs);
    this.runtime.onStop(() => this.complete());
    this.runtime.onFail(() => this.complete());
    const sweepMs = Math.max(10, Math.min(250, this.rpc.timeoutMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    return new Promise((resolve) => {
      this.resolveDone = resolve;
      this.running = true;
      this.pump();
    });
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.finished || !this.running || this.down) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const nowUs = monotonicNowUs();
    if (this.firstMeasured < 0 && !isWarmup(nowUs, this.runtime.window.warmupEndUs)) this.firstMeasured = this.sent;
    let credit = creditOf(this.sender);
    // In-doubt requests go again even once sending is over: they are owed a reply.
    if (this.slots.resendsWaiting > 0 && !this.runtime.stopping) credit -= this.resend(nowUs, credit);
    if (this.sendingOver(nowUs)) {
      if (this.slots.outstanding === 0) this.complete();
      return;
    }
    let n = Math.min(this.rpc.inFlight - this.slots.outstanding, credit);
    const remaining = this.remaining();
    if (remaining < n) n = remaining;
    const schedule = this.schedule;
    if (schedule !== null) n = Math.min(n, Math.min(schedule.due(nowUs), this.dueAtStop) - this.sent);
    const warmup = this.firstMeasured < 0;
    let sent = 0;
    while (sent < n) {
      const seq = this.sent + 1;
      // Still held by a request older than the ring: wait for its reply or its timeout.
      if (!this.slots.isFree(seq)) break;
      this.slots.take(seq, nowUs, schedule !== null ? schedule.intendedUs(this.sent) : nowUs);
      this.transfer(seq);
      this.sent = seq;
      sent++;
    }
    if (sent > 0) {
      this.lastSendUs = nowUs;
      this.runtime.recorder.countMany('sent', sent, warmup);
      this.runtime.recorder.countMany('requests', sent, warmup);
      this.runtime.progress.add('sent', sent);
    }
    // Open loop with room to spare: wake for the next due time (a reply or credit wakes the pump sooner).
    if (schedule !== null && this.slots.outstanding < this.rpc.inFlight) {
      const nextUs = Math.min(schedule.intendedUs(this.sent), this.runtime.window.stopAtUs ?? Number.POSITIVE_INFINITY);
      this.timer = setTimeout(this.pumpBound, Math.max(0, (nextUs - monotonicNowUs()) / 1000));
    } else if (this.runtime.window.stopAtUs !== null && this.slots.outstanding === 0) {
      this.timer = setTimeout(this.pumpBound, Math.max(0, (this.runtime.window.stopAtUs - nowUs) / 1000));
    }
  }

  /**
   * Sends the in-doubt requests again, up to `credit`, each with its correlation id and intended time, to the new reply
   * address; one answered or given up meanwhile is dropped from the queue. Returns how many went.
   */
  private resend(nowUs: number, credit: number): number {
    let sent = 0;
    while (sent < credit) {
      const seq = this.slots.nextResend(nowUs);
      if (seq === 0) break;
      this.transfer(seq);
      const warmup = this.inWarmup(seq);
      this.runtime.recorder.count('sent', warmup);
      this.runtime.recorder.count('resent', warmup);
      sent++;
    }
    if (sent > 0) this.lastSendUs = nowUs;
    return sent;
  }

  /** Request `seq` to rhea: its slot's bytes, the number written in, the slot's tag. */
  private transfer(seq: number): void {
    const slot = seq & this.mask;
    const bytes = this.encoded[slot];
    bytes.writeUInt32BE(Math.floor(seq / TWO_32), this.idOffset);
    bytes.writeUInt32BE(seq >>> 0, this.idOffset + 4);
    this.deliverySeqs[this.sender.send(bytes, this.tags[slot], 0).id & this.mask] = seq;
  }

  private onReply(ctx: EventContext): void {
    if (this.runtime.closed) return;
    const id = ctx.message?.correlation_id;
    const nowUs = monotonicNowUs();
    const recorder = this.runtime.recorder;
    const seq = typeof id === 'number' ? id : -1;
    const slot = seq & this.mask;
    // Read before `answer` frees the slot.
    const sentUs = this.slots.sentUs[slot];
    const intendedUs = this.slots.intendedUs[slot];
    const kind = this.slots.answer(seq);
    if (kind !== 'answered') {
      if (kind === 'unmatched') recorder.count('unmatched', this.firstMeasured < 0);
      else recorder.count(kind === 'late' ? 'late' : 'duplicates', this.inWarmup(seq));
      return;
    }
    const warmup = this.inWarmup(seq);
    this.replies++;
    this.lastReplyUs = nowUs;
    this.runtime.outcomes++;
    recorder.count('replies', warmup);
    this.runtime.progress.add('settled');
    this.runtime.progress.add('accepted');
    if (this.runtime.assignment.measure) {
      recorder.record('roundTrip', nowUs - sentUs, warmup);
      if (this.schedule !== null) recorder.record('corrected', nowUs - intendedUs, warmup);
    }
    this.schedulePump();
  }

  /** Requests unanswered for --rpc-timeout are given up (unanswered): their slots free, a reply after this is late. */
  private sweep(): void {
    const freed = this.slots.giveUpSentBefore(monotonicNowUs() - this.rpc.timeoutMs * 1000, this.countUnanswered);
    if (freed === 0) return;
    this.runtime.progress.add('settled', freed);
    this.schedulePump();
  }

  private remaining(): number {
    if (this.link.count === null || this.firstMeasured < 0) return Number.MAX_SAFE_INTEGER;
    return this.firstMeasured + this.link.count - this.sent;
  }

  private sendingOver(nowUs: number): boolean {
    if (this.runtime.stopping) return true;
    const stopAt = this.runtime.window.stopAtUs;
    if (stopAt !== null && nowUs >= stopAt) return true;
    return this.remaining() <= 0;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.finished) return;
    this.pumpScheduled = true;
    setImmediate(this.pumpBound);
  }

  /** Sending is over (or the run stopped or failed): what is still outstanding is unanswered. */
  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.slots.abandon(this.countUnanswered);
    clearTimeout(this.timer);
    clearInterval(this.sweepTimer);
    this.resolveDone?.();
  }
}
