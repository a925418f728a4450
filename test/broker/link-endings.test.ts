/**
 * Links ended every way while they hold unsettled deliveries: a session end,
 * a detach, a detach for an oversized message. Each must give back what it
 * held and leave its session's delivery ring free, at the scale where the
 * ring (2,048 slots in rhea) wraps.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { Connection, Delivery, EventContext, Receiver, Session } from 'rhea';
import { abandonDeliveries } from '../../src/amqp/rhea-patches/index.js';
import { TransactionController } from '../../src/amqp/transactions/index.js';
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
import { hasQueue, queueStats, useBroker, withBroker } from '../helpers/broker.js';
import { sleep, until, within } from '../helpers/wait.js';

afterEach(closeClients);

const broker = useBroker();

function newSession(connection: Connection): Session {
  const session = connection.create_session();
  session.begin();
  return session;
}

function openReceiverOn(session: Session, options: Parameters<Session['open_receiver']>[0]): Promise<Receiver> {
  const receiver = session.open_receiver(options);
  return within(
    new Promise<Receiver>((resolve) => receiver.once('receiver_open', () => resolve(receiver))),
    5000,
    'receiver attach',
  );
}

function ended(session: Session): Promise<void> {
  return within(new Promise<void>((resolve) => session.once('session_close', () => resolve())), 5000, 'session end');
}

describe('a session end detaches its links', () => {
  test('consumers on the ended session stop getting messages; what they held comes back with delivery-count + 1', async () => {
    const address = queueName('session-end');
    const conn = await connect(broker().url);
    const doomed = newSession(conn);
    const held = await openReceiverOn(doomed, { source: address, credit_window: 0, autoaccept: false });
    held.add_credit(5);
    const live = await openReceiverOn(newSession(conn), { source: address, credit_window: 0, autoaccept: true });
    live.add_credit(1000);
    const sender = await openSender(await connect(broker().url), address);
    // The first five go to the held receiver (round robin puts it first), which never settles them.
    const heldNow = collect(held, 5);
    expect((await sendAll(sender, numbered(10, 'before'))).accepted).toBe(10);
    expect(await heldNow).toHaveLength(5);
    await drain(live, 200);

    // The broker may send the returned five before the client sees the end: listen first.
    const after = collect(live, 55);
    doomed.end();
    await ended(doomed);
    expect((await sendAll(sender, numbered(50, 'after'))).accepted).toBe(50);
    const got = await after;
    const ids = got.map((r) => String(r.message.message_id));
    expect(ids.filter((id) => id.startsWith('after'))).toHaveLength(50);
    const returned = got.filter((r) => String(r.message.message_id).startsWith('before'));
    expect(returned).toHaveLength(5);
    for (const r of returned) expect(r.message.delivery_count).toBe(1);
    const stats = await queueStats(broker(), address);
    expect(stats).toMatchObject({ consumers: 1, depth: 0 });
  });

  test('a transaction whose coordinator link was on the ended session rolls back', async () => {
    const address = queueName('session-end-tx');
    const sender = await openSender(await connect(broker().url), address);
    expect((await sendAll(sender, numbered(1, 'tx'))).accepted).toBe(1);
    const conn = await connect(broker().url);
    // The coordinator on the connection's default session; the receiver on a session of its own.
    const controller = await TransactionController.attach(conn);
    const txnSession = (controller as unknown as { sender: { session: Session } }).sender.session;
    const receiver = await openReceiverOn(newSession(conn), { source: address, credit_window: 0, autoaccept: false });
    receiver.add_credit(10);
    const [first] = await collect(receiver, 1);
    const txn = await controller.declare();
    const redelivered = collect(receiver, 1, 3000);
    txn.accept(first.delivery);
    await sleep(100);
    txnSession.end();
    await ended(txnSession);
    // Rolled back: the accept never took effect, so the message is delivered again.
    const [again] = await redelivered;
    expect(again.message.message_id).toBe('tx-0');
    expect(again.message.delivery_count).toBe(1);
  });

  test('a dynamic node made on the ended session is deleted', async () => {
    const conn = await connect(broker().url);
    const session = newSession(conn);
    const receiver = await openReceiverOn(session, { source: { dynamic: true } as never });
    const address = String(receiver.source.address);
    expect(await hasQueue(broker(), address)).toBe(true);
    session.end();
    await ended(session);
    await until(async () => !(await hasQueue(broker(), address)), 3000, `dynamic node ${address} deleted`);
  });
});

describe('deliveries the broker gives up on leave the session ring', () => {
  test('a receiver that detaches holding 5 unsettled messages does not stall the next receiver on that session', async () => {
    const address = queueName('ring-detach');
    const total = 5000;
    const sender = await openSender(await connect(broker().url), address);
    expect((await sendAll(sender, numbered(total), 30_000)).accepted).toBe(total);
    const conn = await connect(broker().url);
    const session = newSession(conn);
    const first = await openReceiverOn(session, { source: address, credit_window: 0, autoaccept: false });
    first.add_credit(5);
    await collect(first, 5);
    first.close();
    await within(new Promise((resolve) => first.once('receiver_close', resolve)), 5000, 'detach');
    // rhea's client side pins the same five slots in its own ring; clear them so that only
    // the broker's ring is under test.
    abandonDeliveries(first);
    const next = await openReceiverOn(session, { source: address, credit_window: 500, autoaccept: true });
    const got = await collect(next, total, 30_000);
    expect(new Set(got.map((r) => r.message.message_id)).size).toBe(total);
  });

  test('after a message-size-exceeded detach another sender on the same session gets every message accepted', async () => {
    await withBroker({ maxMessageSize: 1000 }, async (small) => {
      const address = queueName('ring-size');
      const conn = await connect(small.url);
      const session = newSession(conn);
      const big = session.open_sender({ target: { address } });
      await within(new Promise((resolve) => big.once('sender_open', resolve)), 5000, 'attach');
      big.send({ body: Buffer.alloc(5000) });
      await within(new Promise((resolve) => big.once('sender_error', resolve)), 5000, 'message-size-exceeded detach');
      expect(big.error).toMatchObject({ condition: 'amqp:link:message-size-exceeded' });
      // The client's own ring holds the refused delivery too; only the broker's is under test.
      abandonDeliveries(big);
      const next = session.open_sender({ target: { address } });
      await within(new Promise((resolve) => next.once('sender_open', resolve)), 5000, 'attach');
      const outcomes = await sendAll(next, numbered(4000), 30_000);
      expect(outcomes.accepted).toBe(4000);
    });
  });
});

describe('a consumer with credit never stops receiving while its queue holds messages', () => {
  test('releases handled in one pass that refill a nearly full ring: every released message comes back', async () => {
    // A ring of 16 slots makes the wrap happen in a handful of messages.
    await withBroker({ sessionBufferSize: 16 }, async (tiny) => {
      const address = queueName('stranded');
      const sender = await openSender(await connect(tiny.url), address);
      const receiver = await openReceiver(await connect(tiny.url), {
        source: address,
        credit_window: 0,
        autoaccept: false,
      });
      receiver.add_credit(1000);
      const first = collect(receiver, 14);
      expect((await sendAll(sender, numbered(14))).accepted).toBe(14);
      const held = await first;
      // The ten oldest released in one disposition: 2 ring slots free at the start of that pass.
      const again = collect(receiver, 10, 3000);
      for (const r of held.slice(0, 10)) r.delivery.release();
      const back = await again;
      expect(back.map((r) => r.message.message_id).sort()).toEqual(
        held
          .slice(0, 10)
          .map((r) => r.message.message_id)
          .sort(),
      );
    });
  });

  test('300 rounds of mixed releases, modifies and accepts in single passes always drain', async () => {
    await withBroker({ sessionBufferSize: 16 }, async (tiny) => {
      const address = queueName('stranded-rounds');
      const sender = await openSender(await connect(tiny.url), address);
      const receiver = await openReceiver(await connect(tiny.url), {
        source: address,
        credit_window: 0,
        autoaccept: false,
      });
      receiver.add_credit(100_000);
      // A seeded generator: the same rounds every run.
      let state = 12345;
      const random = (n: number): number => {
        state = (state * 1103515245 + 12345) & 0x7fffffff;
        return state % n;
      };
      const unsettled: Delivery[] = [];
      let accepted = 0;
      let sent = 0;
      receiver.on('message', (ctx: EventContext) => {
        unsettled.push(ctx.delivery as Delivery);
      });
      for (let round = 0; round < 300; round++) {
        const batch = 1 + random(6);
        expect((await sendAll(sender, numbered(batch, `r${round}`))).accepted).toBe(batch);
        sent += batch;
        // Hold the ring near full, then settle a random run of the oldest in one pass.
        await until(
          () => unsettled.length >= Math.min(14, sent - accepted) || undefined,
          3000,
          `round ${round}: ${sent - accepted} outstanding, ${unsettled.length} held`,
        );
        const settleCount = random(unsettled.length + 1);
        for (const delivery of unsettled.splice(0, settleCount)) {
          const choice = random(3);
          if (choice === 0) {
            delivery.accept();
            accepted++;
          } else if (choice === 1) delivery.release();
          else delivery.modified({ delivery_failed: true });
        }
      }
      // Now accept everything until all sent messages are accepted.
      await until(
        () => {
          for (const delivery of unsettled.splice(0)) {
            delivery.accept();
            accepted++;
          }
          return accepted === sent || undefined;
        },
        10_000,
        `all ${sent} accepted (have ${accepted})`,
      );
      await until(
        async () => (await queueStats(tiny, address)).acknowledged === sent || undefined,
        3000,
        'broker counts every accept',
      );
    });
  }, 60_000);
});
