/**
 * The broker's delivery tags (src/broker/delivery-tags.ts): a consumer link's tags are unique among
 * the deliveries the receiver may hold unsettled, and wrap once the session's 2,048-delivery ring
 * has moved on: with the first delivery held unsettled the broker stops at 2,048 deliveries, each
 * with its own tag (the decimal strings rhea itself would give them); once that one is settled, the
 * rest arrive, their tags counting again from "0", and every message arrives once. A link that
 * had a transactional acquisition never reuses a tag: the discharge settles the broker's side of
 * a delivery the receiver may still hold unsettled, and its slot comes round again.
 */
import { afterEach, expect, test } from 'vitest';
import type { Delivery } from 'rhea';
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
import { useBroker } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';
import { TransactionController } from '../../src/amqp/transactions/index.js';
import { transactionalStateValue } from '../../src/amqp/transactions/codec.js';

afterEach(closeClients);

const broker = useBroker();
const RING = 2_048;
const COUNT = RING + 700;

test('tags are unique among the unsettled, and wrap only after the ring moved on', async () => {
  const address = queueName('tags');
  const conn = await connect(broker().url);
  expect((await sendAll(await openSender(conn, address), numbered(COUNT), 30_000)).accepted).toBe(COUNT);

  const receiver = await openReceiver(await connect(broker().url), {
    source: address,
    credit_window: 0,
    autoaccept: false,
  });
  receiver.add_credit(COUNT);
  const tags: string[] = [];
  const bodies: unknown[] = [];
  let held: Delivery | undefined;
  const firstRing = await collect(receiver, RING, 30_000, ({ message, delivery }) => {
    tags.push((delivery as Delivery & { tag: Buffer }).tag.toString());
    bodies.push(message.body);
    // The first stays unsettled: it pins the head of the broker's session ring.
    if (held === undefined) held = delivery;
    else delivery.accept();
  });
  expect(firstRing).toHaveLength(RING);
  // The ring is full behind the held delivery: nothing more comes until it is settled.
  expect(await drain(receiver, 500, 2_000)).toHaveLength(0);
  expect(new Set(tags).size).toBe(RING);
  expect(tags).toEqual(Array.from({ length: RING }, (_, i) => String(i)));

  const rest = collect(receiver, COUNT - RING, 30_000, ({ message, delivery }) => {
    tags.push((delivery as Delivery & { tag: Buffer }).tag.toString());
    bodies.push(message.body);
    delivery.accept();
  });
  held?.accept();
  expect(await rest).toHaveLength(COUNT - RING);
  expect(tags.slice(RING)).toEqual(Array.from({ length: COUNT - RING }, (_, i) => String(i)));
  expect(new Set(bodies.map(String)).size).toBe(COUNT);
});

test('after a transactional acquisition, no tag repeats while the receiver holds the acquired delivery', async () => {
  const address = queueName('tags-txn');
  const conn = await connect(broker().url);
  expect((await sendAll(await openSender(conn, address), numbered(COUNT), 30_000)).accepted).toBe(COUNT);

  // A receiving ring larger than the broker's, so the held delivery does not stall this end.
  const consumer = await connect(broker().url, { session_buffer_size: 4 * RING });
  const controller = await TransactionController.attach(consumer);
  const receiver = await openReceiver(consumer, { source: address, credit_window: 0, autoaccept: false });
  receiver.add_credit(1);
  const [first] = await collect(receiver, 1);
  const held = first.delivery as Delivery & { tag: Buffer; remote_settled: boolean };
  const txn = await controller.declare();
  // Acquired unsettled under the transaction: the broker settles its side at the commit.
  held.update(false, transactionalStateValue(txn.id, 'accepted'));
  // The disposition's pass writes before the discharge is sent.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await txn.commit();
  // The broker has settled and forgotten it; this end still holds it unsettled.
  await until(() => held.remote_settled || undefined, 5000, 'the acquired delivery settled by the broker');

  receiver.add_credit(COUNT - 1);
  const tags = [held.tag.toString()];
  const rest = await collect(receiver, COUNT - 1, 30_000, ({ delivery }) => {
    tags.push((delivery as Delivery & { tag: Buffer }).tag.toString());
    delivery.accept();
  });
  expect(rest).toHaveLength(COUNT - 1);
  expect(new Set(tags).size).toBe(COUNT);
});
