/**
 * One producer: a sending link on a session of its own, so that rhea's
 * delivery ids on it run 0, 1, 2 ... and index the send-time rings directly.
 *
 * Per message the pump stamps a prebuilt copy of the template, hands it to
 * rhea and records; per outcome the handler looks up the send time and
 * records. No promise, closure, log or JSON per message.
 */
import type { Connection, Delivery, EventContext, Sender } from 'rhea';
import { buildTemplate, TemplateRing } from '../src/amqp/message-template.js';
import type { LinkAssignment, WorkerFailure } from '../src/coordinator/assignment.js';
import { isWarmup, monotonicNowUs, OpenLoopSchedule } from '../src/metrics/index.js';
import type { WorkerSession } from './worker-session.js';

/** Payload copies kept for stamping, per link: bounded in bytes, at least a few passes' worth. */
const RING_BYTES = 8 * 1024 * 1024;

interface SenderInternals {
  credit: number;
  /** Deliveries rhea has written so far. */
  delivery_count: number;
  session: { outgoing: { available(): number } };
}

export class SenderLink {
  sent = 0;
  settled = 0;
  private sender!: Sender;
  private readonly ring: TemplateRing;
  private readonly batch: number;
  private readonly sentUs: Float64Array;
  private readonly intendedUs: Float64Array;
  /** Delivery tags, unique among the unsettled: the ring is larger than the in-flight limit. */
  private readonly tags: Buffer[];
  private readonly mask: number;
  private readonly presettled: boolean;
  private schedule: OpenLoopSchedule | null = null;
  private settleTimer: NodeJS.Timeout | undefined;
  /** Deliveries with an id below this were sent during warm-up. */
  private firstMeasuredId = -1;
  private pumpScheduled = false;
  private lastReportedSent = 0;
  /** When the last message went out (µs), for the send rate. */
  lastSendUs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private running = false;
  private resolveDone: (() => void) | undefined;
  private readonly pumpBound = (): void => this.pump();

  constructor(
    private readonly session: WorkerSession,
    private readonly link: LinkAssignment,
  ) {
    const { bodySize, durable, maxInFlight, settle } = session.assignment;
    this.presettled = settle === 'at-most-once';
    const template = buildTemplate({ producer: link.producer, bodySize, durable });
    const copies = Math.max(16, Math.min(4096, Math.floor(RING_BYTES / template.bytes.length)));
    this.ring = new TemplateRing(template, copies);
    this.batch = Math.max(1, Math.floor(copies / 4));
    const slots = nextPowerOfTwo(maxInFlight + this.batch);
    this.sentUs = new Float64Array(slots);
    this.intendedUs = new Float64Array(slots);
    this.tags = Array.from({ length: slots }, (_, i) => Buffer.from(i.toString(16)));
    this.mask = slots - 1;
  }

  attach(connection: Connection): Promise<void> {
    const rheaSession = connection.create_session();
    rheaSession.begin();
    this.sender = rheaSession.open_sender({
      target: { address: this.link.address },
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
    // A refused attach comes back as an attach (so 'sender_open') followed by a detach with the error.
    this.sender.on('sender_error', (ctx: EventContext) => this.session.fail(linkRefusal(ctx, this.link.address)));
    return new Promise((resolve) => this.sender.once('sender_open', () => {
      this.checkMessageSize();
      resolve();
    }));
  }

  /** A broker that advertises a max message size smaller than ours would detach the link at the first send. */
  private checkMessageSize(): void {
    const limit = Number((this.sender as unknown as { remote: { attach?: { max_message_size?: unknown } } }).remote.attach?.max_message_size ?? 0);
    const size = this.ring.template.bytes.length;
    if (limit > 0 && size > limit) {
      this.session.fail({
        code: 'usage',
        message: `--body-size ${this.session.assignment.bodySize}: messages of ${size} bytes exceed the broker's max message size of ${limit} bytes`,
      });
    }
  }

  /** Sends until its count, the stop time or a stop; resolves when every send is settled or the session ends. */
  run(): Promise<void> {
    const { runStartUs, stopAtUs } = this.session.window;
    if (this.link.rateHz !== null) this.schedule = new OpenLoopSchedule(this.link.rateHz, runStartUs + this.link.scheduleOffsetUs);
    this.session.onStop(() => this.complete());
    this.session.onFail(() => this.complete());
    // A sender with no credit and nothing in flight gets no events: the stop time must wake it.
    if (stopAtUs !== null) this.stopTimer = setTimeout(this.pumpBound, Math.max(0, (stopAtUs - monotonicNowUs()) / 1000));
    return new Promise((resolve) => {
      this.resolveDone = resolve;
      this.running = true;
      this.pump();
    });
  }

  get inDoubt(): number {
    return this.presettled ? 0 : this.sent - this.settled;
  }

  private pump(): void {
    this.pumpScheduled = false;
    // Credit may arrive before the start message: nothing is sent before then.
    if (this.finished || !this.running) return;
    const nowUs = monotonicNowUs();
    // Warm-up ends between passes: every send of one pass shares its time, and its stamp.
    if (this.firstMeasuredId < 0 && !isWarmup(nowUs, this.session.window.warmupEndUs)) this.firstMeasuredId = this.sent;
    if (this.sendingOver(nowUs)) {
      this.maybeComplete();
      return;
    }
    const passSize = this.sendableNow(nowUs);
    let n = passSize;
    const warmup = this.firstMeasuredId < 0;
    const measure = this.session.assignment.measure;
    const recorder = this.session.recorder;
    const schedule = this.schedule;
    while (n-- > 0) {
      const id = this.sent;
      const intendedUs = schedule ? schedule.intendedUs(id) : nowUs;
      const slot = id & this.mask;
      this.sentUs[slot] = nowUs;
      this.intendedUs[slot] = intendedUs;
      this.sender.send(measure ? this.ring.stamp(id + 1, intendedUs, nowUs) : this.ring.template.bytes, this.tags[slot], 0);
      this.sent++;
      if (schedule && measure) recorder.record('sendDelay', nowUs - intendedUs, warmup);
      if (this.presettled) this.settled++;
    }
    if (passSize > 0) {
      recorder.countMany('sent', passSize, warmup);
      this.lastSendUs = nowUs;
      this.session.progress.add('sent', this.sent - this.lastReportedSent);
      this.lastReportedSent = this.sent;
    }
    // Closed loop: after a pass that sent, try again once rhea has written it; a pass that could
    // send nothing waits for credit ('sendable') or an outcome instead of spinning.
    if (this.schedule) this.scheduleOpenLoop();
    else if (passSize > 0) this.schedulePump();
  }

  /**
   * How many to send in this pass: credit, in-flight room, the count, the
   * schedule, the batch, room in rhea's delivery ring, and template copies
   * that rhea has already written (a copy is stamped again only then).
   */
  private sendableNow(nowUs: number): number {
    const link = this.sender as unknown as SenderInternals;
    const unwritten = this.sent - link.delivery_count;
    let n = Math.min(this.batch, link.credit - unwritten, link.session.outgoing.available(), this.ring.size - unwritten);
    if (!this.presettled) n = Math.min(n, this.session.assignment.maxInFlight - (this.sent - this.settled));
    const remaining = this.remaining();
    if (remaining !== null) n = Math.min(n, remaining);
    if (this.schedule) n = Math.min(n, this.schedule.due(nowUs) - this.sent);
    return n;
  }

  /** Sends left after warm-up; null when only time or a stop ends the run. */
  private remaining(): number | null {
    if (this.link.count === null) return null;
    // While warm-up lasts, there is no count to reach yet.
    if (this.firstMeasuredId < 0) return Number.MAX_SAFE_INTEGER;
    return this.firstMeasuredId + this.link.count - this.sent;
  }

  private sendingOver(nowUs: number): boolean {
    if (this.session.stopping) return true;
    const stopAt = this.session.window.stopAtUs;
    if (stopAt !== null && nowUs >= stopAt) return true;
    const remaining = this.remaining();
    return remaining !== null && remaining <= 0;
  }

  /** Open loop: wake at the next intended send time (at least once a second, to notice a stop). */
  private scheduleOpenLoop(): void {
    const schedule = this.schedule as OpenLoopSchedule;
    const delayMs = Math.max(0, (schedule.intendedUs(this.sent) - monotonicNowUs()) / 1000);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.pumpBound, Math.min(delayMs, 1000));
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.finished) return;
    this.pumpScheduled = true;
    // setImmediate runs after rhea's nextTick pass has written this batch.
    setImmediate(this.pumpBound);
  }

  private onOutcome(ctx: EventContext, outcome: 'accepted' | 'released' | 'rejected' | 'modified'): void {
    if (this.session.closed) return;
    const delivery = ctx.delivery as Delivery & { id: number };
    const id = delivery.id;
    const warmup = this.firstMeasuredId < 0 || id < this.firstMeasuredId;
    const nowUs = monotonicNowUs();
    const slot = id & this.mask;
    const recorder = this.session.recorder;
    this.settled++;
    recorder.count(outcome, warmup);
    this.session.progress.add('settled');
    if (outcome === 'accepted') {
      this.session.progress.add('accepted');
      if (!this.session.assignment.measure) return this.afterOutcome(nowUs);
      recorder.record('service', nowUs - this.sentUs[slot], warmup);
      if (this.schedule) recorder.record('corrected', nowUs - this.intendedUs[slot], warmup);
    }
    this.afterOutcome(nowUs);
  }

  private afterOutcome(nowUs: number): void {
    if (this.sendingOver(nowUs)) this.maybeComplete();
    else if (!this.schedule) this.schedulePump();
  }

  /** Sending is over: finish once every send is settled, or after the drain timeout (the rest in doubt). */
  private maybeComplete(): void {
    if (this.finished) return;
    if (this.presettled || this.settled >= this.sent) {
      this.complete();
      return;
    }
    this.settleTimer ??= setTimeout(() => this.complete(), this.session.assignment.drainTimeoutMs);
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    clearTimeout(this.stopTimer);
    clearTimeout(this.settleTimer);
    this.resolveDone?.();
  }
}

export function linkRefusal(ctx: EventContext, address: string): WorkerFailure {
  const error = (ctx.sender ?? ctx.receiver)?.error as { condition?: string; description?: string } | undefined;
  const condition = error?.condition;
  const description = error?.description ?? condition ?? 'detached';
  return { code: 'refused', message: `the broker refused address ${JSON.stringify(address)}: ${description}`, condition };
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
