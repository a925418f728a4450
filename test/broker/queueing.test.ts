/** Queues, competing consumers, credit and producer flow control, seen through rhea clients. */
import { afterEach, describe, expect, test } from 'vitest';
import type { Receiver } from 'rhea';
import {
  closeClients,
  creditOf,
  collect,
  connect,
  drain,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { hasQueue, queueStats, useBroker, withBroker } from '../helpers/broker.js';
import { sleep, until, waitForEvent } from '../helpers/wait.js';

afterEach(closeClients);

describe('queues', () => {
  const broker = useBroker();

  test('a queue is created on first attach, by a sender or a receiver', async () => {
    const conn = await connect(broker().url);
    const bySender = queueName('by-sender');
    const byReceiver = queueName('by-receiver');
    expect(await hasQueue(broker(), bySender)).toBe(false);
    await openSender(conn, bySender);
    expect(await hasQueue(broker(), bySender)).toBe(true);
    expect(await hasQueue(broker(), byReceiver)).toBe(false);
    await openReceiver(conn, byReceiver);
    const stats = await queueStats(broker(), byReceiver);
    expect(stats).toMatchObject({ depth: 0, consumers: 1, enqueued: 0 });
  });

  test('messages sent before any receiver wait in the queue and arrive in order', async () => {
    const address = queueName();
    const conn = await connect(broker().url);
    const sender = await openSender(conn, address);
    expect(await sendAll(sender, numbered(50))).toMatchObject({ sent: 50, accepted: 50 });
    expect((await queueStats(broker(), address)).depth).toBe(50);
    const receiver = await openReceiver(conn, address);
    const got = await collect(receiver, 50);
    expect(got.map((r) => r.message.body)).toEqual([...Array(50).keys()]);
    await until(async () => (await queueStats(broker(), address)).acknowledged === 50, 2000, 'acknowledged 50');
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, enqueued: 50, acknowledged: 50 });
  });

  test('several senders and two competing receivers: every message exactly once, split fairly', async () => {
    const address = queueName('competing');
    const receivers: Receiver[] = [];
    for (let i = 0; i < 2; i++) {
      const conn = await connect(broker().url);
      receivers.push(await openReceiver(conn, { source: address, credit_window: 100 }));
    }
    const counts = [0, 0];
    const seen = new Map<string, number>();
    receivers.forEach((receiver, index) =>
      receiver.on('message', (ctx) => {
        counts[index]++;
        const id = String(ctx.message?.message_id);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }),
    );
    const senders = await Promise.all([0, 1, 2].map(async () => openSender(await connect(broker().url), address)));
    const outcomes = await Promise.all(senders.map((sender, s) => sendAll(sender, numbered(334, `s${s}`))));
    expect(outcomes.reduce((sum, o) => sum + o.accepted, 0)).toBe(1002);
    await until(() => seen.size === 1002, 10_000, `1002 distinct messages (have ${seen.size})`);
    await sleep(100);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(counts[0] + counts[1]).toBe(1002);
    expect(counts[0]).toBeGreaterThanOrEqual(400);
    expect(counts[0]).toBeLessThanOrEqual(600);
    expect(counts[1]).toBeGreaterThanOrEqual(400);
    expect(counts[1]).toBeLessThanOrEqual(600);
  });

  test('a queued backlog is split fairly between two receivers with equal credit', async () => {
    const address = queueName('backlog');
    const conn = await connect(broker().url);
    expect((await sendAll(await openSender(conn, address), numbered(1000))).accepted).toBe(1000);
    const a = await openReceiver(await connect(broker().url), { source: address, credit_window: 0, autoaccept: true });
    const b = await openReceiver(await connect(broker().url), { source: address, credit_window: 0, autoaccept: true });
    const gotA = collect(a, 500);
    const gotB = collect(b, 500);
    // Credit handed out in equal steps, alternately, as each receiver would with its window.
    for (let step = 0; step < 10; step++) {
      a.add_credit(50);
      b.add_credit(50);
    }
    const [fromA, fromB] = await Promise.all([gotA, gotB]);
    const ids = new Set([...fromA, ...fromB].map((r) => r.message.message_id));
    expect(ids.size).toBe(1000);
  });
});

describe('credit', () => {
  const broker = useBroker();

  test('a receiver with no credit gets nothing; add_credit(5) gets exactly 5; more credit, more messages', async () => {
    const address = queueName('credit');
    const conn = await connect(broker().url);
    expect((await sendAll(await openSender(conn, address), numbered(20))).accepted).toBe(20);
    const receiver = await openReceiver(conn, { source: address, credit_window: 0 });
    expect(await drain(receiver, 200)).toHaveLength(0);
    receiver.add_credit(5);
    const first = await collect(receiver, 5, 3000);
    expect(first.map((r) => r.message.body)).toEqual([0, 1, 2, 3, 4]);
    expect(await drain(receiver, 300)).toHaveLength(0);
    expect((await queueStats(broker(), address)).depth).toBe(15);
    receiver.add_credit(7);
    const second = await collect(receiver, 7, 3000);
    expect(second.map((r) => r.message.body)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(await drain(receiver, 300)).toHaveLength(0);
    expect((await queueStats(broker(), address)).depth).toBe(8);
  });

  test('credit granted before messages exist is used as they arrive', async () => {
    const address = queueName('early-credit');
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, { source: address, credit_window: 0 });
    receiver.add_credit(3);
    await sleep(50);
    const got = collect(receiver, 3, 3000);
    await sendAll(await openSender(conn, address), numbered(10));
    expect((await got).map((r) => r.message.body)).toEqual([0, 1, 2]);
    expect(await drain(receiver, 300)).toHaveLength(0);
    expect((await queueStats(broker(), address)).depth).toBe(7);
  });

  test('a consumer held back by its session window (2048 unsettled) resumes when it settles, with no new flow', async () => {
    const address = queueName('ring');
    const conn = await connect(broker().url);
    expect((await sendAll(await openSender(conn, address), numbered(3000), 20_000)).accepted).toBe(3000);
    const receiver = await openReceiver(await connect(broker().url), {
      source: address,
      credit_window: 0,
      autoaccept: false,
    });
    receiver.add_credit(3000);
    const first = await collect(receiver, 2048);
    expect(await drain(receiver, 300)).toHaveLength(0);
    const rest = collect(receiver, 952, 5000);
    // Settling frees the broker's session window; no credit is added.
    for (const { delivery } of first) delivery.accept();
    expect((await rest).map((r) => r.message.body)).toEqual(Array.from({ length: 952 }, (_, i) => 2048 + i));
  });

  test('drain: the broker uses what it can, then advances the delivery count and reports drained', async () => {
    const address = queueName('drain');
    const conn = await connect(broker().url);
    await sendAll(await openSender(conn, address), numbered(3));
    const receiver = await openReceiver(conn, { source: address, credit_window: 0 });
    const got = collect(receiver, 3, 3000);
    const drained = waitForEvent(receiver, 'receiver_drained', 3000);
    receiver.add_credit(10);
    receiver.drain_credit();
    expect(await got).toHaveLength(3);
    await drained;
    expect(creditOf(receiver)).toBe(0);
    await sendAll(await openSender(conn, address), numbered(2, 'later'));
    expect(await drain(receiver, 300)).toHaveLength(0);
  });
});

describe('producer flow control', () => {
  test('with maxQueueDepth 10 and no receiver, a sender gets about 10 accepted, then no credit; draining resumes it', async () => {
    await withBroker({ maxQueueDepth: 10 }, async (broker) => {
      const address = queueName('full');
      const conn = await connect(broker.url);
      const sender = await openSender(conn, address);
      let accepted = 0;
      sender.on('accepted', () => accepted++);
      const messages = numbered(100);
      let sent = 0;
      const pump = (): void => {
        let budget = creditOf(sender);
        while (budget-- > 0 && sender.sendable() && sent < messages.length) sender.send(messages[sent++]);
      };
      sender.on('sendable', pump);
      pump();
      await until(() => accepted >= 10, 3000, '10 accepted');
      await sleep(500);
      const stalled = accepted;
      expect(stalled).toBeGreaterThanOrEqual(10);
      expect(stalled).toBeLessThanOrEqual(12);
      expect(sender.sendable()).toBe(false);
      await sleep(500);
      expect(accepted).toBe(stalled);
      expect((await queueStats(broker, address)).depth).toBe(stalled);

      // A receiver takes messages off the queue: the sender gets credit again and finishes.
      const receiver = await openReceiver(await connect(broker.url), { source: address, credit_window: 20 });
      const all = await collect(receiver, 100, 10_000);
      expect(new Set(all.map((r) => r.message.message_id)).size).toBe(100);
      expect(all.map((r) => r.message.body)).toEqual([...Array(100).keys()]);
      await until(() => accepted === 100, 3000, 'all 100 accepted');
    });
  });
});
