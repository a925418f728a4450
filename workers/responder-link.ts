/**
 * One responder (--pattern rpc): consumes requests from the address and
 * answers each to its reply-to with the same correlation id and body.
 *
 * Replies go through one sender with no target (ANONYMOUS-RELAY, each reply
 * carrying its `to`) when the broker offers that capability on its open;
 * otherwise through one sender per reply address, opened on first use and
 * kept. A reply waits in a short backlog while its sender has no credit, so
 * a slow reply node holds back this link instead of being over-sent.
 *
 * Through a lost connection (--reconnect, --faults): the request receiver
 * and the reply senders attach again on the new connection; replies still
 * waiting go out there. A request taken (accepted) before the loss and not
 * yet answered is answered late or not at all: its requester sends it again.
 */
import type { Connection, EventContext, Message, Receiver, Sender, Session } from 'rhea';
import type { LinkAssignment } from '../src/protocol/worker-messages.js';
import { isWarmup } from '../src/metrics/index.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { linkRefusal } from './link-errors.js';
import type { ReattachableLink } from './worker-connections.js';
import type { WorkerRuntime } from './worker-runtime.js';

const ANONYMOUS_RELAY = 'ANONYMOUS-RELAY';

type Reply = Pick<Message, 'to' | 'correlation_id' | 'body'> & { to: string };

export class ResponderLink implements ReattachableLink {
  received = 0;
  answered = 0;
  lastReceiveUs = 0;
  /** Whether replies went through an anonymous relay (the broker offered it). */
  relay = false;
  private session!: Session;
  private receiver!: Receiver;
  private anonymous: Sender | null = null;
  private readonly byAddress = new Map<string, Sender>();
  private readonly backlog: Reply[] = [];
  /**
   * Reply addresses whose sender the broker detached (a dynamic node goes with its requester): replies to them are
   * dropped.
   */
  private readonly gone = new Set<string>();
  private started = false;
  /** Between a lost connection and attached again: replies wait. */
  private down = false;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly link: LinkAssignment,
  ) {}

  /** Attaches on `connection`: first at the start, and again on each new connection after a loss. */
  attach(connection: Connection): Promise<void> {
    this.session = connection.create_session();
    this.session.begin();
    // The old connection's senders went with it.
    this.byAddress.clear();
    this.anonymous = null;
    this.relay = offers(connection, ANONYMOUS_RELAY);
    if (this.relay) {
      this.anonymous = this.session.open_sender({ target: {}, autosettle: true }) as Sender;
      this.anonymous.on('sendable', () => this.flush());
    }
    this.receiver = this.session.open_receiver({
      source: { address: this.link.address },
      credit_window: this.runtime.assignment.credit,
      autoaccept: true,
    }) as Receiver;
    this.receiver.on('message', (ctx: EventContext) => this.onRequest(ctx));
    this.receiver.on('receiver_error', (ctx: EventContext) =>
      this.runtime.fail(linkRefusal(ctx, this.link.address, this.link.connection)),
    );
    return new Promise((resolve) => this.receiver.once('receiver_open', () => resolve()));
  }

  /** Nothing is in doubt here: a request taken unanswered is its requester's to send again. */
  connectionLost(): number {
    this.down = true;
    return 0;
  }

  /** Attached again: the replies that waited go. */
  resume(): void {
    this.down = false;
    this.flush();
  }

  start(): void {
    this.started = true;
  }

  private onRequest(ctx: EventContext): void {
    if (this.runtime.closed) return;
    const request = ctx.message as Message;
    const nowUs = monotonicNowUs();
    // A request can come before the start (the queue had some, or a client was quick): warm-up only if there is one.
    const warmup = this.started
      ? isWarmup(nowUs, this.runtime.window.warmupEndUs)
      : this.runtime.assignment.warmupMs > 0;
    this.received++;
    this.lastReceiveUs = nowUs;
    this.runtime.recorder.count('received', warmup);
    this.runtime.progress.add('received');
    const to = request.reply_to;
    // A request with nowhere to answer is counted as received, and not answered.
    if (typeof to !== 'string' || to === '') return;
    this.backlog.push({ to, correlation_id: request.correlation_id, body: request.body });
    this.flush();
  }

  /** Sends what waits, in order, while the senders have credit. */
  private flush(): void {
    if (this.down) return;
    while (this.backlog.length > 0) {
      const reply = this.backlog[0];
      if (this.gone.has(reply.to)) {
        this.backlog.shift();
        continue;
      }
      const sender = this.senderFor(reply.to);
      if (!sender.sendable()) return;
      this.backlog.shift();
      sender.send(this.anonymous !== null ? reply : { correlation_id: reply.correlation_id, body: reply.body });
      this.answered++;
    }
  }

  private senderFor(to: string): Sender {
    if (this.anonymous !== null) return this.anonymous;
    let sender = this.byAddress.get(to);
    if (sender === undefined) {
      sender = this.session.open_sender({ target: { address: to }, autosettle: true }) as Sender;
      sender.on('sendable', () => this.flush());
      // Not the run's failure: a requester that finished takes its dynamic reply node with it.
      const opened = sender;
      sender.on('sender_error', () => {
        // A sender of a connection already lost is no news about its address.
        if (this.byAddress.get(to) !== opened) return;
        this.byAddress.delete(to);
        this.gone.add(to);
        this.flush();
      });
      this.byAddress.set(to, sender);
    }
    return sender;
  }
}

/** The broker's open offered `capability`. */
function offers(connection: Connection, capability: string): boolean {
  // rhea's public getter for the broker's open frame.
  const offered = (connection as unknown as { readonly offered_capabilities?: unknown }).offered_capabilities;
  if (Array.isArray(offered)) return offered.some((c) => String(c) === capability);
  return typeof offered === 'string' || typeof offered === 'symbol' ? String(offered) === capability : false;
}
