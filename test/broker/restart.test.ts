/**
 * EmbeddedBroker.restart(): kill -9 and start again on the same port. What it
 * reports lost must be exact, since the delivery checker is tested against it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { Connection, EventContext, Message } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  drain,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { queueStats, withBroker } from '../helpers/broker.js';
import type { EmbeddedBroker } from '../helpers/broker.js';
import { TransactionController } from '../../src/amqp/transactions/index.js';
import { ensureCerts, pem } from '../helpers/certs.js';
import { until, within } from '../helpers/wait.js';

afterEach(closeClients);

function durable(count: number, prefix: string): Message[] {
  return numbered(count, prefix).map((message) => ({ ...message, durable: true }));
}

async function fill(broker: EmbeddedBroker, address: string, messages: Message[]): Promise<void> {
  const outcomes = await sendAll(await openSender(await connect(broker.url), address), messages);
  expect(outcomes.accepted).toBe(messages.length);
}

/** The connection's 'disconnected' event, with the socket error it carried. */
function cut(connection: Connection): Promise<{ code?: string }> {
  const ended = new Promise<{ code?: string }>((resolve) => {
    connection.once('disconnected', (ctx: EventContext) =>
      resolve({ code: (ctx.error as NodeJS.ErrnoException | undefined)?.code }),
    );
  });
  return within(ended, 3000, 'the connection to be cut');
}

describe('embedded broker restart', () => {
  test('counts queued messages as dropped and delivered, unsettled ones as unsettled; clients are reset', async () => {
    await withBroker({}, async (broker) => {
      const [first, second] = [queueName('restart-a'), queueName('restart-b')];
      const [onFirst, onSecond, delivered, accepted] = [30, 20, 10, 4];
      await fill(broker, first, durable(onFirst, 'a'));
      await fill(broker, second, durable(onSecond, 'b'));
      const consumer = await connect(broker.url);
      const receiver = await openReceiver(consumer, { source: first, credit_window: 0, autoaccept: false });
      receiver.add_credit(delivered);
      const got = await collect(receiver, delivered);
      for (const { delivery } of got.slice(0, accepted)) delivery.accept();
      await until(
        async () => (await queueStats(broker, first)).acknowledged === accepted,
        3000,
        'the acceptances to reach the broker',
      );
      const consumerCut = cut(consumer);

      const counts = await broker.restart();

      expect(counts).toEqual({ dropped: onFirst - delivered + onSecond, unsettled: delivered - accepted });
      // An RST, as from a killed process: not an AMQP close, not a FIN.
      expect(await consumerCut).toEqual({ code: 'ECONNRESET' });
      const after = await broker.stats();
      expect(after).toMatchObject({ connections: 0, queues: [], restarts: 1 });
    });
  });

  test('the new broker listens on the same port at once, with empty queues, and takes sends again', async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('restart-again');
      await fill(broker, address, durable(15, 'old'));
      const url = broker.url;
      expect(await broker.restart()).toEqual({ dropped: 15, unsettled: 0 });
      expect(broker.url).toBe(url);
      // First try, no retry loop: the port is listening again when restart() resolves.
      const client = await connect(url, {}, 2000);
      // Received and left unsettled: the second restart counts them so.
      const receiver = await openReceiver(client, { source: address, autoaccept: false });
      expect(await drain(receiver, 300)).toHaveLength(0);
      const arriving = collect(receiver, 5, 5000);
      const sent = await sendAll(await openSender(await connect(url), address), durable(5, 'new'));
      expect(sent.accepted).toBe(5);
      expect((await arriving).map(({ message }) => message.message_id)).toEqual([
        'new-0',
        'new-1',
        'new-2',
        'new-3',
        'new-4',
      ]);
      // A second restart counts only what came after the first; one asked meanwhile waits its turn.
      const [second, third] = await Promise.all([broker.restart(), broker.restart()]);
      expect(second).toEqual({ dropped: 0, unsettled: 5 });
      expect(third).toEqual({ dropped: 0, unsettled: 0 });
      expect((await broker.stats()).restarts).toBe(3);
    });
  });

  test('transactions: acceptances under an open transaction are unsettled, sends under one are in neither count', async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('restart-txn');
      const [queued, acceptedUnderTxn, leftUnsettled, postedUnderTxn] = [10, 4, 3, 2];
      await fill(broker, address, durable(queued, 'q'));
      const conn = await connect(broker.url);
      const controller = await TransactionController.attach(conn);
      const receiver = await openReceiver(conn, { source: address, autoaccept: false, credit_window: 0 });
      receiver.add_credit(acceptedUnderTxn + leftUnsettled);
      const got = await collect(receiver, acceptedUnderTxn + leftUnsettled);
      const txn = await controller.declare();
      for (const { delivery } of got.slice(0, acceptedUnderTxn)) txn.accept(delivery);
      const sender = await openSender(conn, address);
      for (const message of durable(postedUnderTxn, 'p')) txn.send(sender, message);
      // Answered after the broker read everything sent before it on this connection.
      await controller.declare();
      expect(await broker.restart()).toEqual({
        dropped: queued - acceptedUnderTxn - leftUnsettled,
        unsettled: acceptedUnderTxn + leftUnsettled,
      });
    });
  });

  test('a producer mid-stream: dropped equals the acceptances it saw, with chaos holding messages back', async () => {
    await withBroker({ chaos: { drop: 0, dup: 0, reorder: 1, seed: 7 } }, async (broker) => {
      // The broker waits until its peers have read what it wrote, so every acceptance it wrote
      // reached the producer. Chaos holds each message back (up to 50 ms) before it reaches the
      // queue: held or queued at the cut, a message is dropped once, never twice.
      const [limit, restartAt] = [20_000, 500];
      const producer = await connect(broker.url);
      const producerCut = cut(producer);
      const sender = await openSender(producer, queueName('restart-chaos'));
      let [sent, accepted] = [0, 0];
      let restarting: Promise<{ dropped: number; unsettled: number }> | undefined;
      const pump = (): void => {
        while (sender.sendable() && sent < limit) sender.send({ message_id: `c-${sent++}`, body: 'x', durable: true });
      };
      sender.on('sendable', pump);
      sender.on('accepted', () => {
        if (++accepted === restartAt) restarting = broker.restart();
      });
      pump();
      await producerCut;
      const counts = await within(
        until(() => restarting, 5000, 'the restart to begin'),
        5000,
        'the restart',
      );
      expect(counts).toEqual({ dropped: accepted, unsettled: 0 });
      expect(accepted).toBeLessThan(sent);
    });
  });

  test('a TLS listener comes back on its port too; TLS clients are cut', async () => {
    const certs = ensureCerts();
    await withBroker(
      { tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false } },
      async (broker) => {
        const address = queueName('restart-tls');
        const tlsUrl = broker.tlsUrl as string;
        const secure = await connect(tlsUrl, { ca: pem(certs.ca) });
        const sent = await sendAll(await openSender(secure, address), durable(3, 't'));
        expect(sent.accepted).toBe(3);
        const secureCut = cut(secure);
        expect(await broker.restart()).toEqual({ dropped: 3, unsettled: 0 });
        await secureCut;
        expect(broker.tlsUrl).toBe(tlsUrl);
        const again = await connect(tlsUrl, { ca: pem(certs.ca) }, 2000);
        expect((await sendAll(await openSender(again, address), durable(1, 'u'))).accepted).toBe(1);
      },
    );
  });

  test("deliveries the broker could not write yet (the consumer's session window is full) count as dropped", async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('restart-window');
      const [total, window, credit] = [40, 8, 30];
      await fill(broker, address, durable(total, 'w'));
      // A session of 8 unsettled deliveries: its incoming window closes once 8 are held.
      const consumer = await connect(broker.url, { session_buffer_size: window });
      const receiver = await openReceiver(consumer, { source: address, credit_window: 0, autoaccept: false });
      receiver.add_credit(credit);
      const got = await collect(receiver, window, 5000);
      // The broker handed over all 30 (its credit allows it); rhea holds 22 unwritten.
      await until(
        async () => (await queueStats(broker, address)).depth === total - credit,
        3000,
        'the credit to be used',
      );
      expect(await drain(receiver, 200)).toHaveLength(0);
      expect(await broker.restart()).toEqual({ dropped: total - got.length, unsettled: got.length });
    });
  });

  test('mid-stream, megabytes in flight: every message is either received (and unsettled) or dropped, never both', async () => {
    await withBroker({}, async (broker) => {
      const address = queueName('restart-stream');
      // Large messages and a wide credit window: megabytes are in flight when the restart
      // comes, more than the sockets' kernel buffers hold, so some are still in the broker's
      // socket and must be written (and read) before anything is counted.
      const [total, credit, restartAt] = [2000, 500, 200];
      const body = Buffer.alloc(16 * 1024, 'x');
      await fill(
        broker,
        address,
        numbered(total, 's').map((message) => ({ ...message, body })),
      );
      const consumer = await connect(broker.url);
      const seen = new Set<unknown>();
      let restarting: Promise<{ dropped: number; unsettled: number }> | undefined;
      const consumerCut = cut(consumer);
      // Nothing is settled, so that the unsettled count can be checked exactly too.
      const receiver = await openReceiver(consumer, { source: address, credit_window: credit, autoaccept: false });
      receiver.on('message', (ctx: EventContext) => {
        seen.add(ctx.message?.message_id);
        if (seen.size === restartAt) restarting = broker.restart();
      });
      await consumerCut;
      const counts = await within(
        until(() => restarting, 5000, 'the restart to begin'),
        5000,
        'the restart',
      );
      // Nothing is both received and dropped, nothing is neither.
      expect(counts).toEqual({ dropped: total - seen.size, unsettled: seen.size });
      expect(seen.size).toBeGreaterThanOrEqual(restartAt);
      expect(seen.size).toBeLessThan(total);
    });
  });
});
