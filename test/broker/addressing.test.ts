/** Dynamic nodes, ANONYMOUS-RELAY, and attaches the broker must refuse. */
import { afterEach, describe, expect, test } from 'vitest';
import type { Connection } from 'rhea';
import {
  closeClients,
  creditOf,
  collect,
  connect,
  destroy,
  drain,
  numbered,
  openReceiver,
  openSender,
  queueName,
  refusal,
  sendAll,
} from '../helpers/amqp.js';
import { hasQueue, queueStats, useBroker, withBroker } from '../helpers/broker.js';
import { sleep, until } from '../helpers/wait.js';

afterEach(closeClients);

const broker = useBroker();

/** A link on `conn` still works: a message goes round a fresh queue. */
async function stillWorks(conn: Connection): Promise<void> {
  const address = queueName('still-works');
  const receiver = await openReceiver(conn, address);
  const got = collect(receiver, 1, 3000);
  expect((await sendAll(await openSender(conn, address), [{ body: 'ok' }])).accepted).toBe(1);
  expect((await got)[0].message.body).toBe('ok');
}

describe('dynamic nodes', () => {
  test('a receiver with a dynamic source gets an address back, and messages sent there arrive', async () => {
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, { source: { dynamic: true } as never });
    const address = receiver.source.address;
    expect(typeof address).toBe('string');
    expect(address.length).toBeGreaterThan(0);
    expect(receiver.source.dynamic).toBe(true);
    const got = collect(receiver, 3);
    const sender = await openSender(await connect(broker().url), address);
    expect((await sendAll(sender, numbered(3))).accepted).toBe(3);
    expect((await got).map((r) => r.message.body)).toEqual([0, 1, 2]);
  });

  test('two dynamic receivers get different addresses', async () => {
    const conn = await connect(broker().url);
    const a = await openReceiver(conn, { source: { dynamic: true } as never });
    const b = await openReceiver(conn, { source: { dynamic: true } as never });
    expect(a.source.address).not.toBe(b.source.address);
  });

  test('a dynamic node is deleted when its link closes: anonymous relay to it is then rejected', async () => {
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, { source: { dynamic: true } as never });
    const address: string = receiver.source.address;
    const relay = await openSender(conn, { target: {} as never });
    // While the node exists, the relay reaches it.
    const got = collect(receiver, 1);
    expect((await sendAll(relay, [{ to: address, body: 'before' }])).accepted).toBe(1);
    expect((await got)[0].message.body).toBe('before');

    receiver.close();
    await until(async () => !(await hasQueue(broker(), address)), 3000, `${address} deleted`);
    const after = await sendAll(relay, [{ to: address, body: 'after' }]);
    expect(after).toMatchObject({ accepted: 0, rejected: 1 });
    expect(after.rejections[0].condition).toBe('amqp:not-found');
    expect(after.rejections[0].description).toContain(address);
  });

  test('links other clients attached to a dynamic node by address are detached (resource-deleted) when it goes', async () => {
    const owner = await connect(broker().url);
    const dynamic = await openReceiver(owner, { source: { dynamic: true } as never });
    const address: string = dynamic.source.address;
    const other = await connect(broker().url);
    const sender = await openSender(other, address);
    const reader = await openReceiver(other, address);
    const senderGone = refusal(sender);
    const readerGone = refusal(reader);
    dynamic.close();
    for (const reason of await Promise.all([senderGone, readerGone])) {
      expect(reason.condition).toBe('amqp:resource-deleted');
      expect(reason.description).toContain(address);
    }
    // Nothing can be accepted into the deleted node any more, and the other connection still works.
    await until(() => sender.is_closed(), 2000, 'sender closed');
    await stillWorks(other);
    expect(await hasQueue(broker(), address)).toBe(false);
  });

  test('when the owner connection drops, senders bound to its dynamic node are detached too', async () => {
    const owner = await connect(broker().url);
    const dynamic = await openReceiver(owner, { source: { dynamic: true } as never });
    const address: string = dynamic.source.address;
    const sender = await openSender(await connect(broker().url), address);
    const gone = refusal(sender);
    destroy(owner);
    expect((await gone).condition).toBe('amqp:resource-deleted');
  });

  test('a dynamic node is deleted when its connection drops', async () => {
    const conn = await connect(broker().url);
    const receiver = await openReceiver(conn, { source: { dynamic: true } as never });
    const address: string = receiver.source.address;
    expect(await hasQueue(broker(), address)).toBe(true);
    conn.close();
    await until(async () => !(await hasQueue(broker(), address)), 3000, `${address} deleted`);
  });
});

describe('ANONYMOUS-RELAY', () => {
  test('the broker offers ANONYMOUS-RELAY in its open', async () => {
    const conn = await connect(broker().url);
    const offered = (conn as unknown as { remote: { open: { offered_capabilities?: string | string[] } } }).remote.open
      .offered_capabilities;
    expect([offered].flat()).toContain('ANONYMOUS-RELAY');
  });

  test('a sender with a null target address routes each message by its to', async () => {
    const conn = await connect(broker().url);
    const red = queueName('relay-red');
    const blue = queueName('relay-blue');
    const redReceiver = await openReceiver(conn, red);
    const blueReceiver = await openReceiver(conn, blue);
    const redGot = collect(redReceiver, 2);
    const blueGot = collect(blueReceiver, 1);
    const relay = await openSender(conn, { target: {} as never });
    expect(relay.target?.address ?? null).toBeNull();
    const outcomes = await sendAll(relay, [
      { to: red, body: 'r1' },
      { to: blue, body: 'b1' },
      { to: red, body: 'r2' },
    ]);
    expect(outcomes.accepted).toBe(3);
    expect((await redGot).map((r) => r.message.body)).toEqual(['r1', 'r2']);
    expect((await blueGot).map((r) => r.message.body)).toEqual(['b1']);
  });

  test('an unknown to is rejected with amqp:not-found, a message with no to as well; the link goes on', async () => {
    const conn = await connect(broker().url);
    const known = queueName('relay-known');
    const receiver = await openReceiver(conn, known);
    const got = collect(receiver, 1);
    const relay = await openSender(conn, { target: {} as never });
    const missing = queueName('relay-missing');
    const outcomes = await sendAll(relay, [{ to: missing, body: 'x' }, { body: 'no to' }, { to: known, body: 'y' }]);
    expect(outcomes).toMatchObject({ accepted: 1, rejected: 2 });
    expect(outcomes.rejections.map((r) => r.condition)).toEqual(['amqp:not-found', 'amqp:not-found']);
    expect(outcomes.rejections[0].description).toContain(missing);
    expect(await hasQueue(broker(), missing)).toBe(false);
    expect((await got).map((r) => r.message.body)).toEqual(['y']);
    expect(await drain(receiver, 200)).toHaveLength(0);
  });
});

describe('ANONYMOUS-RELAY at depth', () => {
  test('one full queue holds back only the anonymous senders that feed it', async () => {
    await withBroker({ maxQueueDepth: 10 }, async (small) => {
      const conn = await connect(small.url);
      const full = queueName('relay-full');
      expect((await sendAll(await openSender(conn, full), numbered(10))).accepted).toBe(10);
      expect((await queueStats(small, full)).depth).toBe(10);
      const open = queueName('relay-open');
      const receiver = await openReceiver(conn, open);
      const got = collect(receiver, 200);
      const relay = await openSender(await connect(small.url), { target: {} as never });
      const outcomes = await sendAll(
        relay,
        numbered(200).map((m) => ({ ...m, to: open })),
      );
      expect(outcomes.accepted).toBe(200);
      expect(await got).toHaveLength(200);
    });
  });
});

describe('auto-created queues', () => {
  test('are deleted once empty with no link for the idle time, and made again on the next attach', async () => {
    await withBroker({ idleQueueMs: 100 }, async (short) => {
      const conn = await connect(short.url);
      const address = queueName('idle');
      const receiver = await openReceiver(conn, address);
      expect(await hasQueue(short, address)).toBe(true);
      receiver.close();
      await until(async () => !(await hasQueue(short, address)), 3000, `${address} deleted`);
      const again = await openReceiver(conn, address);
      const got = collect(again, 1);
      expect((await sendAll(await openSender(conn, address), numbered(1))).accepted).toBe(1);
      expect(await got).toHaveLength(1);
    });
  });

  test('are kept while they hold messages or while a link is attached', async () => {
    await withBroker({ idleQueueMs: 100 }, async (short) => {
      const conn = await connect(short.url);
      const holding = queueName('idle-holding');
      const sender = await openSender(conn, holding);
      expect((await sendAll(sender, numbered(3))).accepted).toBe(3);
      sender.close();
      const attached = queueName('idle-attached');
      await openReceiver(conn, attached);
      await sleep(500);
      expect((await queueStats(short, holding)).depth).toBe(3);
      expect(await hasQueue(short, attached)).toBe(true);
    });
  });
});

test('each relayed message gets its own outcome when accepted and rejected ones alternate in one batch', async () => {
  // rhea merges a one-delivery disposition range with its neighbour whatever the outcome;
  // the broker must not report a rejected message accepted, or the other way round.
  const conn = await connect(broker().url);
  const known = queueName('relay-alternating');
  const receiver = await openReceiver(conn, { source: known, credit_window: 100 });
  const got = collect(receiver, 10);
  const relay = await openSender(conn, { target: {} as never });
  const outcomes: string[] = [];
  for (const outcome of ['accepted', 'rejected'])
    relay.on(outcome, (ctx) => {
      outcomes[Number((ctx.delivery as unknown as { id: number }).id)] = outcome;
    });
  const missing = queueName('relay-nowhere');
  const messages = Array.from({ length: 20 }, (_, i) => ({ to: i % 2 === 0 ? missing : known, body: i }));
  await until(() => creditOf(relay) >= 20, 3000, 'relay credit');
  for (const message of messages) relay.send(message);
  await until(() => outcomes.filter(Boolean).length === 20, 5000, '20 outcomes');
  expect(outcomes).toEqual(messages.map((m) => (m.to === known ? 'accepted' : 'rejected')));
  expect((await got).map((r) => r.message.body)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
});

describe('attaches the broker refuses', () => {
  test('a receiver address with control characters: amqp:invalid-field, and the connection still works', async () => {
    const conn = await connect(broker().url);
    const reason = await refusal(conn.open_receiver('bad\u0001address'));
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/control characters/);
    await stillWorks(conn);
  });

  test('a sender address with control characters: amqp:invalid-field, and the connection still works', async () => {
    const conn = await connect(broker().url);
    const reason = await refusal(conn.open_sender('bad\naddress'));
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/control characters/);
    await stillWorks(conn);
  });

  test('a receiver whose source has no address and is not dynamic: refused, and the connection still works', async () => {
    const conn = await connect(broker().url);
    const reason = await refusal(conn.open_receiver({ source: {} as never }));
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/address/);
    await stillWorks(conn);
  });

  test('a receiver with no source at all: refused, and the connection still works', async () => {
    const conn = await connect(broker().url);
    const receiver = conn.open_receiver({});
    // rhea sends no source when none is given.
    const reason = await refusal(receiver);
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/source/);
    await stillWorks(conn);
  });

  test('an address longer than 1024 characters is refused', async () => {
    const conn = await connect(broker().url);
    const reason = await refusal(conn.open_receiver('x'.repeat(1025)));
    expect(reason.condition).toBe('amqp:invalid-field');
    expect(reason.description).toMatch(/longer than 1024/);
    await stillWorks(conn);
  });

  test('refused attaches leave no queue behind and do not disturb other links on the connection', async () => {
    const conn = await connect(broker().url);
    const address = queueName('beside-refusals');
    const receiver = await openReceiver(conn, address);
    const got = collect(receiver, 2);
    const sender = await openSender(conn, address);
    await sendAll(sender, numbered(1));
    await refusal(conn.open_receiver('bad\u0007bell'));
    await refusal(conn.open_receiver({ source: {} as never }));
    await sendAll(sender, numbered(1, 'after'));
    expect((await got).map((r) => r.message.message_id)).toEqual(['m-0', 'after-0']);
    const stats = await broker().stats();
    expect(stats.queues.some((q) => q.address.includes('\u0007'))).toBe(false);
    expect((await queueStats(broker(), address)).acknowledged).toBeLessThanOrEqual(2);
  });
});
