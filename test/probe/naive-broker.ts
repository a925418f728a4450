/**
 * A deliberately naive AMQP peer for probe tests, in the image of the Proton
 * example brokers: FIFO queues per address, and a choice of the ways real
 * brokers get selectors, dynamic nodes and transactions wrong. It runs in the
 * test's own thread (rhea server side).
 */
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import type { EventContext, Message, Receiver, Sender } from 'rhea';
import { destroySocket, enableTransactionTypes, setLocalTarget } from '../../src/amqp/rhea-patches/index.js';
import {
  CoordinatorTarget,
  coordinatorTargetValue,
  declaredValue,
  readDecodedControl,
} from '../../src/amqp/transactions/codec.js';

export interface NaiveBehaviour {
  /** echo: echo the filter, then ignore it; drop: answer without the filter; refuse: detach. */
  selector: 'echo' | 'drop' | 'refuse';
  /** no-address: attach a dynamic source without giving it an address; refuse: detach. */
  dynamic: 'no-address' | 'refuse';
  /**
   * as-message: answer a declare with a plain accepted (Proton C++/Python examples);
   * ignore-txn: declare for real, but deliver transactional sends at once;
   * refuse: detach the coordinator link with amqp:not-implemented.
   */
  coordinator: 'as-message' | 'ignore-txn' | 'refuse';
  /**
   * Holds every transfer to a consumer this long after accepting the message: the floor that Nagle's algorithm
   * meeting delayed ACKs puts on ActiveMQ Classic's default connector (transport.tcpNoDelay=false, ~40 ms), made
   * here by a timer so that a test does not hang on the kernel's timing.
   */
  dispatchDelayMs?: number;
  /**
   * close-link: a durable message is not taken; the broker closes the sending link with amqp:precondition-failed
   * instead of settling it (Qpid Broker-J's memory store does so 13 ms after the send).
   */
  durable?: 'close-link';
  /** With durable 'close-link': this many durable messages are taken first (512 went through on Broker-J). */
  durableTaken?: number;
}

export interface NaiveBroker {
  url: string;
  stop(): Promise<void>;
}

export async function startNaiveBroker(behaviour: NaiveBehaviour): Promise<NaiveBroker> {
  enableTransactionTypes(); // so a coordinator target arrives as a CoordinatorTarget
  const queues = new Map<string, Message[]>();
  const consumers = new Map<string, Set<Sender>>();
  const coordinators = new WeakSet<Receiver>();
  let durableTaken = 0;
  const queue = (address: string): Message[] => {
    let messages = queues.get(address);
    if (!messages) queues.set(address, (messages = []));
    return messages;
  };
  const pump = (address: string): void => {
    const messages = queue(address);
    for (const sender of consumers.get(address) ?? []) {
      while (messages.length > 0 && sender.sendable()) sender.send(messages.shift()!);
    }
  };

  const container = rhea.create_container({ id: 'naive-broker' });
  for (const event of [
    'error',
    'receiver_error',
    'sender_error',
    'session_error',
    'connection_error',
    'disconnected',
  ]) {
    container.on(event, () => undefined);
  }
  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    const target = (receiver as unknown as { remote: { attach: { target?: unknown } } }).remote.attach.target;
    if (target instanceof CoordinatorTarget) {
      if (behaviour.coordinator === 'refuse') {
        receiver.close({ condition: 'amqp:not-implemented', description: 'naive broker: no coordinator' });
        return;
      }
      coordinators.add(receiver);
      setLocalTarget(receiver, coordinatorTargetValue());
      receiver.add_credit(100);
      return;
    }
    const address = (target as { address?: unknown } | undefined)?.address;
    if (typeof address !== 'string') {
      receiver.close({ condition: 'amqp:not-implemented', description: 'naive broker: no anonymous relay' });
      return;
    }
    receiver.set_target({ address });
    receiver.add_credit(100);
  });
  container.on('message', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    const delivery = context.delivery!;
    if (coordinators.has(receiver)) {
      if (behaviour.coordinator === 'as-message') {
        delivery.accept();
        return;
      }
      const control = readDecodedControl(context.message!.body);
      if (control.kind === 'declare') delivery.update(true, declaredValue(Buffer.from('naive-txn')));
      else delivery.accept();
      receiver.add_credit(1);
      return;
    }
    if (
      context.message?.durable &&
      behaviour.durable === 'close-link' &&
      durableTaken++ >= (behaviour.durableTaken ?? 0)
    ) {
      receiver.close({ condition: 'amqp:precondition-failed', description: 'naive broker: no durable store' });
      return;
    }
    const address = (receiver.target as { address?: string } | undefined)?.address ?? '';
    queue(address).push(context.message!);
    delivery.accept();
    receiver.add_credit(1);
    if (behaviour.dispatchDelayMs !== undefined) setTimeout(() => pump(address), behaviour.dispatchDelayMs);
    else pump(address);
  });
  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender as Sender;
    const source =
      (
        sender as unknown as {
          remote: { attach: { source?: { address?: string; dynamic?: boolean; filter?: unknown } } };
        }
      ).remote.attach.source ?? {};
    if (source.dynamic) {
      if (behaviour.dynamic === 'refuse') {
        sender.close({ condition: 'amqp:not-implemented', description: 'naive broker: no dynamic nodes' });
        return;
      }
      sender.set_source({ dynamic: true } as never);
      return;
    }
    const address = source.address ?? '';
    if (source.filter && behaviour.selector === 'refuse') {
      sender.close({ condition: 'amqp:invalid-field', description: 'naive broker: no filters' });
      return;
    }
    const echoed = source.filter && behaviour.selector === 'echo' ? { address, filter: source.filter } : { address };
    sender.set_source(echoed as never);
    let set = consumers.get(address);
    if (!set) consumers.set(address, (set = new Set()));
    set.add(sender);
  });
  container.on('sendable', (context: EventContext) => {
    const address = (context.sender?.source as { address?: string } | undefined)?.address;
    if (address !== undefined) pump(address);
  });
  const dropConsumer = (context: EventContext): void => {
    for (const set of consumers.values()) set.delete(context.sender as Sender);
  };
  container.on('sender_close', dropConsumer);

  const connections = new Set<object>();
  container.on('connection_open', (context: EventContext) => connections.add(context.connection));

  const server: Server = container.listen({
    port: 0,
    host: '127.0.0.1',
    tcp_no_delay: true,
    autoaccept: false,
    credit_window: 0,
  } as Parameters<typeof container.listen>[0]);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `amqp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      for (const connection of connections) destroySocket(connection);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
