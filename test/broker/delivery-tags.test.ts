/**
 * The broker's delivery tags (src/broker/delivery-tags.ts): a consumer link's tags are unique among
 * the deliveries the receiver may hold unsettled, and wrap once the session's 2,048-delivery ring
 * has moved on: with the first delivery held unsettled the broker stops at 2,048 deliveries, each
 * with its own tag (the decimal strings rhea itself would give them); once that one is settled, the
 * rest arrive, their tags counting again from "0", and every message arrives once.
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
