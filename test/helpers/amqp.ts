/**
 * rhea client helpers for broker tests: connect, open links, send and collect
 * with bounded waits. Every connection made here is closed by closeClients().
 */
import rhea from 'rhea';
import type {
  Connection,
  ConnectionOptions,
  Delivery,
  EventContext,
  Message,
  Receiver,
  ReceiverOptions,
  Sender,
  SenderOptions,
} from 'rhea';
import { splitDispositions } from '../../src/amqp/rhea-patches/split-dispositions.js';
import { sleep, within } from './wait.js';

// Plain rhea folds a delivery into its neighbour's disposition range whatever its outcome
// (see rhea-patches/split-dispositions.ts): test clients settle exactly, so outcomes seen by the broker are the ones
// asked for.
splitDispositions.apply();

const open = new Set<Connection>();
let containers = 0;

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

export function endpointOf(url: string): Endpoint {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'amqps:';
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || (tls ? 5671 : 5672)), tls };
}

/** An error with the AMQP condition it came with, if any. */
export class AmqpError extends Error {
  constructor(
    message: string,
    readonly condition?: string,
    readonly description?: string,
  ) {
    super(message);
  }
}

function errorOf(what: string, error: unknown): AmqpError {
  const e = error as { condition?: string; description?: string; message?: string } | undefined;
  const condition = e?.condition;
  const description = e?.description ?? e?.message ?? String(error);
  return new AmqpError(`${what}: ${condition ? `${condition} ` : ''}${description}`, condition, description);
}

/** A link's current credit (rhea keeps it on the link; its typings do not show it). */
export function creditOf(link: Sender | Receiver): number {
  return (link as unknown as { credit: number }).credit;
}

/** Opens a connection; rejects with the reason if it fails or is refused. */
export function connect(
  url: string,
  options: Partial<ConnectionOptions> & Record<string, unknown> = {},
  ms = 5000,
): Promise<Connection> {
  const container = rhea.create_container({ id: `salvo-test-${++containers}` });
  // Errors nobody listens for would be thrown from the container's emitter.
  container.on('error', () => undefined);
  const { host, port, tls } = endpointOf(url);
  const connection = container.connect({
    host,
    port,
    reconnect: false,
    tcp_no_delay: true,
    ...(tls ? { transport: 'tls' } : {}),
    ...options,
  } as unknown as ConnectionOptions);
  open.add(connection);
  const opened = new Promise<Connection>((resolve, reject) => {
    connection.once('connection_open', () => resolve(connection));
    connection.once('connection_error', (ctx: EventContext) =>
      reject(errorOf('connection refused', ctx.error ?? connection.error)),
    );
    connection.once('disconnected', (ctx: EventContext) =>
      reject(errorOf('disconnected', ctx.error ?? 'no reason given')),
    );
  });
  return within(opened, ms, `connect to ${url}`);
}

/** Closes every connection the helpers opened (ends sockets that do not close in time). */
export async function closeClients(): Promise<void> {
  const closing = [...open].map(async (connection) => {
    open.delete(connection);
    if (!connection.is_open()) {
      destroy(connection);
      return;
    }
    const closed = new Promise<void>((resolve) => {
      connection.once('connection_close', () => resolve());
      connection.once('disconnected', () => resolve());
    });
    connection.close();
    await within(closed, 1000, 'close').catch(() => undefined);
    destroy(connection);
  });
  await Promise.all(closing);
}

/** Drops the TCP connection without any AMQP close: what a crashed client looks like. */
export function destroy(connection: Connection): void {
  (connection as unknown as { socket?: { destroy(): void } }).socket?.destroy();
}

/** A receiver, once the broker's attach came back. */
export function openReceiver(connection: Connection, options: ReceiverOptions | string, ms = 5000): Promise<Receiver> {
  const receiver = connection.open_receiver(options);
  return within(attached(receiver, 'receiver'), ms, 'receiver attach');
}

/** A sender, once the broker's attach came back. */
export function openSender(connection: Connection, options: SenderOptions | string, ms = 5000): Promise<Sender> {
  const sender = connection.open_sender(options);
  return within(attached(sender, 'sender'), ms, 'sender attach');
}

function attached<L extends Sender | Receiver>(link: L, kind: 'sender' | 'receiver'): Promise<L> {
  return new Promise((resolve, reject) => {
    link.once(`${kind}_open`, () => {
      // A refused attach comes back with a null terminus and is detached right after.
      setImmediate(() => {
        if (link.error) reject(errorOf(`${kind} refused`, link.error));
        else resolve(link);
      });
    });
    link.once(`${kind}_error`, () => reject(errorOf(`${kind} refused`, link.error)));
  });
}

export interface Refusal {
  condition: string;
  description: string;
}

/** Opens a link the broker should refuse; resolves with the detach's error. */
export function refusal(link: Sender | Receiver, ms = 5000): Promise<Refusal> {
  const kind = link.is_sender() ? 'sender' : 'receiver';
  const refused = new Promise<Refusal>((resolve, reject) => {
    link.once(`${kind}_error`, () => {
      const error = link.error as { condition?: string; description?: string } | undefined;
      resolve({ condition: String(error?.condition ?? ''), description: String(error?.description ?? '') });
    });
    link.once(`${kind}_close`, () => {
      if (!link.error) reject(new Error(`${kind} closed without an error`));
    });
  });
  return within(refused, ms, `${kind} refusal`);
}

export interface Received {
  message: Message;
  delivery: Delivery;
}

/**
 * The next `count` messages on `receiver`, in arrival order. The receiver's
 * own settlement (autoaccept) applies unless `onMessage` settles.
 */
export function collect(
  receiver: Receiver,
  count: number,
  ms = 10_000,
  onMessage?: (received: Received, index: number) => void,
): Promise<Received[]> {
  const got: Received[] = [];
  let listener: ((ctx: EventContext) => void) | undefined;
  const done = new Promise<Received[]>((resolve) => {
    if (count === 0) {
      resolve(got);
      return;
    }
    listener = (ctx: EventContext): void => {
      if (got.length >= count) return;
      const received = { message: ctx.message as Message, delivery: ctx.delivery as Delivery };
      got.push(received);
      onMessage?.(received, got.length - 1);
      if (got.length === count) resolve(got);
    };
    receiver.on('message', listener);
  });
  return within(done, ms, `${count} messages (got ${got.length})`)
    .catch((error: Error) => {
      throw new Error(`${error.message.replace(/\(got \d+\)/, '')}(got ${got.length})`);
    })
    .finally(() => {
      if (listener) receiver.off('message', listener);
    });
}

/** Whatever arrives on `receiver` until it stays quiet for `idleMs` (at most `maxMs` in all). */
export async function drain(receiver: Receiver, idleMs = 300, maxMs = 10_000): Promise<Received[]> {
  const got: Received[] = [];
  let last = Date.now();
  const listener = (ctx: EventContext): void => {
    got.push({ message: ctx.message as Message, delivery: ctx.delivery as Delivery });
    last = Date.now();
  };
  receiver.on('message', listener);
  const start = Date.now();
  try {
    while (Date.now() - last < idleMs && Date.now() - start < maxMs) await sleep(Math.min(50, idleMs));
  } finally {
    receiver.off('message', listener);
  }
  return got;
}

export interface SendOutcomes {
  sent: number;
  accepted: number;
  rejected: number;
  released: number;
  modified: number;
  /** The error conditions of rejected deliveries, in order. */
  rejections: Refusal[];
}

/**
 * Sends every message as credit allows and waits until each has an outcome
 * (for a pre-settled sender: until each was written).
 */
export function sendAll(sender: Sender, messages: Message[], ms = 10_000): Promise<SendOutcomes> {
  const outcomes: SendOutcomes = { sent: 0, accepted: 0, rejected: 0, released: 0, modified: 0, rejections: [] };
  const presettled =
    (sender as unknown as { local: { attach: { snd_settle_mode?: number } } }).local.attach.snd_settle_mode === 1;
  let settled = 0;
  let finish: (() => void) | undefined;
  const listeners: [string, (ctx: EventContext) => void][] = [];
  const on = (event: string, listener: (ctx: EventContext) => void): void => {
    listeners.push([event, listener]);
    sender.on(event, listener);
  };
  const check = (): void => {
    if (settled === messages.length) finish?.();
  };
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  for (const outcome of ['accepted', 'rejected', 'released', 'modified'] as const) {
    on(outcome, (ctx: EventContext) => {
      outcomes[outcome]++;
      if (outcome === 'rejected') {
        const error = (ctx.delivery as unknown as { remote_state?: { error?: Refusal } }).remote_state?.error;
        outcomes.rejections.push({
          condition: String(error?.condition ?? ''),
          description: String(error?.description ?? ''),
        });
      }
      settled++;
      check();
    });
  }
  let scheduled = false;
  let stopped = false;
  const pump = (): void => {
    scheduled = false;
    if (stopped) return;
    // rhea lowers credit only when it writes (next tick): send at most the credit seen now.
    let budget = creditOf(sender);
    const before = outcomes.sent;
    while (budget > 0 && sender.sendable() && outcomes.sent < messages.length) {
      sender.send(messages[outcomes.sent++]);
      budget--;
    }
    if (presettled) {
      settled = outcomes.sent;
      if (settled === messages.length) setImmediate(check);
    }
    if (outcomes.sent < messages.length && !scheduled) {
      scheduled = true;
      // Sent some: credit may remain once rhea has written them. Sent none: wait for a flow
      // ('sendable'), polling slowly in case room frees up in the session window instead.
      if (outcomes.sent > before) setImmediate(pump);
      else setTimeout(pump, 10);
    }
  };
  on('sendable', () => {
    if (!scheduled) pump();
  });
  pump();
  return within(done, ms, `outcomes for ${messages.length} messages`)
    .catch((error: Error) => {
      throw new Error(`${error.message} (sent ${outcomes.sent}, settled ${settled}, credit ${creditOf(sender)})`);
    })
    .then(() => outcomes)
    .finally(() => {
      stopped = true;
      for (const [event, listener] of listeners) sender.off(event, listener);
    });
}

/** `count` messages with ids `${prefix}-${i}` and body i, plus any application properties. */
export function numbered(count: number, prefix = 'm', properties?: (i: number) => Record<string, unknown>): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    message_id: `${prefix}-${i}`,
    body: i,
    ...(properties ? { application_properties: properties(i) } : {}),
  }));
}

/** A unique queue name per test, so tests sharing a broker never see each other's messages. */
let queues = 0;
export function queueName(label = 'q'): string {
  return `test.${label}.${process.pid}.${++queues}`;
}
