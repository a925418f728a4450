/**
 * The embedded AMQP 1.0 broker: rhea's server side plus salvo's queues.
 * Each rhea event is routed to the adapter that owns the link; the adapters
 * and queues hold all broker state.
 */
import type { Server, Socket } from 'node:net';
import rhea from 'rhea';
import type { Connection, Container, EventContext, Receiver, Sender, Session, Source, TerminusOptions } from 'rhea';

type Link = Sender | Receiver;

const STOP_GRACE_MS = 200;
import {
  DELIVERY_ABORTED_EVENT,
  detachClosed,
  isDraining,
  linksOf,
  localAttachOf,
  sessionEnded,
  sessionsOf,
} from '../amqp/rhea-patches/index.js';
import { Chaos, type ChaosLink, type ConsumerChaos } from './chaos.js';
import { Topic } from './topic.js';
import { isControlInbox } from '../plan/control-address.js';
import { ConnectionGuard } from './connection-guard.js';
import { ConsumerLink } from './consumer-link.js';
import { enablePlainSasl, openListeners, readTlsFiles } from './listener.js';
import type { AcceptEvent } from './listener.js';
import { ProducerLink } from './producer-link.js';
import { BrokerTransactions } from './transactions/coordinator.js';
import type { ConnectionTransactions } from './transactions/coordinator.js';
import type { Queue } from './queue.js';
import { Registry } from './registry.js';
import { drainWrites, resetSocket, stopReading } from './restart.js';
import type { RestartCounts } from './restart.js';
import { decideSource, decideTarget, subscriptionKey } from './terminus.js';
import type { Refusal, SourceTerms } from './terminus.js';
import type { BrokerOptions, BrokerStats } from './options.js';

interface ConnectionState {
  id: string;
  consumers: Set<ConsumerLink>;
  producers: Set<ProducerLink>;
  transactions: ConnectionTransactions;
}

/** What a peer's attach says, read through rhea's public getters (undefined before the attach). */
interface RemoteAttach {
  snd_settle_mode?: number;
  source?: SourceTerms;
  target?: SourceTerms;
}

export class Broker {
  private readonly container: Container;
  private readonly registry: Registry;
  private readonly transactions = new BrokerTransactions();
  private readonly connections = new Map<Connection, ConnectionState>();
  private readonly consumers = new WeakMap<Link, ConsumerLink>();
  private readonly producers = new WeakMap<Link, ProducerLink>();
  private readonly dynamicNodes = new WeakMap<Link, Queue>();
  /** Topic consumers: their subscription, by link, and each consumer's link. */
  private readonly subscriptionNames = new WeakMap<Link, { topic: Topic; name: string }>();
  private readonly linkOf = new WeakMap<ConsumerLink, Link>();
  private subscriptionCounter = 0;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly connectionGuard: ConnectionGuard;
  private readonly chaos: Chaos | null;
  /** The consuming side's chaos switches, shared by every consumer; null when none is on. */
  private readonly consumerChaos: ConsumerChaos | null;
  private connectionCounter = 0;
  /** Set by crash(): no consumer is handed another message. */
  private frozen = false;
  /** The ports actually bound (the options may say 0: any free port). */
  private boundPorts: { plain: number; tls?: number } = { plain: 0 };
  url = '';
  tlsUrl: string | undefined;

  private constructor(private readonly options: BrokerOptions) {
    this.registry = new Registry(options.maxQueueDepth, options.idleQueueMs);
    this.connectionGuard = new ConnectionGuard(options);
    this.chaos = options.chaos ? new Chaos(options.chaos) : null;
    this.consumerChaos = this.chaos?.consumer() ?? null;
    const chaos = this.chaos;
    if (chaos && options.chaos?.leak !== undefined) this.transactions.registry.leakOnRollback = () => chaos.leaks();
    // Committed messages get the same faults as plain ones, from one chaos link for all commits.
    if (chaos) {
      const committed = chaos.link();
      this.transactions.registry.enqueueCommitted = (queue, message) => committed.enqueue(queue, message);
    }
    this.container = rhea.create_container({ id: 'salvo-broker' });
    enablePlainSasl(this.container, options.users);
    this.wireEvents();
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    await broker.listen();
    return broker;
  }

  stats(): BrokerStats {
    return {
      connections: this.connections.size,
      queues: this.registry.all().map((queue) => ({
        address: queue.address,
        depth: queue.depth,
        consumers: queue.consumerCount,
        ...queue.counters,
      })),
      ...(this.chaos ? { chaos: { ...this.chaos.counts } } : {}),
    };
  }

  /** Closes every connection, gives peers a moment to see it, then drops every socket (even ones that never opened). */
  async stop(): Promise<void> {
    this.registry.stop();
    for (const connection of this.connections.keys()) connection.close();
    const closing = this.closeListeners();
    for (let waitedMs = 0; this.sockets.size > 0 && waitedMs < STOP_GRACE_MS; waitedMs += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const socket of this.sockets) socket.destroy();
    this.connectionGuard.stop();
    await closing;
    this.connections.clear();
  }

  /** These options with the ports this broker bound, so that a restart comes back where clients look. */
  restartOptions(): BrokerOptions {
    const { plain, tls } = this.boundPorts;
    const options = { ...this.options, port: plain };
    if (this.options.tls && tls !== undefined) options.tls = { ...this.options.tls, port: tls };
    return options;
  }

  /**
   * Ends this broker as a kill -9 would (see restart.ts for why it quiesces first): no new
   * connection, nothing more read or delivered, written bytes given time to arrive; then
   * what is lost is counted and every socket reset. The broker is unusable afterwards.
   */
  async crash(): Promise<RestartCounts> {
    this.frozen = true;
    const closing = this.closeListeners();
    for (const socket of this.sockets) stopReading(socket);
    for (const state of this.connections.values()) for (const consumer of state.consumers) consumer.freeze();
    await drainWrites(this.sockets);
    // Counted and cut in one synchronous step: nothing can move in between.
    const counts = this.lostCounts();
    this.registry.stop();
    this.connectionGuard.stop();
    for (const socket of this.sockets) resetSocket(socket);
    await closing;
    this.connections.clear();
    return counts;
  }

  /**
   * Queued (or held back by chaos) messages are dropped; delivered, unsettled ones are unsettled, unless rhea never
   * wrote them.
   */
  private lostCounts(): RestartCounts {
    let dropped = this.chaos?.heldBack ?? 0;
    for (const queue of this.registry.all()) dropped += queue.depth;
    let unsettled = this.transactions.registry.acquiredCount();
    for (const state of this.connections.values()) {
      for (const consumer of state.consumers) {
        const { received, unsent } = consumer.inFlight();
        unsettled += received;
        dropped += unsent;
      }
    }
    return { dropped, unsettled };
  }

  private closeListeners(): Promise<void> {
    return Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    ).then(() => undefined);
  }

  private async listen(): Promise<void> {
    const files = readTlsFiles(this.options.tls);
    try {
      const guardOptions = this.connectionGuard.listenOptions();
      const track = (server: Server, event: AcceptEvent): void => this.track(server, event);
      const bound = await openListeners(this.container, this.options, files, guardOptions, track);
      this.boundPorts = bound.ports;
      this.url = bound.url;
      this.tlsUrl = bound.tlsUrl;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private track(server: Server, event: AcceptEvent): void {
    this.servers.push(server);
    server.on(event, (socket: Socket) => {
      this.sockets.add(socket);
      this.connectionGuard.watch(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  private wireEvents(): void {
    const c = this.container;
    c.on('connection_open', (ctx: EventContext) => {
      this.connectionGuard.opened(ctx.connection);
      this.stateOf(ctx.connection);
    });
    c.on('receiver_open', (ctx: EventContext) => this.guard(ctx, () => this.onProducerAttach(ctx)));
    c.on('sender_open', (ctx: EventContext) => this.guard(ctx, () => this.onConsumerAttach(ctx)));
    c.on('message', (ctx: EventContext) => this.onTransfer(ctx));
    // A discarded (aborted) delivery used a credit: the producer grants it again.
    c.on(DELIVERY_ABORTED_EVENT, (ctx: EventContext) => this.producers.get(ctx.receiver as Link)?.onAborted());
    c.on('sender_flow', (ctx: EventContext) =>
      this.guard(ctx, () => {
        const sender = ctx.sender as Sender;
        this.consumers.get(sender)?.onFlow(isDraining(sender));
      }),
    );
    // A consumer can also be held back by its session's delivery ring (2048 unsettled) rather
    // than by credit; rhea says 'sendable' once a full ring has room again (no flow need follow).
    // Served as a flow, so that a drain asked meanwhile completes too.
    c.on('sendable', (ctx: EventContext) =>
      this.guard(ctx, () => {
        const sender = ctx.sender as Sender;
        this.consumers.get(sender)?.onFlow(isDraining(sender));
      }),
    );
    // Consumers' links get these on the link (onConsumerAttach); here: any other sending link's, before it is one.
    c.on('settled', this.onSettledEvent);
    for (const outcome of OUTCOME_EVENTS) c.on(outcome, this.onOutcomeEvent);
    c.on('sender_close', (ctx: EventContext) => this.closeLink(ctx.sender as Link, ctx.connection));
    c.on('receiver_close', (ctx: EventContext) => this.closeLink(ctx.receiver as Link, ctx.connection));
    c.on('sender_error', () => undefined);
    c.on('receiver_error', () => undefined);
    c.on('session_error', () => undefined);
    // rhea reports a session's end, never the end of each link on it: end them here.
    c.on('session_close', (ctx: EventContext) => this.endSession(ctx.session, ctx.connection));
    c.on('connection_close', (ctx: EventContext) => this.dropConnection(ctx.connection));
    c.on('connection_error', () => undefined);
    c.on('disconnected', (ctx: EventContext) => this.dropConnection(ctx.connection));
    c.on('protocol_error', () => undefined);
    c.on('error', () => undefined);
  }

  private readonly onSettledEvent = (ctx: EventContext): void => this.onDisposition(ctx, true);
  private readonly onOutcomeEvent = (ctx: EventContext): void => this.onDisposition(ctx, false);

  /** Per message: no closure, one lookup. */
  private onTransfer(ctx: EventContext): void {
    try {
      if (!this.transactions.onMessage(ctx)) this.producers.get(ctx.receiver as Link)?.onMessage(ctx);
    } catch (error) {
      endLink(ctx, error);
    }
  }

  /**
   * rhea raises the outcome and then 'settled' for one settled disposition:
   * each is handled once, on 'settled'; the outcome event only for a peer
   * that leaves its outcome unsettled.
   */
  private onDisposition(ctx: EventContext, settledEvent: boolean): void {
    const delivery = ctx.delivery;
    if (!delivery || (!settledEvent && delivery.remote_settled)) return;
    try {
      this.consumers.get(ctx.sender as Link)?.settle(delivery);
    } catch (error) {
      endLink(ctx, error);
    }
  }

  /** A bug or bad input on one link must not take the broker down: end that link. */
  private guard(ctx: EventContext, action: () => void): void {
    try {
      action();
    } catch (error) {
      endLink(ctx, error);
    }
  }

  private onProducerAttach(ctx: EventContext): void {
    const receiver = ctx.receiver as Receiver;
    const remote = receiver as unknown as RemoteAttach;
    const attach = localAttachOf(receiver);
    receiver.set_source(terminus<Source>(remote.source, SOURCE_FIELDS));
    if (this.transactions.attach(receiver, remote.target, this.stateOf(ctx.connection).id)) return;
    const decision = decideTarget(remote.target);
    if (decision.kind === 'refuse') return refuseLink(receiver, decision.refusal);
    attach.snd_settle_mode = remote.snd_settle_mode ?? 2;
    attach.rcv_settle_mode = 0;
    if (this.options.maxMessageSize > 0) attach.max_message_size = this.options.maxMessageSize;
    const state = this.stateOf(ctx.connection);
    let queue: Queue | null = null;
    if (decision.dynamic) {
      queue = this.registry.createDynamic(state.id);
      this.dynamicNodes.set(receiver, queue);
      receiver.set_target({ address: queue.address, dynamic: true });
    } else if (decision.address !== null && decision.topic) {
      queue = this.registry.topic(decision.address, this.chaosFor);
      if (queue === null) return refuseLink(receiver, notATopic(decision.address));
      receiver.set_target({ address: decision.address, capabilities: ['topic'] } as TerminusOptions);
    } else if (decision.address !== null) {
      queue = this.registry.open(decision.address);
      receiver.set_target({ address: decision.address });
    } else {
      receiver.set_target(terminus<TerminusOptions>(undefined, TARGET_FIELDS));
    }
    const producer = new ProducerLink(
      receiver,
      queue,
      this.registry,
      this.options.linkCredit,
      state.transactions,
      this.options.maxMessageSize,
      decision.address !== null && isControlInbox(decision.address) ? null : this.producerChaos(decision.address),
    );
    this.producers.set(receiver, producer);
    state.producers.add(producer);
    producer.start();
  }

  private onConsumerAttach(ctx: EventContext): void {
    const sender = ctx.sender as Sender;
    const remote = sender as unknown as RemoteAttach;
    const attach = localAttachOf(sender);
    sender.set_target(terminus<TerminusOptions>(remote.target, TARGET_FIELDS));
    const decision = decideSource(remote.source);
    if (decision.kind === 'refuse') return refuseLink(sender, decision.refusal);
    const presettled = remote.snd_settle_mode === 1;
    attach.snd_settle_mode = remote.snd_settle_mode ?? 2;
    attach.rcv_settle_mode = 0;
    const state = this.stateOf(ctx.connection);
    let queue: Queue;
    const source: Record<string, unknown> = {};
    if (decision.dynamic) {
      queue = this.registry.createDynamic(state.id);
      this.dynamicNodes.set(sender, queue);
      source.address = queue.address;
    } else if (decision.subscription || this.registry.find(decision.address as string) instanceof Topic) {
      const address = decision.address as string;
      const topic = this.registry.topic(address, this.chaosFor);
      if (topic === null) return refuseLink(sender, notATopic(address));
      // A consumer that did not say `topic` on a topic's address gets a subscription of its own, as on Artemis.
      const { shared, durable } = decision.subscription ?? { shared: false, durable: false };
      // Shared and durable subscriptions are found again by link name; any other is this link's alone.
      const name =
        shared || durable ? subscriptionKey(sender.name) : `${sender.name}#${state.id}.${++this.subscriptionCounter}`;
      queue = topic.subscribe(name, durable).queue;
      this.subscriptionNames.set(sender, { topic, name });
      Object.assign(source, { address, capabilities: ['topic', ...(shared ? ['shared'] : [])] });
      if (durable) Object.assign(source, { durable: 2, expiry_policy: 'never' });
    } else {
      queue = this.registry.open(decision.address as string);
      source.address = queue.address;
    }
    if (decision.dynamic) source.dynamic = true;
    if (decision.appliedFilter) source.filter = decision.appliedFilter;
    sender.set_source(terminus<Source>(source, SOURCE_FIELDS));
    // Chaos ignore-selector: the selector was accepted on attach and is now not applied.
    const accepts = this.options.chaos?.ignoreSelector ? null : decision.accepts;
    const consumer = new ConsumerLink(sender, queue, accepts, presettled, state.transactions, this.consumerChaos);
    if (this.frozen) consumer.freeze();
    this.consumers.set(sender, consumer);
    // On the link itself, so that rhea stops the event there (two per delivery) instead of climbing to the container.
    sender.on('settled', this.onSettledEvent);
    for (const outcome of OUTCOME_EVENTS) sender.on(outcome, this.onOutcomeEvent);
    this.linkOf.set(consumer, sender);
    state.consumers.add(consumer);
    // Credit usually arrives in a flow after the attach; a flow event dispatches then.
    queue.addConsumer(consumer);
  }

  private closeLink(link: Link, connection: Connection): void {
    const state = this.connections.get(connection);
    this.transactions.closeLink(link);
    const consumer = this.consumers.get(link);
    if (consumer) {
      consumer.close();
      state?.consumers.delete(consumer);
      this.leaveSubscription(consumer, detachClosed(link));
    }
    const producer = this.producers.get(link);
    if (producer) {
      producer.close();
      state?.producers.delete(producer);
    }
    const dynamic = this.dynamicNodes.get(link);
    if (dynamic) {
      this.dynamicNodes.delete(link);
      this.deleteNode(dynamic, link);
    }
  }

  /** Every link of an ended session is detached with it (AMQP 1.0 section 2.5.5). */
  private endSession(session: Session | undefined, connection: Connection): void {
    if (!session) return;
    for (const link of linksOf(session)) this.closeLink(link, connection);
  }

  /**
   * A dynamic node goes with the link that made it. Links that other clients attached to it
   * by address are detached (amqp:resource-deleted): a sender left bound to a deleted queue
   * would have every message accepted and lost.
   */
  private deleteNode(queue: Queue, owner: Link): void {
    this.registry.remove(queue);
    for (const connection of [...this.connections.keys()]) {
      for (const session of sessionsOf(connection)) {
        for (const link of linksOf(session)) {
          if (link === owner) continue;
          const bound = this.consumers.get(link)?.queue ?? this.producers.get(link)?.target;
          if (bound !== queue) continue;
          // A link on a session the peer has ended goes with it: nothing may be written there.
          if (!sessionEnded(session))
            link.close({ condition: 'amqp:resource-deleted', description: `node ${queue.address} was deleted` });
          this.closeLink(link, connection);
        }
      }
    }
  }

  private dropConnection(connection: Connection): void {
    const state = this.connections.get(connection);
    if (!state) return;
    this.connections.delete(connection);
    for (const consumer of state.consumers) {
      consumer.close();
      // A connection that went did not say closed=true: a durable subscription waits for its consumer.
      this.leaveSubscription(consumer, false);
    }
    for (const producer of state.producers) producer.close();
    this.transactions.dropConnection(state.id);
    for (const session of sessionsOf(connection)) {
      for (const link of linksOf(session)) {
        const dynamic = this.dynamicNodes.get(link);
        if (dynamic) this.deleteNode(dynamic, link);
      }
    }
  }

  /** The chaos for one producer link: broker-wide, or only on the queue `--broker-chaos queue=` names. */
  private producerChaos(address: string | null): ChaosLink | null {
    const scope = this.options.chaos?.queue;
    if (!this.chaos || (scope !== undefined && scope !== address)) return null;
    return this.chaos.link();
  }

  /** A subscription queue's chaos: only when `--broker-chaos queue=` names it (otherwise producers apply it). */
  private readonly chaosFor = (queueAddress: string): ChaosLink | null =>
    this.chaos && this.options.chaos?.queue === queueAddress ? this.chaos.link() : null;

  /** A topic consumer went: its subscription may go with it (Topic#consumerLeft). */
  private leaveSubscription(consumer: ConsumerLink, closed: boolean): void {
    const link = this.linkOf.get(consumer);
    const subscription = link && this.subscriptionNames.get(link);
    if (subscription) subscription.topic.consumerLeft(subscription.name, closed);
  }

  private stateOf(connection: Connection): ConnectionState {
    let state = this.connections.get(connection);
    if (!state) {
      const id = String(++this.connectionCounter);
      state = { id, consumers: new Set(), producers: new Set(), transactions: this.transactions.forConnection(id) };
      this.connections.set(connection, state);
    }
    return state;
  }
}

function endLink(ctx: EventContext, error: unknown): void {
  const link = (ctx.sender ?? ctx.receiver) as Link | undefined;
  const description = error instanceof Error ? error.message : String(error);
  link?.close({ condition: 'amqp:internal-error', description });
}

/** The fields of a target and of a source (AMQP 1.0, 3.5.4 and 3.5.3), as rhea names them. */
const TARGET_FIELDS = [
  'address',
  'durable',
  'expiry_policy',
  'timeout',
  'dynamic',
  'dynamic_node_properties',
  'capabilities',
] as const;
const SOURCE_FIELDS = [...TARGET_FIELDS, 'distribution_mode', 'filter', 'default_outcome', 'outcomes'] as const;

/**
 * A fresh terminus for rhea's set_source / set_target, copied field by field
 * (rhea's typings demand an address on every terminus; AMQP does not).
 * Never the peer's decoded terminus itself: rhea decodes every empty list to
 * one shared array, and set_source wrote a source's 11 fields into it, so
 * every empty target after that was echoed with 11 fields (go-amqp closes the
 * connection on it). A null terminus arrives as a typed null with no fields.
 */
function terminus<T>(fields: object | undefined, names: readonly string[]): T {
  const copy: Record<string, unknown> = {};
  for (const name of names) {
    const value = (fields as Record<string, unknown> | undefined)?.[name];
    if (value !== undefined && value !== null) copy[name] = value;
  }
  return copy as T;
}

function notATopic(address: string): Refusal {
  return { condition: 'amqp:precondition-failed', description: `address ${address} is a queue, not a topic` };
}

function refuseLink(link: Link, refusal: Refusal): void {
  // The attach goes out with a null terminus, then the detach with the reason.
  link.close({ condition: refusal.condition, description: refusal.description });
}

/** The outcome events rhea raises on a sending link for a disposition's state. */
const OUTCOME_EVENTS = ['accepted', 'released', 'rejected', 'modified'] as const;
