/**
 * salvo's transaction module against peers that refuse or misbehave: a rhea
 * container started in the test stands in for brokers without transactions
 * (none installable here refuses the coordinator the way the spec says).
 */
import { afterEach, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { EventContext, Receiver } from 'rhea';
import { CoordinatorTarget, TransactionController, TransactionError } from '../../../src/amqp/transactions/index.js';
import { closeClients, connect } from '../../helpers/amqp.js';
import { outcomeValue } from '../../../src/amqp/transactions/codec.js';

interface Peer {
  url: string;
  attaches: unknown[];
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  await closeClients();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A rhea server whose answer to a sender's attach (the controller) is `onAttach`. */
async function peer(
  onAttach: (receiver: Receiver, ctx: EventContext) => void,
  onMessage?: (ctx: EventContext) => void,
): Promise<Peer> {
  const container = rhea.create_container({ id: 'refusing-peer' });
  container.on('error', () => undefined);
  container.on('receiver_error', () => undefined);
  const attaches: unknown[] = [];
  container.on('receiver_open', (ctx: EventContext) => {
    const receiver = ctx.receiver as Receiver;
    attaches.push((receiver as unknown as { remote: { attach: { target: unknown } } }).remote.attach.target);
    onAttach(receiver, ctx);
  });
  if (onMessage) container.on('message', onMessage);
  const server = container.listen({ port: 0, host: '127.0.0.1', tcp_no_delay: true, autoaccept: false } as Parameters<
    typeof container.listen
  >[0]);
  servers.push(server);
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `amqp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attaches,
  };
}

describe('a peer without transactions', () => {
  test('detaching the coordinator link with amqp:not-implemented surfaces as TransactionError with its description', async () => {
    const refusing = await peer((receiver) => {
      receiver.close({ condition: 'amqp:not-implemented', description: 'this peer has no transaction coordinator' });
    });
    const conn = await connect(refusing.url);
    const error = await TransactionController.attach(conn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect(error).toMatchObject({ code: 'refused', condition: 'amqp:not-implemented', operation: 'attach' });
    expect((error as Error).message).toContain('this peer has no transaction coordinator');
    // What the peer saw: a coordinator target asking for local transactions.
    expect(refusing.attaches[0]).toBeInstanceOf(CoordinatorTarget);
    expect((refusing.attaches[0] as CoordinatorTarget).capabilities).toEqual(['amqp:local-transactions']);
  });

  test('ending the session instead (as RabbitMQ 3.10 does) surfaces the session error', async () => {
    const ending = await peer((receiver) => {
      (receiver as unknown as { session: { close(error: object): void } }).session.close({
        condition: 'amqp:not-implemented',
        description: 'Transactions not supported',
      });
    });
    const conn = await connect(ending.url);
    conn.on('session_error', () => undefined); // what an application would do; the controller only observes
    const error = await TransactionController.attach(conn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect(error).toMatchObject({ condition: 'amqp:not-implemented', operation: 'attach' });
    expect((error as Error).message).toContain('Transactions not supported');
  });

  test('a peer that answers the attach without a coordinator target and never detaches: amqp:transaction:timeout', async () => {
    // rhea's server answers the attach itself, with a null target: no coordinator, and no detach follows.
    const silent = await peer(() => undefined);
    const conn = await connect(silent.url);
    const error = await TransactionController.attach(conn, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect(error).toMatchObject({ condition: 'amqp:transaction:timeout' });
  });
});

describe('a coordinator that misbehaves', () => {
  /** Accepts the coordinator link (echoing its target) and answers controls with `answer`. */
  function coordinator(answer: (ctx: EventContext) => void): Promise<Peer> {
    return peer((receiver) => {
      const local = receiver as unknown as {
        local: { attach: { target: unknown } };
        remote: { attach: { target: unknown } };
      };
      local.local.attach.target = rhea.types.described(rhea.types.wrap_ulong(0x30), rhea.types.wrap_list([]));
      receiver.add_credit(10);
    }, answer);
  }

  test('declare rejected with an error: TransactionError carries its condition and description', async () => {
    const p = await coordinator((ctx) =>
      ctx.delivery?.reject({ condition: 'amqp:resource-limit-exceeded', description: 'too many transactions' }),
    );
    const controller = await TransactionController.attach(await connect(p.url));
    const error = await controller.declare().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect(error).toMatchObject({ condition: 'amqp:resource-limit-exceeded', operation: 'declare' });
    expect((error as Error).message).toContain('too many transactions');
  });

  test('declare answered with plain accepted (a fake coordinator): TransactionError, not a transaction without id', async () => {
    const p = await coordinator((ctx) => ctx.delivery?.update(true, outcomeValue('accepted')));
    const controller = await TransactionController.attach(await connect(p.url));
    await expect(controller.declare()).rejects.toMatchObject({
      condition: 'amqp:internal-error',
      operation: 'declare',
    });
  });

  test('declare never answered: TransactionError amqp:transaction:timeout', async () => {
    const p = await coordinator(() => undefined);
    const controller = await TransactionController.attach(await connect(p.url), { timeoutMs: 300 });
    await expect(controller.declare()).rejects.toMatchObject({ condition: 'amqp:transaction:timeout' });
  });

  test('commit rejected without an error: TransactionError amqp:transaction:rollback', async () => {
    const txnId = Buffer.from('peer-txn');
    let controls = 0;
    const p = await coordinator((ctx) => {
      // The first control is the declare, the rest discharges.
      if (++controls === 1) {
        ctx.delivery?.update(
          true,
          rhea.types.described(rhea.types.wrap_ulong(0x33), rhea.types.wrap_list([rhea.types.wrap_binary(txnId)])),
        );
      } else {
        ctx.delivery?.update(true, outcomeValue('rejected'));
      }
    });
    const controller = await TransactionController.attach(await connect(p.url));
    const txn = await controller.declare();
    expect(txn.id.equals(txnId)).toBe(true);
    await expect(txn.commit()).rejects.toMatchObject({ condition: 'amqp:transaction:rollback', operation: 'commit' });
  });

  test('the coordinator link detached while a declare is pending: the declare rejects with the detach error', async () => {
    const p = await coordinator((ctx) =>
      ctx.receiver?.close({ condition: 'amqp:transaction:rollback', description: 'coordinator going away' }),
    );
    const controller = await TransactionController.attach(await connect(p.url));
    const error = await controller.declare().catch((e: unknown) => e);
    expect(error).toMatchObject({ condition: 'amqp:transaction:rollback', operation: 'declare' });
    expect((error as Error).message).toContain('coordinator going away');
  });
});
