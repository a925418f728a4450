/**
 * The control channel of one shard: its own connection to the broker under
 * test, a receiver on its inbox and a sender per peer inbox, opened when
 * first used. Control messages are few (a handful per shard per run), so
 * they are JSON, sent unsettled with a time-to-live: a stale
 * one expires instead of waiting for the next run on the same address.
 */
import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import { type ConnectOptions, connect, disconnect } from '../amqp/connect.js';
import { SalvoError } from '../errors.js';
import type { AmqpUrl } from '../plan/url.js';
import { encodeControl, readControl, type ControlMessage } from './messages.js';

/**
 * Every control message is read within seconds by a shard already listening (pings are retried, READY resent), so
 * a short life is enough; a failed run's leftovers (a ping or READY of another process for an index) then expire
 * before a rerun under the same run id could take them for a second claim.
 */
const CONTROL_TTL_MS = 30_000;

interface Outbox {
  readonly sender: Sender;
  readonly pending: string[];
}

/** How often `delivered` looks again: control traffic is a few messages, not worth an event per settle. */
const DELIVERED_POLL_MS = 20;

export class ControlChannel {
  private readonly outboxes = new Map<string, Outbox>();
  private sent = 0;
  private settled = 0;
  private failure: SalvoError | undefined;
  private onFailure: ((error: SalvoError) => void) | undefined;

  private constructor(
    private readonly connection: Connection,
    private readonly runId: string,
  ) {
    connection.on('disconnected', () => this.fail('the broker closed the control connection'));
    connection.on('connection_close', () => this.fail('the broker closed the control connection'));
  }

  static async open(
    url: AmqpUrl,
    options: ConnectOptions,
    runId: string,
    inbox: string,
    onMessage: (message: ControlMessage) => void,
  ): Promise<ControlChannel> {
    const connection = await connect(url, options);
    const receiver = connection.open_receiver({ source: { address: inbox }, autoaccept: true, credit_window: 100 });
    const channel = new ControlChannel(connection, runId);
    receiver.on('message', (context: EventContext) => {
      const message = readControl(context.message?.body, runId);
      if (message) onMessage(message);
    });
    receiver.on('receiver_close', (context: EventContext) =>
      channel.fail(`the broker closed the control receiver on ${inbox}${reasonOf(context.receiver?.error)}`),
    );
    await channel.attached(receiver, inbox);
    return channel;
  }

  /** Rejects with the first failure of the channel from now on (connection lost, a link refused). */
  failures(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.failure) reject(this.failure);
      else this.onFailure = reject;
    });
  }

  send(to: string, message: ControlMessage): void {
    const outbox = this.outboxOf(to);
    outbox.pending.push(encodeControl(this.runId, message));
    this.flush(outbox);
  }

  /** Resolves once every message sent so far has been settled by the broker (it holds them), false after `timeoutMs`. */
  async delivered(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.failure && Date.now() < deadline) {
      const queued = [...this.outboxes.values()].some((o) => o.pending.length > 0);
      if (!queued && this.settled >= this.sent) return true;
      await new Promise((resolve) => setTimeout(resolve, DELIVERED_POLL_MS));
    }
    return false;
  }

  async close(): Promise<void> {
    this.onFailure = undefined;
    this.failure ??= new SalvoError('internal', 'control channel closed');
    await disconnect(this.connection);
  }

  private outboxOf(to: string): Outbox {
    let outbox = this.outboxes.get(to);
    if (!outbox) {
      const sender = this.connection.open_sender({ target: { address: to } });
      const created: Outbox = { sender, pending: [] };
      sender.on('sendable', () => this.flush(created));
      sender.on('settled', () => {
        this.settled++;
      });
      sender.on('sender_close', (context: EventContext) =>
        this.fail(`the broker closed the control sender to ${to}${reasonOf(context.sender?.error)}`),
      );
      this.outboxes.set(to, created);
      outbox = created;
    }
    return outbox;
  }

  private flush(outbox: Outbox): void {
    while (outbox.pending.length > 0 && outbox.sender.sendable()) {
      const body = outbox.pending.shift() as string;
      outbox.sender.send({ body, ttl: CONTROL_TTL_MS, durable: false });
      this.sent++;
    }
  }

  private attached(receiver: Receiver, inbox: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (receiver.is_open()) return resolve();
      receiver.once('receiver_open', () => resolve());
      receiver.once('receiver_close', (context: EventContext) =>
        reject(
          new SalvoError(
            'refused',
            `the broker refused the control address ${inbox}${reasonOf(context.receiver?.error)}: ` +
              'give one it accepts with --control-address, or start shards with --start-at',
          ),
        ),
      );
    });
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new SalvoError('unreachable', why);
    this.onFailure?.(this.failure);
  }
}

function reasonOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { condition, description } = error as { condition?: unknown; description?: unknown };
  const parts = [condition, description].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? ` (${parts.join(': ')})` : '';
}
