/**
 * Settlements as disposition ranges (rhea-patches/disposition-ranges.ts): which ranges a pass's
 * updates become; a sending session's settlements in one pass, mixed outcomes on consecutive ids
 * and settlements made by the pass's own events, as the exact disposition frames a rhea peer
 * receives (rhea's own Outgoing#process folds them); and, end to end against the embedded broker
 * with this thread's receivers on the receiver worker's patches (transfers read from their bytes, deliveries without closures,
 * exact ranges, events passed up directly), that every outcome lands as given, over more than
 * the 2,048 deliveries a session's ring holds, when the link, session or connection ends
 * holding unsettled deliveries, and when a transaction's discharge has the broker settle
 * consecutive deliveries with different outcomes in one pass.
 */
import type { AddressInfo, Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Connection, Delivery, EventContext, Receiver, Sender, Session } from 'rhea';
import { dispositionRanges, writeDispositionRanges } from '../../src/amqp/rhea-patches/disposition-ranges.js';
import { eventDispatch } from '../../src/amqp/rhea-patches/event-dispatch.js';
import { incomingDeliveries } from '../../src/amqp/rhea-patches/incoming-deliveries.js';
import { transferReader } from '../../src/amqp/rhea-patches/transfer-reader.js';
import { TransactionController } from '../../src/amqp/transactions/index.js';
import { transactionalStateValue } from '../../src/amqp/transactions/codec.js';
import {
  closeClients,
  collect,
  connect,
  destroy,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';

interface Range {
  first: number;
  last: number;
  state: string;
  settled: boolean;
}
const message = rhea.message as unknown as {
  accepted(): { described(): unknown };
  rejected(fields: object): { described(): unknown };
  released(): { described(): unknown };
  modified(fields: object): { described(): unknown };
};
const OUTCOMES: Record<string, () => unknown> = {
  accepted: () => message.accepted().described(),
  rejected: () => message.rejected({}).described(),
  released: () => message.released().described(),
  modified: () => message.modified({ undeliverable_here: true }).described(),
};
const NAMES: Record<number, string> = { 0x24: 'accepted', 0x25: 'rejected', 0x26: 'released', 0x27: 'modified' };

/** Deliveries with ids and outcomes as given, on one fake link whose session records each disposition written. */
function pass(updates: readonly [number, string | undefined, boolean][]): Range[] {
  const written: Range[] = [];
  const link = {
    is_receiver: () => true,
    session: {
      output(frame: { first: number; last: number; state?: { descriptor?: { value: number } }; settled: boolean }) {
        const code = frame.state?.descriptor?.value;
        written.push({
          first: frame.first,
          last: frame.last,
          state: code === undefined ? 'none' : NAMES[code],
          settled: frame.settled,
        });
      },
    },
  };
  const byId = new Map<number, object>();
  const deliveries = updates.map(([id, outcome, settled]) => {
    const delivery = byId.get(id) ?? { id, link, settled, state: outcome ? OUTCOMES[outcome]() : undefined };
    byId.set(id, delivery);
    return delivery;
  });
  writeDispositionRanges(deliveries as Parameters<typeof writeDispositionRanges>[0]);
  return written;
}

describe('the ranges a pass writes', () => {
  test('consecutive accepts are one range, across ids past the 2,048-slot ring', () => {
    const updates = Array.from({ length: 5000 }, (_, i) => [2040 + i, 'accepted', true] as [number, string, boolean]);
    expect(pass(updates)).toEqual([{ first: 2040, last: 7039, state: 'accepted', settled: true }]);
  });

  test('an outcome change cuts a range, both ways, even after a single delivery', () => {
    expect(
      pass([
        [1, 'modified', true],
        [2, 'accepted', true],
        [3, 'accepted', true],
        [4, 'rejected', true],
        [5, 'released', true],
        [6, 'released', true],
        [7, 'accepted', true],
      ]),
    ).toEqual([
      { first: 1, last: 1, state: 'modified', settled: true },
      { first: 2, last: 3, state: 'accepted', settled: true },
      { first: 4, last: 4, state: 'rejected', settled: true },
      // Only accepted batches (rhea's rule): two releases are two dispositions.
      { first: 5, last: 5, state: 'released', settled: true },
      { first: 6, last: 6, state: 'released', settled: true },
      { first: 7, last: 7, state: 'accepted', settled: true },
    ]);
  });

  test('a gap in ids, a change of settled flag, no outcome, and a delivery updated twice', () => {
    expect(
      pass([
        [10, 'accepted', true],
        [11, 'accepted', true],
        [13, 'accepted', true],
        [14, 'accepted', false],
        [15, undefined, true],
        [15, undefined, true],
        [16, undefined, true],
      ]),
    ).toEqual([
      { first: 10, last: 11, state: 'accepted', settled: true },
      { first: 13, last: 13, state: 'accepted', settled: true },
      { first: 14, last: 14, state: 'accepted', settled: false },
      { first: 15, last: 16, state: 'none', settled: true },
    ]);
  });

  test('nothing pending, nothing written', () => {
    expect(pass([])).toEqual([]);
  });
});

describe("a sending session's settlements, between two rhea peers in this thread", () => {
  interface Written {
    first: number;
    last: number;
    settled: boolean;
  }
  let server: Server;
  let port = 0;
  const written: Written[] = [];
  /** Each delivery's outcome as the receiving peer saw it settle, by delivery id. */
  const outcomes = new Map<number, string>();
  const received: Delivery[] = [];
  const connections: Connection[] = [];

  beforeAll(async () => {
    dispositionRanges.apply();
    const peer = rhea.create_container({ id: 'disposition-ranges-peer' });
    peer.on('receiver_open', (context: EventContext) => {
      // The disposition frames as they arrive, before rhea spreads each range over its deliveries.
      const session = context.session as Session & { on_disposition(frame: { performative: Written }): void };
      const onDisposition = session.on_disposition;
      session.on_disposition = function (frame) {
        const { first, last, settled } = frame.performative;
        written.push({ first, last: last ?? first, settled: settled === true });
        onDisposition.call(this, frame);
      };
    });
    peer.on('message', (context: EventContext) => received.push(context.delivery as Delivery));
    peer.on('settled', (context: EventContext) => {
      const delivery = context.delivery as Delivery & {
        id: number;
        remote_state?: { constructor: { composite_type?: string } };
      };
      outcomes.set(delivery.id, delivery.remote_state?.constructor.composite_type ?? 'none');
    });
    server = peer.listen({ port: 0, host: '127.0.0.1', autoaccept: false } as Parameters<
      typeof peer.listen
    >[0]) as unknown as Server;
    await new Promise<void>((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.close();
  });

  /** A sender that settles nothing by itself, with `count` deliveries the peer holds unsettled. */
  async function sent(count: number): Promise<{ sender: Sender; deliveries: Delivery[] }> {
    const connection = rhea.create_container({ id: 'disposition-ranges-sender' }).connect({
      port,
      host: '127.0.0.1',
      reconnect: false,
    });
    connections.push(connection);
    const sender = connection.open_sender({ target: { address: 'ranges' }, autosettle: false });
    await new Promise<void>((resolve) => sender.once('sendable', () => resolve()));
    const deliveries = Array.from({ length: count }, (_, i) => sender.send({ body: i }) as Delivery);
    await until(() => received.length >= count || undefined, 5000, 'every delivery at the peer');
    return { sender, deliveries };
  }

  test('mixed outcomes on consecutive ids, settled in one pass: exact ranges, each outcome as given', async () => {
    const { deliveries } = await sent(9);
    const given: (string | undefined)[] = [
      'accepted',
      'rejected',
      'released',
      undefined,
      'accepted',
      'accepted',
      'modified',
      undefined,
      'accepted',
    ];
    deliveries.forEach((delivery, i) => {
      const outcome = given[i];
      (delivery as Delivery & { update(settled: boolean, state?: unknown): void }).update(
        true,
        outcome ? OUTCOMES[outcome]() : undefined,
      );
    });
    await until(() => outcomes.size === given.length || undefined, 5000, 'every settlement at the peer');
    expect(given.map((_, i) => outcomes.get(i))).toEqual(given.map((outcome) => outcome ?? 'none'));
    expect(written).toEqual([
      { first: 0, last: 0, settled: true },
      { first: 1, last: 1, settled: true },
      { first: 2, last: 2, settled: true },
      { first: 3, last: 3, settled: true },
      { first: 4, last: 5, settled: true },
      { first: 6, last: 6, settled: true },
      { first: 7, last: 7, settled: true },
      { first: 8, last: 8, settled: true },
    ]);
  });

  test("settlements queued by the pass's own events go out with it, once each, exact", async () => {
    written.length = 0;
    outcomes.clear();
    received.length = 0;
    const { sender, deliveries } = await sent(3);
    const [first, second, third] = deliveries as (Delivery & { id: number; update(s: boolean, o?: unknown): void })[];
    // Settled before the pass that dispatches the peer's accept.
    third.update(true, OUTCOMES.accepted());
    sender.on('accepted', (context: EventContext) => {
      if (context.delivery !== first) return;
      // In the pass's events: no outcome for the accepted one, rejected for the next id.
      first.update(true);
      second.update(true, OUTCOMES.rejected());
    });
    // The peer accepts without settling: the sender's 'accepted' event settles.
    (received[0] as Delivery & { update(settled: boolean, state?: unknown): void }).update(false, OUTCOMES.accepted());
    await until(() => outcomes.size === 3 || undefined, 5000, 'every settlement at the peer');
    const base = first.id;
    // The first settled with no outcome of the sender's; rhea would fold the rejected second into it.
    expect([0, 1, 2].map((i) => outcomes.get(base + i))).toEqual(['none', 'rejected', 'accepted']);
    expect(written.filter((w) => w.settled)).toEqual([
      { first: base + 2, last: base + 2, settled: true },
      { first: base, last: base, settled: true },
      { first: base + 1, last: base + 1, settled: true },
    ]);
  });
});

describe('end to end against the embedded broker', () => {
  const broker = useBroker();
  beforeAll(() => {
    // This thread's receivers as a receiver worker's (the broker thread applies its own set).
    transferReader.apply();
    incomingDeliveries.apply();
    dispositionRanges.apply();
    eventDispatch.apply();
  });
  afterEach(closeClients);

  /** The outcome the test gives message n: mostly accepted, with runs cut by the others. */
  function outcomeOf(n: number): 'accept' | 'reject' | 'modified' {
    if (n % 11 === 5) return 'reject';
    if (n % 7 === 3 || n % 13 === 0) return 'modified';
    return 'accept';
  }
  function settle(delivery: Delivery, n: number): void {
    const outcome = outcomeOf(n);
    if (outcome === 'accept') delivery.accept();
    else if (outcome === 'reject') delivery.reject({ condition: 'test:rejected', description: 'by the test' });
    else delivery.modified({ undeliverable_here: true });
  }
  function expected(from: number, to: number): { accepted: number; rejected: number; modified: number } {
    const counts = { accepted: 0, rejected: 0, modified: 0 };
    for (let n = from; n < to; n++) {
      const outcome = outcomeOf(n);
      if (outcome === 'accept') counts.accepted++;
      else if (outcome === 'reject') counts.rejected++;
      else counts.modified++;
    }
    return counts;
  }

  async function filled(count: number, label: string): Promise<string> {
    const address = queueName(label);
    const outcomes = await sendAll(await openSender(await connect(broker().url), address), numbered(count));
    expect(outcomes.accepted).toBe(count);
    return address;
  }

  /** A receiver with exactly `credit` credit that settles message n by outcomeOf(n) while n < `settleBelow`. */
  async function settling(address: string, credit: number, settleBelow: number) {
    const receiver: Receiver = await openReceiver(await connect(broker().url), {
      source: address,
      credit_window: 0,
      autoaccept: false,
    });
    const seen: number[] = [];
    receiver.on('message', (ctx: EventContext) => {
      const n = ctx.message?.body as number;
      seen.push(n);
      if (n < settleBelow) settle(ctx.delivery as Delivery, n);
    });
    receiver.add_credit(credit);
    return { receiver, seen };
  }

  test('5,000 deliveries on one session, mixed outcomes: each lands as given', async () => {
    const count = 5000;
    const address = await filled(count, 'ranges');
    const { seen } = await settling(address, count, count);
    await until(() => seen.length === count || undefined, 20_000, 'every message received');
    const want = expected(0, count);
    const stats = await until(
      async () => {
        const s = await queueStats(broker(), address);
        return s.acknowledged + s.rejected === want.accepted + want.rejected ? s : undefined;
      },
      5000,
      'every outcome counted',
    );
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(stats).toMatchObject({ acknowledged: want.accepted, rejected: want.rejected, depth: want.modified });
  });

  test('messages larger than the frame size arrive whole, split over several transfer frames', async () => {
    const address = queueName('frames');
    const bodies = [700, 1500, 5000].map((size, i) => Buffer.alloc(size, 0x41 + i));
    const outcomes = await sendAll(
      await openSender(await connect(broker().url), address),
      bodies.map((body) => ({ body })),
    );
    expect(outcomes.accepted).toBe(bodies.length);
    const receiver = await openReceiver(await connect(broker().url, { max_frame_size: 512 }), {
      source: address,
      credit_window: 0,
    });
    const got: Buffer[] = [];
    receiver.on('message', (ctx: EventContext) => got.push(Buffer.from(ctx.message?.body as Buffer)));
    receiver.add_credit(bodies.length);
    await until(() => got.length === bodies.length || undefined, 5000, 'the large messages');
    expect(got).toEqual(bodies);
    const stats = await until(
      async () => {
        const s = await queueStats(broker(), address);
        return s.acknowledged === bodies.length ? s : undefined;
      },
      5000,
      'the large messages accepted',
    );
    expect(stats.depth).toBe(0);
  });

  test("a transaction's acquisitions on consecutive ids, mixed outcomes: at commit the broker settles each with its own", async () => {
    const address = await filled(4, 'tx-ranges');
    const conn = await connect(broker().url);
    const controller = await TransactionController.attach(conn);
    const receiver = await openReceiver(conn, { source: address, credit_window: 0, autoaccept: false });
    // The broker's settlements as they arrive: its outcome per delivery.
    const settledWith = new Map<number, string>();
    receiver.on('settled', (context: EventContext) => {
      const delivery = context.delivery as Delivery & {
        id: number;
        remote_state?: { constructor: { composite_type?: string } };
      };
      settledWith.set(delivery.id, delivery.remote_state?.constructor.composite_type ?? 'none');
    });
    receiver.add_credit(4);
    const got = await collect(receiver, 4);
    const txn = await controller.declare();
    const given = ['accepted', 'released', 'accepted', 'accepted'] as const;
    // Unsettled, under the transaction: the broker holds them and settles at discharge, all in one pass.
    got.forEach(({ delivery }, i) =>
      (delivery as Delivery & { update(settled: boolean, state: unknown): void }).update(
        false,
        transactionalStateValue(txn.id, given[i]),
      ),
    );
    // The dispositions' pass writes before the discharge is sent.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await txn.commit();
    const ids = got.map(({ delivery }) => (delivery as Delivery & { id: number }).id);
    await until(() => settledWith.size === given.length || undefined, 5000, 'every delivery settled by the broker');
    expect(ids.map((id) => settledWith.get(id))).toEqual([...given]);
    const stats = await until(
      async () => {
        const s = await queueStats(broker(), address);
        return s.acknowledged === 3 ? s : undefined;
      },
      5000,
      'the accepted three acknowledged',
    );
    expect(stats.depth).toBe(1);
  });

  test.each(['link detached', 'session ended', 'connection dropped'] as const)(
    '%s holding unsettled deliveries: the settled ones land, the rest come back',
    async (ending) => {
      const total = 3000;
      const settled = 2500;
      const address = await filled(total, 'ending');
      // Credit for what the ring holds unsettled; rhea refills nothing (credit_window 0).
      const { receiver, seen } = await settling(address, total, settled);
      await until(() => seen.length === total || undefined, 20_000, 'every message received');
      if (ending === 'link detached') receiver.detach();
      else if (ending === 'session ended') receiver.session.close();
      else destroy(receiver.connection);
      const want = expected(0, settled);
      const stats = await until(
        async () => {
          const s = await queueStats(broker(), address);
          return s.depth === want.modified + (total - settled) ? s : undefined;
        },
        5000,
        'the unsettled back on the queue',
      );
      expect(stats).toMatchObject({ acknowledged: want.accepted, rejected: want.rejected });
    },
  );
});
