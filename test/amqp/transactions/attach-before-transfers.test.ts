/**
 * The attach-before-transfers patch (src/amqp/rhea-patches/attach-before-transfers.ts) in the
 * embedded broker. What it wraps in rhea is checked in test/amqp/rhea-patches.test.ts.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { closeClients, collect, connect, numbered, openSender, queueName, sendAll } from '../../helpers/amqp.js';
import { useBroker } from '../../helpers/broker.js';

describe('attach before transfers (embedded broker)', () => {
  const broker = useBroker();
  afterEach(closeClients);

  test('a receiver whose attach and credit arrive together gets the queued messages, every time', async () => {
    const address = queueName('attach-first');
    const sender = await openSender(await connect(broker().url), address);
    expect(await sendAll(sender, numbered(5))).toMatchObject({ accepted: 5 });
    for (let round = 0; round < 5; round++) {
      const conn = await connect(broker().url);
      // No waiting for the broker's attach: the flow goes out in the same write as the attach.
      const receiver = conn.open_receiver({ source: address, credit_window: 0, autoaccept: false });
      receiver.add_credit(5);
      const got = await collect(receiver, 5, 3000);
      expect(got.map((g) => g.message.body)).toEqual([0, 1, 2, 3, 4]);
      conn.close(); // unsettled: all five go back for the next round
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
