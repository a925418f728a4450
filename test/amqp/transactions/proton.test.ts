/**
 * Interop: Qpid Proton Python's own transaction support (the client guide's
 * TxSend / TxRecv, examples 3.8 and 3.9) against the embedded broker, and
 * salvo's transaction module with Proton peers on the other end of a queue.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TransactionController } from '../../../src/amqp/transactions/index.js';
import { closeClients, connect, numbered, openReceiver, openSender, queueName, sendAll } from '../../helpers/amqp.js';
import { queueStats, useBroker } from '../../helpers/broker.js';
import { acceptUnder, protonAvailable, runProton, sendUnder } from './support.js';
import type { TxRecvResult, TxSendResult } from './support.js';

afterEach(closeClients);

const broker = useBroker();
const url = (address: string): string => `${broker().url}/${address}`;

/** What a plain Proton receiver gets from `address` (stops after `max` or 1 s without a message). */
function protonPlainReceive(address: string, max = 1000): Promise<TxRecvResult> {
  return runProton<TxRecvResult>('tx_recv.py', ['-a', url(address), '-m', String(max), '--plain', '--idle', '1']);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!protonAvailable)('Proton TxSend / TxRecv against the embedded broker', () => {
  test('TxSend: 10 batches of 10 committed, all 100 received exactly once', async () => {
    const address = queueName('proton-tx-commit');
    const sent = await runProton<TxSendResult>('tx_send.py', ['-a', url(address), '-m', '100', '-b', '10']);
    expect(sent).toMatchObject({ error: null, sent: 100, committed: 100, aborted: 0 });
    const got = await protonPlainReceive(address);
    expect(got.error).toBeNull();
    expect(got.bodies).toEqual(range(1, 100));
    expect(await queueStats(broker(), address)).toMatchObject({ enqueued: 100, acknowledged: 100, depth: 0 });
  });

  test('TxSend: 10 batches of 10 rolled back, none received', async () => {
    const address = queueName('proton-tx-abort');
    const sent = await runProton<TxSendResult>('tx_send.py', [
      '-a',
      url(address),
      '-m',
      '100',
      '-b',
      '10',
      '--rollback',
    ]);
    expect(sent).toMatchObject({ error: null, sent: 100, committed: 0, aborted: 100 });
    const got = await protonPlainReceive(address);
    expect(got).toMatchObject({ error: null, received: 0 });
    expect(await queueStats(broker(), address)).toMatchObject({ enqueued: 0, depth: 0 });
  });

  test('TxRecv rolls back a batch of 10; a plain receiver then gets those 10 with delivery-count > 0', async () => {
    const address = queueName('proton-rx-abort');
    expect(await runProton<TxSendResult>('tx_send.py', ['-a', url(address), '-m', '10', '-b', '10'])).toMatchObject({
      committed: 10,
    });
    const rolled = await runProton<TxRecvResult>('tx_recv.py', [
      '-a',
      url(address),
      '-m',
      '10',
      '-b',
      '10',
      '--rollback',
    ]);
    expect(rolled).toMatchObject({ error: null, received: 10, aborted: 10, committed: 0 });
    expect(rolled.delivery_counts).toEqual(Array(10).fill(0));
    const again = await protonPlainReceive(address);
    expect(again.error).toBeNull();
    expect(again.bodies).toEqual(range(1, 10));
    expect(again.delivery_counts.every((count) => count > 0)).toBe(true);
  });

  test('TxRecv commits 10 batches of 10: every message once, the queue ends empty', async () => {
    const address = queueName('proton-rx-commit');
    expect(await runProton<TxSendResult>('tx_send.py', ['-a', url(address), '-m', '100', '-b', '25'])).toMatchObject({
      committed: 100,
    });
    const got = await runProton<TxRecvResult>('tx_recv.py', ['-a', url(address), '-m', '100', '-b', '10']);
    expect(got).toMatchObject({ error: null, received: 100, committed: 100 });
    expect(got.bodies).toEqual(range(1, 100));
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, acknowledged: 100, returned: 0 });
    expect(await protonPlainReceive(address)).toMatchObject({ received: 0 });
  });
});

describe.skipIf(!protonAvailable)("salvo's transaction module with Proton peers", () => {
  test('salvo commits 10 batches of 10 (and rolls back 5 more); Proton receives exactly the 100', async () => {
    const address = queueName('salvo-to-proton');
    const conn = await connect(broker().url);
    const controller = await TransactionController.attach(conn);
    const sender = await openSender(conn, address);
    for (let batch = 0; batch < 15; batch++) {
      const txn = await controller.declare();
      sendUnder(
        txn,
        sender,
        range(1, 10).map((i) => ({ body: { sequence: batch * 10 + i } })),
      );
      if (batch < 10) await txn.commit();
      else await txn.rollback();
    }
    const got = await protonPlainReceive(address);
    expect(got.bodies).toEqual(range(1, 100));
  });

  test('Proton TxSend commits; salvo rolls the batch back, gets it again redelivered and commits it', async () => {
    const address = queueName('proton-to-salvo');
    expect(await runProton<TxSendResult>('tx_send.py', ['-a', url(address), '-m', '10', '-b', '10'])).toMatchObject({
      committed: 10,
    });
    const conn = await connect(broker().url);
    const controller = await TransactionController.attach(conn);
    const receiver = await openReceiver(conn, { source: address, autoaccept: false, credit_window: 0 });
    const rolled = await controller.declare();
    const first = await acceptUnder(rolled, receiver, 10);
    await rolled.rollback();
    const committed = await controller.declare();
    const second = await acceptUnder(committed, receiver, 10);
    await committed.commit();
    const sequence = (m: { body?: unknown }) => (m.body as { sequence: number }).sequence;
    expect(first.map(sequence)).toEqual(range(1, 10));
    expect(second.map(sequence)).toEqual(range(1, 10));
    expect(second.every((m) => (m.delivery_count ?? 0) > 0)).toBe(true);
    receiver.close();
    expect(await protonPlainReceive(address)).toMatchObject({ received: 0 });
    expect(await queueStats(broker(), address)).toMatchObject({ acknowledged: 10, returned: 10, depth: 0 });
  });

  test('a plain rhea sender and a Proton transactional receiver share a queue', async () => {
    const address = queueName('rhea-to-proton-tx');
    const sender = await openSender(await connect(broker().url), address);
    expect(
      await sendAll(
        sender,
        numbered(20).map((m, i) => ({ ...m, body: i + 1 })),
      ),
    ).toMatchObject({ accepted: 20 });
    const got = await runProton<TxRecvResult>('tx_recv.py', ['-a', url(address), '-m', '20', '-b', '5']);
    expect(got).toMatchObject({ error: null, received: 20, committed: 20 });
    expect(got.bodies).toEqual(range(1, 20));
  });
});
