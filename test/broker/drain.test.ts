/**
 * A flow with drain=true is answered (AMQP 1.0 section 2.6.7): once the credit is used up
 * or given up, the broker sends a flow with delivery-count advanced, link-credit 0 and drain
 * echoed. Clients such as go-amqp's DrainCredit and Qpid JMS's receiveNoWait wait for it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { Receiver } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { useBroker } from '../helpers/broker.js';
import { within } from '../helpers/wait.js';

afterEach(closeClients);

const broker = useBroker();

interface DrainState {
  credit: number;
  delivery_count: number;
  drain: boolean;
}

function drained(receiver: Receiver, ms = 3000): Promise<DrainState> {
  const state = receiver as unknown as DrainState;
  return within(
    new Promise<DrainState>((resolve) =>
      receiver.once('receiver_drained', () => {
        // rhea never clears its own drain flag; a later flow would ask again.
        state.drain = false;
        resolve({ credit: state.credit, delivery_count: state.delivery_count, drain: true });
      }),
    ),
    ms,
    'drain answered',
  );
}

async function manual(address: string): Promise<Receiver> {
  return openReceiver(await connect(broker().url), { source: address, credit_window: 0, autoaccept: true });
}

describe('drain', () => {
  test('credit 10 on an empty queue: answered with link-credit 0 and delivery-count advanced by 10', async () => {
    const receiver = await manual(queueName('drain-empty'));
    receiver.add_credit(10);
    const answer = drained(receiver);
    receiver.drain_credit();
    expect(await answer).toMatchObject({ credit: 0, delivery_count: 10 });
  });

  test('a drain that carries no credit is answered too', async () => {
    const receiver = await manual(queueName('drain-zero'));
    const answer = drained(receiver);
    receiver.drain_credit();
    expect(await answer).toMatchObject({ credit: 0, delivery_count: 0 });
  });

  test('credit 10 with 3 queued: the 3 arrive, then the rest is given up', async () => {
    const address = queueName('drain-some');
    expect((await sendAll(await openSender(await connect(broker().url), address), numbered(3))).accepted).toBe(3);
    const receiver = await manual(address);
    const got = collect(receiver, 3);
    receiver.add_credit(10);
    const answer = drained(receiver);
    receiver.drain_credit();
    expect(await got).toHaveLength(3);
    expect(await answer).toMatchObject({ credit: 0, delivery_count: 10 });
  });

  test('after a drain, new credit brings new messages', async () => {
    const address = queueName('drain-again');
    const receiver = await manual(address);
    receiver.add_credit(5);
    const answer = drained(receiver);
    receiver.drain_credit();
    await answer;
    expect((await sendAll(await openSender(await connect(broker().url), address), numbered(2))).accepted).toBe(2);
    const got = collect(receiver, 2);
    receiver.add_credit(2);
    expect(await got).toHaveLength(2);
  });
});
