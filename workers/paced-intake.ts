/**
 * A slow consumer's credit: `--recv-rate` (this link's share) and
 * `--recv-delay` paced by what the link grants the broker, never by a timer
 * or promise per message. One pacer (src/timing/pacer.ts, RECEIVE_PACING)
 * waits for whichever comes first: the schedule's next credit, or the end of
 * the processing delay of the message at the head of the held queue.
 *
 * - Rate: credit is granted as an open-loop schedule (link offset and share
 *   as senders have) makes it due, at most PACED_CREDIT_AHEAD_MS worth ahead,
 *   so that a consumer with nothing to receive does not save up a burst; what
 *   the schedule made due and the window left no room for is forfeited, never
 *   made up later. The messages it brings are processed as they come.
 * - Delay: a message is held (unsettled, not counted) until it has been
 *   processed for the delay, one after another: done = max(arrival, previous
 *   done) + delay, from the previous due time, not from when the wake came, so
 *   the rate holds. Then it is taken (counted, recorded, accepted) and its
 *   credit is granted again. Held plus granted never exceeds --credit.
 *
 * Held deliveries sit in a ring sized by --credit, allocated once.
 */
import type { Delivery, Receiver } from 'rhea';
import { creditOf } from '../src/amqp/rhea-patches/index.js';
import { linkSchedule, type OpenLoopSchedule } from '../src/timing/send-schedule.js';
import { Pacer, RECEIVE_PACING } from '../src/timing/pacer.js';
import type { LinkAssignment } from '../src/protocol/worker-messages.js';

/** A rate-paced link keeps at most this much of its schedule's credit granted ahead of its messages. */
export const PACED_CREDIT_AHEAD_MS = 100;

/** What the intake hands a message to once it may be taken. */
/** `arrivalUs`: when the message came (before any --recv-delay hold); `nowUs`: when it is taken. */
export type TakeMessage = (delivery: Delivery, bytes: Buffer, nowUs: number, arrivalUs: number) => void;

export class PacedIntake {
  private receiver: Receiver | undefined;
  private schedule: OpenLoopSchedule | null = null;
  /** Credit the schedule has made due so far (granted or forfeited). */
  private scheduled = 0;
  /** Rate: most credit outstanding at once. */
  private readonly ahead: number;
  private readonly delayUs: number;
  private readonly deliveries: (Delivery | undefined)[];
  private readonly payloads: (Buffer | undefined)[];
  private readonly arrivals: Float64Array;
  private head = 0;
  private held = 0;
  /** When the head message's processing ends (µs); the previous one's end when nothing is held. */
  private headDoneUs = 0;
  private lastDoneUs = 0;
  private readonly pacer: Pacer;
  private running = false;

  constructor(
    private readonly link: LinkAssignment,
    private readonly window: number,
    delayMs: number | undefined,
    private readonly take: TakeMessage,
  ) {
    this.delayUs = (delayMs ?? 0) * 1000;
    const rateHz = link.rateHz;
    this.ahead =
      rateHz === null ? window : Math.max(1, Math.min(window, Math.ceil((rateHz * PACED_CREDIT_AHEAD_MS) / 1000)));
    const capacity = this.delayUs > 0 ? window : 0;
    this.deliveries = new Array<Delivery | undefined>(capacity).fill(undefined);
    this.payloads = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.arrivals = new Float64Array(capacity);
    this.pacer = new Pacer(
      { dueUs: () => this.nextDueUs(), onDue: (nowUs) => this.onDue(nowUs), mayNap: () => false },
      RECEIVE_PACING,
    );
  }

  /** Whether arrivals wait for their processing delay (else the caller takes them at once). */
  get holds(): boolean {
    return this.delayUs > 0;
  }

  /** The run started (`runStartUs`), on `receiver`: the first credit. */
  start(receiver: Receiver, runStartUs: number, nowUs: number): void {
    this.receiver = receiver;
    this.running = true;
    this.schedule = linkSchedule(this.link, runStartUs);
    this.lastDoneUs = nowUs;
    this.grant(nowUs);
    this.pacer.wait();
  }

  /**
   * A new link after a reconnect: what was held went with the old one (the broker delivers it again) and the new link
   * has no credit yet. The schedule goes on from where it was.
   */
  resume(receiver: Receiver, nowUs: number): void {
    this.drop();
    this.receiver = receiver;
    if (!this.running) return;
    this.grant(nowUs);
    this.pacer.wait();
  }

  /** The connection went: its held deliveries are void. */
  connectionLost(): void {
    this.drop();
    this.receiver = undefined;
    this.pacer.cancel();
  }

  stop(): void {
    this.running = false;
    this.pacer.cancel();
    this.drop();
  }

  /** Delay: an arrival waits its turn. A full ring (credit the window did not account for) takes it at once. */
  hold(delivery: Delivery, bytes: Buffer, nowUs: number): void {
    const capacity = this.deliveries.length;
    if (this.held === capacity) {
      this.take(delivery, bytes, nowUs, nowUs);
      return;
    }
    const at = (this.head + this.held) % capacity;
    this.deliveries[at] = delivery;
    this.payloads[at] = bytes;
    this.arrivals[at] = nowUs;
    this.held++;
    if (this.held === 1) {
      this.headDoneUs = Math.max(nowUs, this.lastDoneUs) + this.delayUs;
      this.pacer.wait();
    }
  }

  /** Rate: what a message took from the window comes back on the schedule, not now. */
  private nextDueUs(): number {
    if (!this.running) return Number.POSITIVE_INFINITY;
    const creditUs = this.schedule ? this.schedule.intendedUs(this.scheduled) : Number.POSITIVE_INFINITY;
    return this.held > 0 ? Math.min(creditUs, this.headDoneUs) : creditUs;
  }

  private onDue(nowUs: number): void {
    if (!this.running) return;
    // Every held message whose delay is over: one after another, each from the one before's due end.
    while (this.held > 0 && this.headDoneUs <= nowUs + RECEIVE_PACING.earlyUs) this.finishHead(nowUs);
    this.grant(nowUs);
    this.pacer.wait();
  }

  private finishHead(nowUs: number): void {
    const at = this.head;
    const delivery = this.deliveries[at] as Delivery;
    const bytes = this.payloads[at] as Buffer;
    const arrivalUs = this.arrivals[at];
    this.deliveries[at] = undefined;
    this.payloads[at] = undefined;
    this.head = (at + 1) % this.deliveries.length;
    this.held--;
    this.lastDoneUs = this.headDoneUs;
    if (this.held > 0) this.headDoneUs = Math.max(this.arrivals[this.head], this.lastDoneUs) + this.delayUs;
    this.take(delivery, bytes, nowUs, arrivalUs);
  }

  /** Credit up to what the schedule has made due and the window (held and outstanding) leaves room for. */
  private grant(nowUs: number): void {
    const receiver = this.receiver;
    if (receiver === undefined) return;
    const outstanding = creditOf(receiver);
    let n = Math.min(this.ahead, this.window - this.held) - outstanding;
    if (this.schedule) {
      const due = this.schedule.due(nowUs + RECEIVE_PACING.earlyUs);
      n = Math.min(n, due - this.scheduled);
      // Forfeited: a consumer that had no room (or nothing to receive) does not catch up later.
      this.scheduled = due;
    }
    if (n > 0) receiver.add_credit(n);
  }

  private drop(): void {
    for (let i = 0; i < this.held; i++) {
      const at = (this.head + i) % this.deliveries.length;
      this.deliveries[at] = undefined;
      this.payloads[at] = undefined;
    }
    this.held = 0;
  }
}
