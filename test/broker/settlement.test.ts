/** What the broker does with each outcome a receiver gives, and with deliveries left unsettled. */
import { afterEach, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Message } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  destroy,
  drain,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { sleep, until } from '../helpers/wait.js';

afterEach(closeClients);

const broker = useBroker();

/** A queue holding `count` numbered messages, and a connection to use. */
async function filled(
  count: number,
  label: string,
): Promise<{ address: string; conn: Awaited<ReturnType<typeof connect>> }> {
  const address = queueName(label);
  const conn = await connect(broker().url);
  const outcomes = await sendAll(await openSender(conn, address), numbered(count));
  expect(outcomes.accepted).toBe(count);
  return { address, conn };
}

/** A manual-settlement receiver with exactly `credit` credit. */
async function manualReceiver(url: string, address: string, credit: number) {
  const receiver = await openReceiver(await connect(url), { source: address, credit_window: 0, autoaccept: false });
  if (credit > 0) receiver.add_credit(credit);
  return receiver;
}

function deliveryCount(message: Message): number {
  return message.delivery_count ?? 0;
}

async function settledStats(address: string, check: (s: Awaited<ReturnType<typeof queueStats>>) => boolean) {
  return until(
    async () => {
      const stats = await queueStats(broker(), address);
      return check(stats) ? stats : undefined;
    },
    3000,
    `stats of ${address}`,
  );
}

describe('settlement', () => {
  test('accepted: the message leaves the queue for good', async () => {
    const { address } = await filled(3, 'accept');
    const receiver = await manualReceiver(broker().url, address, 3);
    const got = await collect(receiver, 3);
    for (const { delivery } of got) delivery.accept();
    const stats = await settledStats(address, (s) => s.acknowledged === 3);
    expect(stats).toMatchObject({ depth: 0, acknowledged: 3, returned: 0, rejected: 0, dropped: 0 });
    const other = await openReceiver(await connect(broker().url), address);
    expect(await drain(other, 300)).toHaveLength(0);
  });

  test('released: redelivered to the next receiver, at the head, delivery-count unchanged', async () => {
    const { address } = await filled(3, 'release');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    expect(taken.message.message_id).toBe('m-0');
    const second = await openReceiver(await connect(broker().url), { source: address, credit_window: 10 });
    // The second receiver gets the two still queued; then the released one comes back to it.
    const rest = await collect(second, 2);
    expect(rest.map((r) => r.message.message_id)).toEqual(['m-1', 'm-2']);
    const again = collect(second, 1);
    taken.delivery.release();
    const [redelivered] = await again;
    expect(redelivered.message.message_id).toBe('m-0');
    expect(deliveryCount(redelivered.message)).toBe(0);
    const stats = await settledStats(address, (s) => s.acknowledged === 3);
    expect(stats).toMatchObject({ depth: 0, returned: 1 });
  });

  test('released: goes back to the head of the queue, ahead of messages that were queued behind it', async () => {
    const { address } = await filled(3, 'release-head');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    taken.delivery.release();
    await settledStats(address, (s) => s.returned === 1 && s.depth === 3);
    const second = await openReceiver(await connect(broker().url), { source: address, credit_window: 10 });
    const got = await collect(second, 3);
    expect(got.map((r) => r.message.message_id)).toEqual(['m-0', 'm-1', 'm-2']);
    expect(got.map((r) => deliveryCount(r.message))).toEqual([0, 0, 0]);
  });

  test('modified with delivery-failed: redelivered with delivery-count + 1', async () => {
    const { address } = await filled(1, 'modified-failed');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    taken.delivery.modified({ delivery_failed: true });
    await settledStats(address, (s) => s.returned === 1);
    const second = await manualReceiver(broker().url, address, 1);
    const [again] = await collect(second, 1);
    expect(again.message.message_id).toBe('m-0');
    expect(again.message.delivery_count).toBe(1);
    expect(again.message.first_acquirer).toBe(false);
    expect(again.message.body).toBe(0);
    // And once more: the count keeps rising.
    again.delivery.modified({ delivery_failed: true });
    const third = await manualReceiver(broker().url, address, 1);
    const [thrice] = await collect(third, 1);
    expect(thrice.message.delivery_count).toBe(2);
  });

  test('modified without delivery-failed: redelivered, delivery-count unchanged', async () => {
    const { address } = await filled(1, 'modified-plain');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    taken.delivery.modified({ delivery_failed: false });
    const second = await manualReceiver(broker().url, address, 1);
    const [again] = await collect(second, 1);
    expect(again.message.message_id).toBe('m-0');
    expect(deliveryCount(again.message)).toBe(0);
  });

  test('modified with undeliverable-here: never offered to that link again, kept for the others', async () => {
    const { address } = await filled(2, 'undeliverable');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    expect(taken.message.message_id).toBe('m-0');
    taken.delivery.modified({ undeliverable_here: true });
    const stats = await settledStats(address, (s) => s.returned === 1);
    expect(stats).toMatchObject({ depth: 2, dropped: 0, acknowledged: 0 });
    // The same link, given credit for both: it gets m-1 only.
    first.add_credit(2);
    const mine = await drain(first, 300);
    expect(mine.map((r) => r.message.message_id)).toEqual(['m-1']);
    for (const r of mine) r.delivery.accept();
    const second = await openReceiver(await connect(broker().url), address);
    const got = await drain(second, 300);
    expect(got.map((r) => r.message.message_id)).toEqual(['m-0']);
    expect(deliveryCount(got[0].message)).toBe(0);
  });

  test('rejected: dropped and counted as rejected', async () => {
    const { address } = await filled(2, 'reject');
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    taken.delivery.reject({ condition: 'amqp:precondition-failed', description: 'test rejects it' });
    const stats = await settledStats(address, (s) => s.rejected === 1);
    expect(stats).toMatchObject({ depth: 1, rejected: 1, returned: 0, acknowledged: 0 });
    const second = await openReceiver(await connect(broker().url), address);
    const got = await drain(second, 300);
    expect(got.map((r) => r.message.message_id)).toEqual(['m-1']);
  });

  test('a redelivered message keeps its header fields, properties and body; only the redelivery fields change', async () => {
    const address = queueName('redelivery-header');
    const conn = await connect(broker().url);
    const original = {
      message_id: 'keep-me',
      durable: true,
      priority: 7,
      ttl: 60_000,
      subject: 'subject',
      correlation_id: 'corr',
      application_properties: { colour: 'green', n: 3 },
      message_annotations: { 'x-opt-test': 'annotation' },
      body: 'the body',
    };
    await sendAll(await openSender(conn, address), [original, { message_id: 'no-header', body: 'plain' }]);
    const first = await manualReceiver(broker().url, address, 2);
    const taken = await collect(first, 2);
    for (const { delivery } of taken) delivery.modified({ delivery_failed: true });
    const second = await manualReceiver(broker().url, address, 2);
    const [again, plain] = await collect(second, 2);
    expect(again.message).toMatchObject({ ...original, delivery_count: 1, first_acquirer: false });
    expect(plain.message).toMatchObject({
      message_id: 'no-header',
      body: 'plain',
      delivery_count: 1,
      first_acquirer: false,
    });
  });

  test('a 1 MiB message goes through and is redelivered intact', async () => {
    const address = queueName('large');
    const conn = await connect(broker().url);
    const body = Buffer.alloc(1024 * 1024, 7);
    body.write('start');
    const outcome = await sendAll(await openSender(conn, address), [
      { message_id: 'big', body: rhea.message.data_section(body) },
    ]);
    expect(outcome.accepted).toBe(1);
    const first = await manualReceiver(broker().url, address, 1);
    const [taken] = await collect(first, 1);
    expect(Buffer.compare(taken.message.body.content as Buffer, body)).toBe(0);
    taken.delivery.release();
    const second = await manualReceiver(broker().url, address, 1);
    const [again] = await collect(second, 1);
    expect(Buffer.compare(again.message.body.content as Buffer, body)).toBe(0);
  });

  test('receiver detaches with unsettled deliveries: all redelivered, delivery-count >= 1, first-acquirer false', async () => {
    const { address } = await filled(10, 'detach');
    const first = await manualReceiver(broker().url, address, 10);
    const taken = await collect(first, 10);
    // Settle two, leave eight unsettled, then detach.
    taken[0].delivery.accept();
    taken[1].delivery.accept();
    await settledStats(address, (s) => s.acknowledged === 2);
    first.close();
    await settledStats(address, (s) => s.returned === 8 && s.depth === 8);
    const second = await openReceiver(await connect(broker().url), { source: address, credit_window: 100 });
    const again = await collect(second, 8);
    expect(again.map((r) => r.message.message_id)).toEqual(taken.slice(2).map((r) => r.message.message_id));
    for (const { message } of again) {
      expect(message.delivery_count).toBeGreaterThanOrEqual(1);
      expect(message.first_acquirer).toBe(false);
    }
    expect(await drain(second, 200)).toHaveLength(0);
  });

  test('outcomes sent together with the detach still count: accepted messages are not redelivered', async () => {
    const { address } = await filled(6, 'accept-then-detach');
    const first = await manualReceiver(broker().url, address, 6);
    const taken = await collect(first, 6);
    // Same tick: rhea writes the dispositions and the detach in one go, so the broker reads them together.
    taken[0].delivery.accept();
    taken[1].delivery.reject({ condition: 'amqp:precondition-failed', description: 'no' });
    taken[2].delivery.accept();
    taken[3].delivery.modified({ undeliverable_here: true });
    taken[4].delivery.release();
    first.close();
    const stats = await settledStats(address, (s) => s.acknowledged + s.rejected + s.dropped + s.returned >= 6);
    expect(stats).toMatchObject({ acknowledged: 2, rejected: 1, dropped: 0, returned: 3, depth: 3 });
    const second = await openReceiver(await connect(broker().url), address);
    const again = await drain(second, 300);
    expect(again.map((r) => r.message.message_id)).toEqual(['m-3', 'm-4', 'm-5']);
    // Modified (not failed) and released: count unchanged; left unsettled at the detach: a failed delivery.
    expect(again.map((r) => deliveryCount(r.message))).toEqual([0, 0, 1]);
  });

  test('outcomes sent together with the connection close still count', async () => {
    const { address } = await filled(4, 'accept-then-close');
    const conn = await connect(broker().url);
    const first = await openReceiver(conn, { source: address, credit_window: 0, autoaccept: false });
    first.add_credit(4);
    const taken = await collect(first, 4);
    for (const { delivery } of taken.slice(0, 3)) delivery.accept();
    conn.close();
    const stats = await settledStats(address, (s) => s.acknowledged + s.returned >= 4);
    expect(stats).toMatchObject({ acknowledged: 3, returned: 1, depth: 1 });
  });

  test('connection dropped mid-stream: nothing that was not accepted is lost, redeliveries carry delivery-count > 0', async () => {
    const address = queueName('drop');
    const total = 300;
    const sendConn = await connect(broker().url);
    const sender = await openSender(sendConn, address);
    const sending = sendAll(sender, numbered(total), 15_000);

    const firstConn = await connect(broker().url);
    const first = await openReceiver(firstConn, { source: address, credit_window: 50, autoaccept: false });
    const firstIds = new Set<string>();
    let firstCount = 0;
    first.on('message', (ctx) => {
      firstIds.add(String(ctx.message?.message_id));
      firstCount++;
      // Accept only some: every other message.
      if (firstCount % 2 === 0) ctx.delivery?.accept();
      // Drop at exactly 100, from inside the handler: a poll would let the receiver run on.
      if (firstCount === 100) destroy(firstConn);
    });
    await until(() => firstCount >= 100, 10_000, 'first receiver has 100');

    const second = await openReceiver(await connect(broker().url), { source: address, credit_window: 100 });
    const secondMessages: Message[] = [];
    second.on('message', (ctx) => secondMessages.push(ctx.message as Message));
    expect((await sending).accepted).toBe(total);
    const allIds = (): Set<string> => new Set([...firstIds, ...secondMessages.map((m) => String(m.message_id))]);
    await until(() => allIds().size === total, 10_000, `all ${total} ids (have ${allIds().size})`);
    await until(async () => (await queueStats(broker(), address)).depth === 0, 3000, 'queue empty');
    await sleep(100);
    expect(allIds().size).toBe(total);
    const redelivered = secondMessages.filter((m) => firstIds.has(String(m.message_id)));
    // The first receiver accepted at most half of what it saw; the rest came back.
    expect(redelivered.length).toBeGreaterThanOrEqual(Math.floor(firstIds.size / 2));
    for (const message of redelivered) {
      expect(message.delivery_count).toBeGreaterThan(0);
      expect(message.first_acquirer).toBe(false);
    }
    // Messages still in flight to the first receiver count as delivered too (the broker cannot
    // know they never arrived); those the broker never handed it arrive fresh.
    expect(secondMessages.some((m) => deliveryCount(m) === 0)).toBe(true);
  });
});

describe('pre-settled (at-most-once)', () => {
  test('sender and receiver with snd-settle-mode settled: all arrive, the broker grants mode 1 on both links', async () => {
    const address = queueName('presettled');
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, { source: address, snd_settle_mode: 1, credit_window: 100 });
    expect(receiver.snd_settle_mode).toBe(1);
    const sender = await openSender(conn, { target: address, snd_settle_mode: 1 });
    expect(sender.snd_settle_mode).toBe(1);
    const got = collect(receiver, 200);
    const outcomes = await sendAll(sender, numbered(200));
    expect(outcomes).toMatchObject({ sent: 200, accepted: 0 });
    const received = await got;
    expect(received.map((r) => r.message.body)).toEqual([...Array(200).keys()]);
    expect(received.every((r) => r.delivery.remote_settled)).toBe(true);
    const stats = await queueStats(broker(), address);
    expect(stats).toMatchObject({ enqueued: 200, acknowledged: 200, depth: 0 });
  });

  test('a pre-settled receiver is not sent messages again when it detaches', async () => {
    const address = queueName('presettled-detach');
    const conn = await connect(broker().url);
    await sendAll(await openSender(conn, address), numbered(5));
    const receiver = await openReceiver(conn, { source: address, snd_settle_mode: 1, credit_window: 10 });
    expect(await collect(receiver, 5)).toHaveLength(5);
    receiver.close();
    await sleep(100);
    const again = await openReceiver(conn, address);
    expect(await drain(again, 300)).toHaveLength(0);
  });
});
