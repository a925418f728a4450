/**
 * The probe's rhea adapter: one session per check, links that open or are
 * refused, sends that end in an outcome, receivers read message by message.
 * Every wait is bounded by the step timeout, and ends early if the session
 * or the connection goes away.
 */
import rhea from 'rhea';
import type {
  Connection,
  Delivery,
  EventContext,
  Message,
  Receiver,
  ReceiverOptions,
  Sender,
  SenderOptions,
  Session,
} from 'rhea';
import { outcomeOf } from '../amqp/rhea-patches/index.js';

/** A source filter map holding one JMS selector (rhea's `jms-selector` described value). */
export function selectorFilter(expression: string): Record<string, unknown> {
  return rhea.filter.selector(expression) as Record<string, unknown>;
}

/** The peer answered an attach with a detach: the condition is its reason. */
export class AttachRefused extends Error {
  constructor(
    readonly condition: string,
    readonly description: string,
  ) {
    super(description === '' ? condition : `${condition}: ${description}`);
    this.name = 'AttachRefused';
  }
}

/**
 * The peer closed a sending link while a send on it awaited its outcome: the
 * send was refused, and the condition says why (Qpid Broker-J's memory store
 * closes the link with amqp:precondition-failed for a durable message).
 */
export class SendRefused extends AttachRefused {
  constructor(condition: string, description: string) {
    super(condition, description);
    this.name = 'SendRefused';
    this.message = `the broker closed the sending link with the send outstanding: ${this.message}`;
  }
}

/** A step got no answer in time; `what` names the step. */
export class StepTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`no answer within ${formatMs(ms)}: ${what}`);
    this.name = 'StepTimeout';
  }
}

export type Outcome = 'accepted' | 'rejected' | 'released' | 'modified' | 'settled';

interface AmqpErrorFields {
  condition?: unknown;
  description?: unknown;
}

/** One AMQP session and the links a check opens on it. */
export class ProbeSession {
  private readonly session: Session;
  private readonly failers = new Set<(error: Error) => void>();
  private ended: Error | undefined;

  constructor(
    readonly connection: Connection,
    readonly stepTimeoutMs: number,
  ) {
    this.session = connection.create_session();
    const end = (context: EventContext): void => {
      const error = context.session?.error as AmqpErrorFields | undefined;
      this.fail(
        new AttachRefused(
          String(error?.condition ?? 'amqp:session:ended'),
          String(error?.description ?? 'session ended by the peer'),
        ),
      );
    };
    this.session.on('session_error', end);
    this.session.on('session_close', end);
    this.session.on('session_open', () => undefined);
    connection.on('disconnected', this.onDisconnected);
    connection.on('connection_close', this.onDisconnected);
    connection.on('connection_error', this.onDisconnected);
    this.session.begin();
  }

  /** Opens a sending link; rejects with AttachRefused or StepTimeout. */
  openSender(options: SenderOptions): Promise<Sender> {
    const sender = this.session.attach_sender(options) as Sender;
    watchOutcomes(sender);
    return this.opened(sender, 'sender', `attach of a sender to ${describeTerminus(options.target)}`);
  }

  /** Opens a receiving link; messages are queued from the first one, for `next()`. */
  async openReceiver(options: ReceiverOptions): Promise<ProbeReceiver> {
    const receiver = this.session.attach_receiver(options) as Receiver;
    const inbox = new ProbeReceiver(receiver, this);
    await this.opened(receiver, 'receiver', `attach of a receiver from ${describeTerminus(options.source)}`);
    return inbox;
  }

  /**
   * Sends one message once credit allows and waits for its outcome; a
   * pre-settled send (`settled: true`) resolves 'settled' once handed over.
   */
  async send(sender: Sender, message: Message, settled = false): Promise<Outcome> {
    await this.credit(sender);
    const delivery = sender.send(message);
    if (settled) return 'settled';
    return this.outcome(sender, delivery, 'the outcome of a send');
  }

  /** Waits until `sender` has credit. */
  async credit(sender: Sender): Promise<void> {
    if (sender.sendable()) return;
    await this.wait<void>('credit to send', (resolve) => {
      const onSendable = (): void => resolve();
      sender.on('sendable', onSendable);
      return () => sender.off('sendable', onSendable);
    });
  }

  /**
   * The outcome the peer gave `delivery` (or 'settled' when it settled with
   * none); rejects with SendRefused, at once, if the peer closes the link first.
   */
  outcome(sender: Sender, delivery: Delivery, what: string, ms = this.stepTimeoutMs): Promise<Outcome> {
    const known = probeOutcome(delivery);
    if (known) return Promise.resolve(known);
    return this.wait<Outcome>(
      what,
      (resolve, reject) => {
        const waiters = waitersOf(sender);
        waiters.set(delivery, { resolve, refused: () => reject(sendRefused(sender)) });
        if (!sender.is_remote_open()) reject(sendRefused(sender));
        return () => waiters.delete(delivery);
      },
      ms,
    );
  }

  /** A promise that `register` resolves, rejected on timeout or when the session ends. */
  wait<T>(
    what: string,
    register: (resolve: (value: T) => void, reject: (error: Error) => void) => () => void,
    ms = this.stepTimeoutMs,
  ): Promise<T> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise<T>((resolve, reject) => {
      let cleanup: (() => void) | undefined;
      let done = false;
      const timer = setTimeout(() => settle(() => reject(new StepTimeout(what, ms))), ms);
      const settle = (action: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.failers.delete(fail);
        cleanup?.();
        action();
      };
      const fail = (error: Error): void => settle(() => reject(error));
      this.failers.add(fail);
      cleanup = register((value) => settle(() => resolve(value)), fail);
      if (done) cleanup();
    });
  }

  /** `promise`, bounded by the step timeout and by the life of this session. */
  within<T>(promise: Promise<T>, what: string, ms = this.stepTimeoutMs): Promise<T> {
    return this.wait<T>(
      what,
      (resolve, reject) => {
        promise.then(resolve, reject);
        return () => undefined;
      },
      ms,
    );
  }

  /** Ends the session (and so its links); never throws. */
  close(): void {
    this.connection.off('disconnected', this.onDisconnected);
    this.connection.off('connection_close', this.onDisconnected);
    this.connection.off('connection_error', this.onDisconnected);
    this.fail(new Error('session closed by the probe'));
    if (!this.connection.is_open()) return;
    if (this.session.is_remote_open()) {
      this.session.close();
      return;
    }
    // rhea forgets a session ended before the peer's begin arrives, and then
    // takes that begin for a protocol error: end it once the begin is in.
    const end = (): void => {
      clearTimeout(timer);
      if (this.connection.is_open()) this.session.close();
    };
    const timer = setTimeout(end, this.stepTimeoutMs);
    timer.unref();
    this.session.once('session_open', end);
  }

  private readonly onDisconnected = (context: EventContext): void => {
    const error = (context.error ?? context.connection?.error) as (AmqpErrorFields & { message?: unknown }) | undefined;
    const text = error?.description ?? error?.message;
    const condition = error?.condition ? `${String(error.condition)}: ` : '';
    this.fail(new Error(`connection closed${text ? `: ${condition}${String(text)}` : ''}`));
  };

  private fail(error: Error): void {
    this.ended ??= error;
    for (const fail of [...this.failers]) fail(error);
  }

  private opened<L extends Sender | Receiver>(link: L, kind: 'sender' | 'receiver', what: string): Promise<L> {
    return this.wait<L>(what, (resolve, reject) => {
      const refused = (): void => {
        const error = (link.error ?? {}) as AmqpErrorFields;
        reject(
          new AttachRefused(
            String(error.condition ?? 'amqp:link:detach-forced'),
            String(error.description ?? 'attach refused'),
          ),
        );
      };
      const onOpen = (): void => {
        // A refusal is an attach with a null terminus followed by a detach,
        // often in the same read: look again once this read is processed.
        const terminus = kind === 'sender' ? link.target : link.source;
        if (terminus === null || terminus === undefined) return;
        setImmediate(() => (link.is_itself_closed() || link.error ? refused() : resolve(link)));
      };
      link.on(`${kind}_open`, onOpen);
      link.on(`${kind}_error`, refused);
      link.on(`${kind}_close`, refused);
      return () => {
        link.off(`${kind}_open`, onOpen);
        link.off(`${kind}_error`, refused);
        link.off(`${kind}_close`, refused);
        // Later errors on this link must not reach the container as unhandled.
        link.on(`${kind}_error`, ignore);
      };
    });
  }
}

/** A receiving link with its messages queued in arrival order. */
export class ProbeReceiver {
  private readonly queued: Message[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly presettled = new WeakSet<Message>();
  private readonly deliveries = new WeakMap<Message, Delivery>();

  constructor(
    readonly link: Receiver,
    private readonly session: ProbeSession,
  ) {
    link.on('message', (context: EventContext) => {
      const message = context.message;
      if (!message) return;
      if (context.delivery) this.deliveries.set(message, context.delivery);
      if (context.delivery?.remote_settled) this.presettled.add(message);
      this.queued.push(message);
      for (const wake of [...this.wakers]) wake();
    });
  }

  /** The delivery a message came in (to settle it by hand on an `autoaccept: false` link). */
  deliveryOf(message: Message): Delivery | undefined {
    return this.deliveries.get(message);
  }

  /** Whether the message came pre-settled (at-most-once) rather than awaiting our outcome. */
  arrivedSettled(message: Message): boolean {
    return this.presettled.has(message);
  }

  /** The next message, or undefined if none arrives within `ms` (default: the step timeout). */
  async next(ms = this.session.stepTimeoutMs): Promise<Message | undefined> {
    const ready = this.queued.shift();
    if (ready) return ready;
    try {
      await this.session.wait<void>(
        'a message',
        (resolve) => {
          const wake = (): void => resolve();
          this.wakers.add(wake);
          return () => this.wakers.delete(wake);
        },
        ms,
      );
    } catch (error) {
      if (error instanceof StepTimeout) return undefined;
      throw error;
    }
    return this.queued.shift();
  }

  /** Reads until `accept` holds for a message (returned with those before it), or time runs out. */
  async until(
    accept: (message: Message) => boolean,
    ms = this.session.stepTimeoutMs,
  ): Promise<{ found?: Message; before: Message[] }> {
    const deadline = Date.now() + ms;
    const before: Message[] = [];
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return { before };
      const message = await this.next(left);
      if (message === undefined) return { before };
      if (accept(message)) return { found: message, before };
      before.push(message);
    }
  }
}

/** A send awaiting its outcome: resolved by it, or refused when the peer closes the link first. */
interface OutcomeWaiter {
  resolve(outcome: Outcome): void;
  refused(): void;
}

const outcomeWaiters = new WeakMap<Sender, Map<Delivery, OutcomeWaiter>>();

function waitersOf(sender: Sender): Map<Delivery, OutcomeWaiter> {
  let waiters = outcomeWaiters.get(sender);
  if (!waiters) {
    waiters = new Map();
    outcomeWaiters.set(sender, waiters);
  }
  return waiters;
}

/** One listener per event and sender, however many sends wait (a check may wait on hundreds at once). */
function watchOutcomes(sender: Sender): void {
  for (const event of ['accepted', 'rejected', 'released', 'modified', 'settled'] as const) {
    sender.on(event, (context: EventContext) => {
      const delivery = context.delivery;
      if (!delivery) return;
      const waiter = waitersOf(sender).get(delivery);
      if (!waiter) return;
      waitersOf(sender).delete(delivery);
      waiter.resolve(probeOutcome(delivery) ?? event);
    });
  }
  // A detach may come as an error event and a close event: both refuse what still waits, once.
  const refuseAll = (): void => {
    const waiters = waitersOf(sender);
    const waiting = [...waiters.values()];
    waiters.clear();
    for (const waiter of waiting) waiter.refused();
  };
  sender.on('sender_error', refuseAll);
  sender.on('sender_close', refuseAll);
}

function probeOutcome(delivery: Delivery): Outcome | undefined {
  const type = outcomeOf(delivery);
  if (type === 'accepted' || type === 'rejected' || type === 'released' || type === 'modified') return type;
  return delivery.remote_settled ? 'settled' : undefined;
}

/** The link's own error, as the peer's detach gave it. */
function sendRefused(sender: Sender): SendRefused {
  const error = (sender.error ?? {}) as AmqpErrorFields;
  return new SendRefused(
    String(error.condition ?? 'amqp:link:detach-forced'),
    String(error.description ?? 'link closed by the peer'),
  );
}

function describeTerminus(terminus: unknown): string {
  if (terminus === undefined || terminus === null) return 'no terminus';
  const fields = terminus as { address?: unknown; dynamic?: unknown };
  if (fields.dynamic) return 'a dynamic node';
  return typeof fields.address === 'string' ? fields.address : 'no address';
}

function ignore(): void {
  // deliberately empty
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
