/**
 * The conformance scenarios: what salvo relies on a broker for, each tried
 * end to end on fresh queues. They use salvo's own client pieces (connect,
 * the probe's session helpers, the transactions module) and throw on any
 * deviation.
 */
import { randomBytes } from 'node:crypto';
import type { Connection, Message } from 'rhea';
import { expect } from 'vitest';
import { connect, disconnect, tlsSocketOf } from '../../src/amqp/connect.js';
import type { TlsOptions } from '../../src/amqp/connect.js';
import { TransactionController } from '../../src/amqp/transactions/index.js';
import { ProbeSession, selectorFilter } from '../../src/probe/links.js';
import type { ProbeReceiver } from '../../src/probe/links.js';
import { parseAmqpUrl } from '../../src/plan/url.js';

export interface ScenarioTarget {
  url: string;
  tls?: TlsOptions;
  /** `/queue/` on RabbitMQ, '' elsewhere. */
  prefix: string;
}

const STEP_MS = 5000;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;
const run = randomBytes(4).toString('hex');

function address(target: ScenarioTarget, scenario: string): string {
  return `${target.prefix}salvo.conformance.${run}.${scenario}`;
}

function numbered(seq: number, extra: Partial<Message> = {}): Message {
  return { message_id: `m-${seq}`, application_properties: { seq }, body: `message ${seq}`, ...extra };
}

function seqOf(message: Message): number {
  return Number((message.application_properties as { seq?: unknown } | undefined)?.seq);
}

async function withSession<T>(
  target: ScenarioTarget,
  body: (session: ProbeSession, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(parseAmqpUrl(target.url), { tls: target.tls, timeoutMs: STEP_MS });
  const session = new ProbeSession(connection, STEP_MS);
  try {
    return await body(session, connection);
  } finally {
    session.close();
    await disconnect(connection);
  }
}

/** Exactly `count` messages, in arrival order (fails on a shortfall). */
async function take(receiver: ProbeReceiver, count: number, what: string): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < count) {
    const message = await receiver.next();
    if (message === undefined)
      throw new Error(`${what}: got ${messages.length} of ${count} messages, then nothing for ${STEP_MS} ms`);
    messages.push(message);
  }
  return messages;
}

async function expectNothingMore(receiver: ProbeReceiver, what: string): Promise<void> {
  const extra = await receiver.next(QUIET_MS);
  expect(extra === undefined ? undefined : seqOf(extra), `${what}: unexpected extra message`).toBeUndefined();
}

const range = (count: number, from = 0): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Unsettled sends, each accepted; every message received once, in order. */
export async function reliable(target: ScenarioTarget, count = 50): Promise<void> {
  await withSession(target, async (session) => {
    const queue = address(target, 'reliable');
    const sender = await session.openSender({ target: { address: queue }, snd_settle_mode: 0 });
    for (const seq of range(count))
      expect(await session.send(sender, numbered(seq)), `outcome of ${seq}`).toBe('accepted');
    const receiver = await session.openReceiver({ source: { address: queue }, credit_window: 20 });
    const received = await take(receiver, count, 'reliable');
    expect(received.map(seqOf)).toEqual(range(count));
    expect(received.some((message) => receiver.arrivedSettled(message))).toBe(false);
    await expectNothingMore(receiver, 'reliable');
  });
}

/** Pre-settled on both links; on a healthy loopback broker every message still arrives. */
export async function bestEffort(target: ScenarioTarget, count = 50): Promise<void> {
  await withSession(target, async (session) => {
    const queue = address(target, 'best-effort');
    const receiver = await session.openReceiver({ source: { address: queue }, credit_window: 20, snd_settle_mode: 1 });
    const sender = await session.openSender({ target: { address: queue }, snd_settle_mode: 1 });
    expect(sender.snd_settle_mode, 'sender link settle mode granted').toBe(1);
    expect(receiver.link.snd_settle_mode, 'receiver link settle mode granted').toBe(1);
    for (const seq of range(count)) await session.send(sender, numbered(seq), true);
    const received = await take(receiver, count, 'best-effort');
    expect(received.map(seqOf)).toEqual(range(count));
    expect(received.every((message) => receiver.arrivedSettled(message))).toBe(true);
  });
}

/** Only matching messages reach a selector's receiver; the rest stay for a plain receiver. */
export async function selector(target: ScenarioTarget): Promise<void> {
  await withSession(target, async (session) => {
    const queue = address(target, 'selector');
    const sender = await session.openSender({ target: { address: queue } });
    for (const seq of range(10)) {
      const color = seq % 2 === 0 ? 'red' : 'green';
      expect(await session.send(sender, numbered(seq, { application_properties: { seq, color } }))).toBe('accepted');
    }
    const greens = await session.openReceiver({
      source: { address: queue, filter: selectorFilter("color = 'green'") },
      credit_window: 20,
    });
    expect((await take(greens, 5, 'selector')).map(seqOf)).toEqual([1, 3, 5, 7, 9]);
    await expectNothingMore(greens, 'selector');
    greens.link.close();
    const rest = await session.openReceiver({ source: { address: queue }, credit_window: 20 });
    expect((await take(rest, 5, 'non-matching')).map(seqOf)).toEqual([0, 2, 4, 6, 8]);
  });
}

/**
 * A selector's matches behind more non-matching messages than a broker may keep in memory (ActiveMQ Classic
 * pages 200): every match arrives, then a plain receiver takes the rest.
 */
export async function selectorBehindPage(target: ScenarioTarget, depth = 300): Promise<void> {
  await withSession(target, async (session) => {
    const queue = address(target, 'selector-depth');
    const sender = await session.openSender({ target: { address: queue } });
    for (const seq of range(depth + 5)) {
      const color = seq < depth ? 'red' : 'green';
      expect(await session.send(sender, numbered(seq, { application_properties: { seq, color } }))).toBe('accepted');
    }
    const greens = await session.openReceiver({
      source: { address: queue, filter: selectorFilter("color = 'green'") },
      credit_window: 20,
    });
    expect((await take(greens, 5, 'matches behind the page')).map(seqOf)).toEqual(range(5, depth));
    greens.link.close();
    const rest = await session.openReceiver({ source: { address: queue }, credit_window: 100 });
    expect((await take(rest, depth, 'non-matching')).map(seqOf)).toEqual(range(depth));
  });
}

/**
 * Request/response over a dynamic reply node: the requester's dynamic
 * receiver gets an address, requests carry it as reply-to, a responder on
 * another connection answers there with the request's id as correlation-id.
 */
export async function requestResponse(target: ScenarioTarget, count = 3): Promise<void> {
  const requests = address(target, 'requests');
  await withSession(target, async (responder) => {
    const inbox = await responder.openReceiver({ source: { address: requests }, credit_window: 10 });
    const serving = (async () => {
      const replySenders = new Map<string, Awaited<ReturnType<ProbeSession['openSender']>>>();
      for (let served = 0; served < count; served++) {
        const request = await inbox.next();
        if (!request) throw new Error(`responder: request ${served} never came`);
        const replyTo = String(request.reply_to);
        let sender = replySenders.get(replyTo);
        if (!sender) {
          sender = await responder.openSender({ target: { address: replyTo } });
          replySenders.set(replyTo, sender);
        }
        const outcome = await responder.send(sender, {
          correlation_id: request.message_id,
          body: String(request.body).toUpperCase(),
        });
        if (outcome !== 'accepted') throw new Error(`responder: reply got ${outcome}`);
      }
    })();
    await withSession(target, async (requester) => {
      const replies = await requester.openReceiver({ source: { dynamic: true } as never, credit_window: 10 });
      const replyTo = (replies.link.source as { address?: unknown }).address;
      expect(typeof replyTo === 'string' && replyTo !== '', 'dynamic reply address').toBe(true);
      const sender = await requester.openSender({ target: { address: requests } });
      for (const seq of range(count)) {
        expect(
          await requester.send(sender, {
            message_id: `req-${seq}`,
            reply_to: replyTo as string,
            body: `question ${seq}`,
          }),
        ).toBe('accepted');
      }
      const answers = await take(replies, count, 'replies');
      expect(answers.map((message) => [message.correlation_id, message.body])).toEqual(
        range(count).map((seq) => [`req-${seq}`, `QUESTION ${seq}`]),
      );
      // The responder's last reply may be delivered before the broker settles it: its reply node must outlive that,
      // or the broker rightly closes the reply link with the send outstanding (amqp:resource-deleted).
      await serving;
    });
  });
}

/** Sends in a committed transaction arrive; sends in a rolled-back one never do. */
export async function transactionalSends(target: ScenarioTarget): Promise<void> {
  await withSession(target, async (session, connection) => {
    const queue = address(target, 'transactional-sends');
    const controller = await TransactionController.attach(connection, { timeoutMs: STEP_MS });
    try {
      const sender = await session.openSender({ target: { address: queue } });
      await session.credit(sender);
      const committed = await controller.declare();
      for (const seq of range(3)) committed.send(sender, numbered(seq));
      await committed.commit();
      const rolledBack = await controller.declare();
      for (const seq of range(2, 100)) rolledBack.send(sender, numbered(seq));
      await rolledBack.rollback();
      expect(await session.send(sender, numbered(999))).toBe('accepted');
      const receiver = await session.openReceiver({ source: { address: queue }, credit_window: 10 });
      expect((await take(receiver, 4, 'transactional sends')).map(seqOf)).toEqual([0, 1, 2, 999]);
      await expectNothingMore(receiver, 'after the rolled-back sends');
    } finally {
      controller.close();
    }
  });
}

/**
 * Acceptances in a rolled-back transaction leave the messages on the queue
 * (redelivered once the link goes); acceptances in a committed one consume them.
 */
export async function transactionalAccepts(target: ScenarioTarget): Promise<void> {
  await withSession(target, async (session, connection) => {
    const queue = address(target, 'transactional-accepts');
    const sender = await session.openSender({ target: { address: queue } });
    for (const seq of range(4)) expect(await session.send(sender, numbered(seq))).toBe('accepted');
    const controller = await TransactionController.attach(connection, { timeoutMs: STEP_MS });
    try {
      const first = await session.openReceiver({ source: { address: queue }, credit_window: 10, autoaccept: false });
      const received = await take(first, 4, 'messages to accept');
      const undone = await controller.declare();
      for (const message of received) undone.accept(first.deliveryOf(message)!);
      await undone.rollback();
      first.link.close();

      const second = await session.openReceiver({ source: { address: queue }, credit_window: 10, autoaccept: false });
      const again = await take(second, 4, 'redelivery after a rolled-back acceptance');
      expect(again.map(seqOf)).toEqual(range(4));
      const done = await controller.declare();
      for (const message of again) done.accept(second.deliveryOf(message)!);
      await done.commit();
      second.link.close();

      const third = await session.openReceiver({ source: { address: queue }, credit_window: 10 });
      await expectNothingMore(third, 'after a committed acceptance');
    } finally {
      controller.close();
    }
  });
}

/** A reliable round trip over amqps, with the server certificate verified. */
export async function tls(target: ScenarioTarget): Promise<void> {
  await withSession(target, async (session, connection) => {
    const socket = tlsSocketOf(connection);
    expect(socket?.authorized, `certificate verification: ${String(socket?.authorizationError)}`).toBe(true);
    const queue = address(target, 'tls');
    const sender = await session.openSender({ target: { address: queue } });
    for (const seq of range(10)) expect(await session.send(sender, numbered(seq))).toBe('accepted');
    const receiver = await session.openReceiver({ source: { address: queue }, credit_window: 20 });
    expect((await take(receiver, 10, 'tls')).map(seqOf)).toEqual(range(10));
  });
}
