/** salvo's transaction module (src/amqp/transactions) against the embedded broker's coordinator. */
import { afterEach, describe, expect, test } from 'vitest';
import type { Connection, Receiver } from 'rhea';
import {
  Transaction,
  TransactionController,
  TransactionError,
  TransactionalState,
} from '../../../src/amqp/transactions/index.js';
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
} from '../../helpers/amqp.js';
import { queueStats, useBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { acceptUnder, bodies, sendUnder } from './support.js';

afterEach(closeClients);

const broker = useBroker();

async function controllerOn(conn?: Connection): Promise<{ conn: Connection; controller: TransactionController }> {
  const connection = conn ?? (await connect(broker().url));
  return { conn: connection, controller: await TransactionController.attach(connection) };
}

function manualReceiver(conn: Connection, address: string): Promise<Receiver> {
  return openReceiver(conn, { source: address, autoaccept: false, credit_window: 0 });
}

/** Everything a fresh plain receiver can get from `address` until it goes quiet (then it detaches). */
async function plainDrain(address: string, idleMs = 300) {
  const receiver = await openReceiver(await connect(broker().url), address);
  try {
    return await drain(receiver, idleMs);
  } finally {
    receiver.close();
  }
}

async function fill(address: string, count: number, prefix = 'm'): Promise<void> {
  const sender = await openSender(await connect(broker().url), address);
  expect(await sendAll(sender, numbered(count, prefix))).toMatchObject({ accepted: count });
}

describe('transactional sending', () => {
  test('10 batches of 10 committed: all 100 arrive, exactly once, in order', async () => {
    const address = queueName('tx-commit');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    for (let batch = 0; batch < 10; batch++) {
      const txn = await controller.declare();
      sendUnder(
        txn,
        sender,
        numbered(10).map((m, i) => ({ ...m, body: batch * 10 + i })),
      );
      await txn.commit();
    }
    const got = await plainDrain(address);
    expect(got.map((r) => r.message.body)).toEqual([...Array(100).keys()]);
    expect(await queueStats(broker(), address)).toMatchObject({ enqueued: 100 });
  });

  test('10 batches of 10 rolled back: none arrives', async () => {
    const address = queueName('tx-rollback');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    for (let batch = 0; batch < 10; batch++) {
      const txn = await controller.declare();
      sendUnder(txn, sender, numbered(10));
      await txn.rollback();
    }
    expect(await plainDrain(address)).toHaveLength(0);
    expect(await queueStats(broker(), address)).toMatchObject({ enqueued: 0, depth: 0 });
  });

  test('posted messages stay invisible until commit; the outcome is transactional-state {accepted}', async () => {
    const address = queueName('tx-invisible');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    const watcher = await openReceiver(await connect(broker().url), address);
    const txn = await controller.declare();
    const deliveries = sendUnder(txn, sender, numbered(5));
    await until(
      () => deliveries.every((d) => (d as unknown as { remote_state?: unknown }).remote_state),
      3000,
      'outcomes',
    );
    for (const d of deliveries) {
      const state = (d as unknown as { remote_state: TransactionalState }).remote_state;
      expect(state).toBeInstanceOf(TransactionalState);
      expect(state.txnId.equals(txn.id)).toBe(true);
      expect(state.outcome?.name).toBe('accepted');
    }
    expect(await drain(watcher, 200)).toHaveLength(0);
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, enqueued: 0 });
    const arriving = collect(watcher, 5);
    await txn.commit();
    expect(bodies((await arriving).map((g) => g.message))).toEqual([0, 1, 2, 3, 4]);
  });

  test('pre-encoded Buffer messages can be sent under a transaction', async () => {
    const { encodeMessage } = await import('../../../src/amqp/rhea-patches/index.js');
    const address = queueName('tx-buffer');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    const txn = await controller.declare();
    sendUnder(txn, sender, [encodeMessage({ body: 'raw-1' }), encodeMessage({ body: 'raw-2' })]);
    await txn.commit();
    expect((await plainDrain(address)).map((r) => r.message.body)).toEqual(['raw-1', 'raw-2']);
  });
});

describe('transactional receiving', () => {
  test('a rolled-back batch of 10 comes back, to a plain receiver, with delivery-count > 0', async () => {
    const address = queueName('tx-recv-rollback');
    await fill(address, 10);
    const { conn, controller } = await controllerOn();
    const receiver = await manualReceiver(conn, address);
    const txn = await controller.declare();
    const first = await acceptUnder(txn, receiver, 10);
    expect(first.every((m) => (m.delivery_count ?? 0) === 0)).toBe(true);
    // Accepted under an open transaction: owned, neither redelivered nor removed.
    await until(async () => (await queueStats(broker(), address)).depth === 0, 2000, 'depth 0');
    expect(await plainDrain(address, 200)).toHaveLength(0);
    await txn.rollback();
    receiver.close();
    const again = await plainDrain(address);
    expect(again.map((r) => r.message.body)).toEqual([...Array(10).keys()]);
    expect(again.every((r) => (r.message.delivery_count ?? 0) > 0)).toBe(true);
    expect(await queueStats(broker(), address)).toMatchObject({ acknowledged: 10, returned: 10 });
  });

  test('a committed batch is removed for good and counted acknowledged', async () => {
    const address = queueName('tx-recv-commit');
    await fill(address, 10);
    const { conn, controller } = await controllerOn();
    const receiver = await manualReceiver(conn, address);
    const txn = await controller.declare();
    await acceptUnder(txn, receiver, 10);
    await txn.commit();
    await until(async () => (await queueStats(broker(), address)).acknowledged === 10, 2000, 'acknowledged 10');
    receiver.close();
    expect(await plainDrain(address)).toHaveLength(0);
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, acknowledged: 10, returned: 0 });
  });

  test('receive and send in one transaction (consume-transform-produce), committed and rolled back', async () => {
    const input = queueName('tx-in');
    const output = queueName('tx-out');
    await fill(input, 4);
    const { conn, controller } = await controllerOn();
    const receiver = await manualReceiver(conn, input);
    const sender = await openSender(conn, output);
    const transform = (m: { body?: unknown }) => ({ body: `out-${String(m.body)}` });
    const rolled = await controller.declare();
    const firstPair = await acceptUnder(rolled, receiver, 2);
    sendUnder(rolled, sender, firstPair.map(transform));
    await rolled.rollback();
    // The rolled-back pair is back at the head of the queue: the same receiver gets it again.
    const committed = await controller.declare();
    const secondPair = await acceptUnder(committed, receiver, 2);
    sendUnder(committed, sender, secondPair.map(transform));
    await committed.commit();
    expect(secondPair.map((m) => [m.body, (m.delivery_count ?? 0) > 0])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect((await plainDrain(output)).map((r) => r.message.body)).toEqual(['out-0', 'out-1']);
    receiver.close();
    const left = await plainDrain(input);
    expect(left.map((r) => [r.message.body, r.message.delivery_count ?? 0])).toEqual([
      [2, 0],
      [3, 0],
    ]);
  });
});

describe('refusals and failures', () => {
  test('discharging an unknown txn-id is refused with amqp:transaction:unknown-id', async () => {
    const { controller } = await controllerOn();
    const txn = await controller.declare();
    await txn.commit();
    const again = await txn.commit().catch((error: unknown) => error);
    expect(again).toBeInstanceOf(TransactionError);
    expect(again).toMatchObject({ code: 'refused', condition: 'amqp:transaction:unknown-id' });
    expect((again as Error).message).toContain(txn.id.toString('hex'));
    const invented = new Transaction(controller, Buffer.from('no-such-transaction'));
    await expect(invented.rollback()).rejects.toMatchObject({ condition: 'amqp:transaction:unknown-id' });
  });

  test('a transfer naming an unknown txn-id is rejected with amqp:transaction:unknown-id', async () => {
    const address = queueName('tx-unknown-post');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    const invented = new Transaction(controller, Buffer.from('bogus'));
    const rejected = new Promise<unknown>((resolve) => sender.once('rejected', (ctx) => resolve(ctx.delivery)));
    invented.send(sender, { body: 'x' });
    const delivery = (await rejected) as { remote_state: { error: { condition: string } } };
    expect(delivery.remote_state.error.condition).toBe('amqp:transaction:unknown-id');
    expect(await plainDrain(address, 200)).toHaveLength(0);
  });

  test("another connection cannot use a connection's transaction", async () => {
    const address = queueName('tx-foreign');
    const a = await controllerOn();
    const b = await controllerOn();
    const txn = await a.controller.declare();
    const foreign = new Transaction(b.controller, txn.id);
    await expect(foreign.commit()).rejects.toMatchObject({ condition: 'amqp:transaction:unknown-id' });
    const sender = await openSender(b.conn, address);
    const rejected = new Promise<void>((resolve) => sender.once('rejected', () => resolve()));
    foreign.send(sender, { body: 'x' });
    await rejected;
    await txn.commit();
  });

  test('a connection that drops with transactions open rolls them back', async () => {
    const address = queueName('tx-drop');
    await fill(address, 5, 'queued');
    const { conn, controller } = await controllerOn();
    const receiver = await manualReceiver(conn, address);
    const sender = await openSender(conn, address);
    const txn = await controller.declare();
    await acceptUnder(txn, receiver, 5);
    sendUnder(txn, sender, numbered(5, 'posted'));
    await until(async () => (await queueStats(broker(), address)).depth === 0, 2000, 'all 5 taken');
    destroy(conn);
    const got = await plainDrain(address);
    expect(got.map((r) => r.message.message_id)).toEqual(['queued-0', 'queued-1', 'queued-2', 'queued-3', 'queued-4']);
    expect(got.every((r) => (r.message.delivery_count ?? 0) > 0)).toBe(true);
  });

  test('closing the controller rolls back what it left open; later operations reject', async () => {
    const address = queueName('tx-ctrl-close');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    const txn = await controller.declare();
    const posted = sendUnder(txn, sender, numbered(3));
    await until(() => posted.every((d) => (d as unknown as { remote_state?: unknown }).remote_state), 3000, 'posted');
    controller.close();
    await expect(controller.declare()).rejects.toBeInstanceOf(TransactionError);
    expect(await plainDrain(address)).toHaveLength(0);
    const fresh = await TransactionController.attach(conn);
    await expect(new Transaction(fresh, txn.id).commit()).rejects.toMatchObject({
      condition: 'amqp:transaction:unknown-id',
    });
  });
});

describe('independence', () => {
  test('two concurrent transactions on one connection (and one session) are independent', async () => {
    const address = queueName('tx-two');
    await fill(address, 4, 'queued');
    const { conn, controller } = await controllerOn();
    const sender = await openSender(conn, address);
    const receiver = await manualReceiver(conn, address);
    const [t1, t2] = await Promise.all([controller.declare(), controller.declare()]);
    expect(t1.id.equals(t2.id)).toBe(false);
    sendUnder(t1, sender, numbered(3, 'one'));
    sendUnder(t2, sender, numbered(3, 'two'));
    await acceptUnder(t1, receiver, 2); // queued-0, queued-1
    await acceptUnder(t2, receiver, 2); // queued-2, queued-3
    await Promise.all([t1.commit(), t2.rollback()]);
    receiver.close();
    const got = await plainDrain(address);
    // t2's acquisitions come back first (they are older than t1's posts); t2's posts are gone.
    expect(got.map((r) => r.message.message_id)).toEqual(['queued-2', 'queued-3', 'one-0', 'one-1', 'one-2']);
  });

  test('transactions on two controllers of one connection are independent', async () => {
    const address = queueName('tx-two-ctrl');
    const conn = await connect(broker().url);
    const [c1, c2] = await Promise.all([TransactionController.attach(conn), TransactionController.attach(conn)]);
    const sender = await openSender(conn, address);
    const t1 = await c1.declare();
    const t2 = await c2.declare();
    sendUnder(t1, sender, numbered(2, 'a'));
    sendUnder(t2, sender, numbered(2, 'b'));
    await t2.commit();
    c1.close();
    expect((await plainDrain(address)).map((r) => r.message.message_id)).toEqual(['b-0', 'b-1']);
  });
});
