/**
 * The well-behaved client that streams through a fuzz run: one rhea connection,
 * a sender (at-least-once, a bounded number in flight) and a receiver on its
 * own queue. At the end every accepted message must have arrived exactly once.
 */
import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import { connect, openReceiver, openSender } from '../helpers/amqp.js';
import { until } from '../helpers/wait.js';

export interface HealthyReport {
  accepted: number;
  received: number;
  lost: number;
  duplicated: number;
  problems: string[];
}

export class HealthyClient {
  private sent = 0;
  private accepted = new Set<number>();
  private seen = new Map<number, number>();
  private problems: string[] = [];
  private sending = true;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly connection: Connection,
    private readonly sender: Sender,
    private readonly receiver: Receiver,
  ) {}

  static async start(url: string, options: Record<string, unknown>, address: string): Promise<HealthyClient> {
    const connection = await connect(url, options);
    const receiver = await openReceiver(connection, { source: address, credit_window: 100 });
    const sender = await openSender(connection, address);
    const client = new HealthyClient(connection, sender, receiver);
    client.wire();
    return client;
  }

  private wire(): void {
    this.receiver.on('message', (ctx: EventContext) => {
      const seq = Number(ctx.message?.body);
      this.seen.set(seq, (this.seen.get(seq) ?? 0) + 1);
    });
    this.sender.on('accepted', (ctx: EventContext) =>
      this.accepted.add(Number((ctx.delivery as unknown as { seq: number }).seq)),
    );
    for (const outcome of ['rejected', 'released', 'modified']) {
      this.sender.on(outcome, () => this.problems.push(`a message was ${outcome}`));
    }
    this.connection.on('disconnected', () => this.problems.push('the healthy connection was lost'));
    this.connection.on('connection_close', () => this.problems.push('the broker closed the healthy connection'));
    // A steady trickle (about 1,000 msg/s at most, 50 in flight): the point is to see nothing lost, not speed.
    this.timer = setInterval(() => this.pump(), 5);
  }

  private pump(): void {
    for (let i = 0; i < 5 && this.sending && this.sender.sendable() && this.sent - this.accepted.size < 50; i++) {
      const seq = ++this.sent;
      const delivery = this.sender.send({ body: seq });
      (delivery as unknown as { seq: number }).seq = seq;
    }
  }

  /** Stops sending, waits (bounded) for outcomes and arrivals, and reports. */
  async finish(ms = 10_000): Promise<HealthyReport> {
    this.sending = false;
    clearInterval(this.timer);
    await until(
      () => this.accepted.size + this.problems.length >= this.sent,
      ms,
      'outcomes of the healthy sends',
    ).catch(() => undefined);
    await until(() => [...this.accepted].every((seq) => this.seen.has(seq)), ms, 'the healthy messages').catch(
      () => undefined,
    );
    const lost = [...this.accepted].filter((seq) => !this.seen.has(seq)).length;
    const duplicated = [...this.seen.values()].filter((n) => n > 1).length;
    const report = {
      accepted: this.accepted.size,
      received: this.seen.size,
      lost,
      duplicated,
      problems: [...new Set(this.problems)],
    };
    this.connection.close();
    return report;
  }
}
