/**
 * Direct transfers (rhea-patches/direct-transfers.ts): the transfer frames the patch writes are
 * byte for byte the frames rhea's own encoder writes for the same fields, in every encoding form a
 * field can take (uint0 / smalluint / uint, vbin8 / vbin32, true / false / null); fields rhea
 * would encode otherwise, and transactional tags, still go through rhea's composite; and between
 * two rhea peers in this thread with the client patches on, deliveries arrive whole, in order, with
 * their tags, ids and settlement: past the session's 2,048-delivery ring, pre-settled, split into
 * several frames by a small max frame size, and on a link detached while deliveries were unsettled.
 */
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Connection, Delivery, EventContext, Receiver, Sender } from 'rhea';
import {
  enableTransactionTypes,
  encodeFrame,
  encodeFrames,
  markTransactionalTransfer,
  setupClientThread,
} from '../../src/amqp/rhea-patches/index.js';
import { DirectTransfer } from '../../src/amqp/rhea-patches/direct-transfers.js';
import { transactionalStateValue } from '../../src/amqp/transactions/codec.js';

const require = createRequire(import.meta.url);
interface Frame {
  type: number;
  channel?: number;
  performative?: unknown;
  payload?: Buffer;
}
type Fields = Record<string, unknown>;
const frames = require('rhea/lib/frames.js') as {
  transfer(fields: Fields): unknown;
  write_frame(frame: Frame): Buffer;
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): Frame;
};
// rhea's own transfer factory, before any patch in this file's thread.
const rheaTransfer = frames.transfer;
interface RingDelivery {
  id: number;
  update(settled: boolean, state?: unknown): void;
  [field: string]: unknown;
}
interface OutgoingHalf {
  send(sender: object, tag: Buffer, data: Buffer, format?: number): RingDelivery;
  pending_dispositions: RingDelivery[];
  next_delivery_id: number;
}
const SessionClass = require('rhea/lib/session.js') as new (
  connection: object,
  channel: number,
) => {
  outgoing: OutgoingHalf;
};
const outgoingProto = Object.getPrototypeOf(new SessionClass({ options: {} }, 0).outgoing) as OutgoingHalf;
// rhea's own Outgoing#send, before the outgoing deliveries patch.
const rheaSend = outgoingProto.send;

const filled = (bytes: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed) & 0xff));

/** The fields as rhea's Outgoing#process passes them. */
const fields = (over: Fields = {}): Fields => ({
  handle: 1,
  message_format: 0,
  delivery_id: 7,
  delivery_tag: Buffer.from('7'),
  settled: false,
  more: false,
  ...over,
});

const rheaBytes = (channel: number, f: Fields, payload?: Buffer): Buffer =>
  frames.write_frame(frames.amqp_frame(channel, rheaTransfer(f), payload));
const directBytes = (channel: number, f: Fields, payload?: Buffer): Buffer => {
  const performative = frames.transfer(f);
  expect(performative).toBeInstanceOf(DirectTransfer);
  return encodeFrame(frames.amqp_frame(channel, performative, payload));
};

beforeAll(() => setupClientThread());

describe('direct transfer frames are the bytes rhea writes', () => {
  const cases: [string, number, Fields, Buffer | undefined][] = [
    ['a 100-byte transfer', 1, fields(), filled(100, 1)],
    ['handle 0, delivery id 0 (uint0)', 0, fields({ handle: 0, delivery_id: 0 }), filled(10, 2)],
    ['handle and id 255 (smalluint)', 3, fields({ handle: 255, delivery_id: 255 }), filled(10, 3)],
    ['handle and id 256 (uint)', 3, fields({ handle: 256, delivery_id: 256 }), filled(10, 4)],
    ['the largest delivery id', 65_535, fields({ handle: 70_000, delivery_id: 0xffff_ffff }), filled(5, 5)],
    ['a message format', 2, fields({ message_format: 0x8001_3700 }), filled(20, 6)],
    ['an empty tag', 2, fields({ delivery_tag: Buffer.alloc(0) }), filled(20, 7)],
    ['a 255-byte tag (vbin8)', 2, fields({ delivery_tag: filled(255, 8) }), filled(20, 8)],
    ['a 256-byte tag (vbin32)', 2, fields({ delivery_tag: filled(256, 9) }), filled(20, 9)],
    ['settled', 1, fields({ settled: true }), filled(30, 10)],
    ['settled undefined (null)', 1, fields({ settled: undefined }), filled(30, 11)],
    ['more (a first fragment)', 1, fields({ more: true }), filled(30, 12)],
    ['no payload', 1, fields(), undefined],
    ['an empty payload', 1, fields(), Buffer.alloc(0)],
    ['a payload larger than the scratch', 1, fields(), filled(200 * 1024, 13)],
    ['a payload past the size at which the scratch is dropped', 1, fields(), filled(3 * 1024 * 1024, 14)],
    ['a transfer after the scratch was dropped', 1, fields({ delivery_id: 300 }), filled(100, 15)],
  ];

  test.each(cases)('%s', (_, channel, f, payload) => {
    expect(directBytes(channel, f, payload).equals(rheaBytes(channel, f, payload))).toBe(true);
  });

  test("a pass's frames, direct transfers among others, back to back in order", () => {
    const flow = frames.amqp_frame(
      1,
      (require('rhea/lib/frames.js') as { flow(f: Fields): unknown }).flow({
        incoming_window: 2048,
        next_outgoing_id: 4,
        outgoing_window: 2048,
      }),
    );
    const pass = [
      frames.amqp_frame(1, frames.transfer(fields({ delivery_id: 1 })), filled(100, 1)),
      flow,
      frames.amqp_frame(1, frames.transfer(fields({ delivery_id: 2, more: true })), filled(70_000, 2)),
      frames.amqp_frame(1, frames.transfer(fields({ delivery_id: 2 })), filled(10, 3)),
    ];
    const expected = Buffer.concat([
      rheaBytes(1, fields({ delivery_id: 1 }), filled(100, 1)),
      frames.write_frame(flow),
      rheaBytes(1, fields({ delivery_id: 2, more: true }), filled(70_000, 2)),
      rheaBytes(1, fields({ delivery_id: 2 }), filled(10, 3)),
    ]);
    expect(encodeFrames(pass).equals(expected)).toBe(true);
  });

  test("rhea's own writer (no pooled frames) writes a direct transfer as its composite", () => {
    const f = fields({ delivery_id: 1000 });
    const frame = frames.amqp_frame(4, frames.transfer(f), filled(50, 4));
    expect(frames.write_frame(frame).equals(rheaBytes(4, f, filled(50, 4)))).toBe(true);
  });
});

describe("what rhea would encode otherwise stays rhea's composite", () => {
  test.each([
    ['a delivery id past uint32', fields({ delivery_id: 2 ** 32 })],
    ['a negative handle', fields({ handle: -1 })],
    ['a fractional message format', fields({ message_format: 1.5 })],
    ['a string tag', fields({ delivery_tag: 'text-tag' })],
  ])('%s', (_, f) => {
    expect(frames.transfer(f)).not.toBeInstanceOf(DirectTransfer);
  });

  test('a transactional tag keeps its transfer state (transaction types applied after this patch)', () => {
    enableTransactionTypes();
    const tag = Buffer.from('direct-tx');
    const state = transactionalStateValue(Buffer.from('0a0b', 'hex'));
    markTransactionalTransfer(tag, state);
    const transfer = frames.transfer(fields({ delivery_tag: tag })) as { value: unknown[] };
    expect(transfer).not.toBeInstanceOf(DirectTransfer);
    expect(transfer.value).toContain(state);
    expect(frames.transfer(fields({ delivery_tag: Buffer.from('direct-tx') }))).toBeInstanceOf(DirectTransfer);
  });
});

describe('outgoing deliveries (rhea-patches/outgoing-deliveries.ts)', () => {
  /** A session half on a stand-in connection with this max frame size, and a stand-in link that counts registrations. */
  const half = (maxFrameSize: number | undefined) => {
    const connection = {
      options: {},
      max_frame_size: maxFrameSize,
      registered: 0,
      _register: () => connection.registered++,
    };
    const session = new SessionClass(connection, 0);
    return { outgoing: session.outgoing, link: { connection }, connection };
  };
  const fieldsOf = (d: RingDelivery): Record<string, unknown> =>
    Object.fromEntries(Object.entries(d).filter(([k, v]) => k !== 'outgoing' && typeof v !== 'function'));

  test.each([
    ['a whole payload', undefined, 100],
    ['a payload split at the max frame size', 200, 1_000],
  ])("%s: rhea's fields, id and fragments", (_, maxFrameSize, bytes) => {
    const ours = half(maxFrameSize);
    const theirs = half(maxFrameSize);
    for (let i = 0; i < 3; i++) {
      const tag = Buffer.from(`t${i}`);
      const payload = filled(bytes, i);
      const a = ours.outgoing.send(ours.link, tag, payload, i);
      const b = rheaSend.call(theirs.outgoing, theirs.link, tag, payload, i);
      expect(Object.getPrototypeOf(a)).not.toBe(Object.prototype);
      expect({ ...fieldsOf(a), link: null }).toEqual({ ...fieldsOf(b), link: null });
      expect(a.link).toBe(ours.link);
    }
    expect(ours.outgoing.next_delivery_id).toBe(3);
  });

  test("update settles through the session half, as rhea's closure does", () => {
    const ours = half(undefined);
    const delivery = ours.outgoing.send(ours.link, Buffer.from('u'), filled(10, 1));
    delivery.update(true, 'state');
    expect(delivery.settled).toBe(true);
    expect(delivery.state).toBe('state');
    expect(ours.outgoing.pending_dispositions).toEqual([delivery]);
    expect(ours.connection.registered).toBe(1);
  });
});

describe('between two rhea peers, the client patches on', () => {
  let server: Server;
  let port = 0;
  const arrived = new Map<string, { bodies: string[]; tags: string[]; settled: boolean[] }>();
  const held: Delivery[] = [];
  const connections: Connection[] = [];

  beforeAll(async () => {
    const peer = rhea.create_container({ id: 'direct-transfers-peer' });
    peer.on('message', (context: EventContext) => {
      const address = (context.receiver as Receiver).name;
      const seen = arrived.get(address) ?? { bodies: [], tags: [], settled: [] };
      arrived.set(address, seen);
      const delivery = context.delivery as Delivery & { tag: Buffer; remote_settled: boolean };
      seen.bodies.push(String(context.message?.body));
      seen.tags.push(delivery.tag.toString());
      seen.settled.push(delivery.remote_settled);
      // Deliveries on a 'hold' link stay unsettled: the sender detaches with them in its ring.
      if (address.startsWith('hold')) held.push(delivery);
      else if (!delivery.remote_settled) delivery.accept();
      // A pre-settled delivery is settled here too (no disposition goes), or it pins the peer's incoming ring.
      else delivery.update(true);
    });
    server = peer.listen({
      port: 0,
      host: '127.0.0.1',
      // Small frames: a 5 KiB message goes as several transfers with `more` set.
      max_frame_size: 1024,
      autoaccept: false,
    } as Parameters<typeof peer.listen>[0]) as unknown as Server;
    await new Promise<void>((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.close();
  });

  const open = async (name: string, presettled = false): Promise<{ connection: Connection; sender: Sender }> => {
    const client = rhea.create_container({ id: `direct-transfers-${name}` });
    const connection = client.connect({ port, host: '127.0.0.1', reconnect: false });
    connections.push(connection);
    const sender = connection.open_sender({ name, target: { address: name }, snd_settle_mode: presettled ? 1 : 0 });
    await new Promise<void>((resolve) => sender.once('sendable', () => resolve()));
    return { connection, sender };
  };

  const waitFor = async (what: () => boolean, label: () => string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!what()) {
      if (Date.now() > deadline) throw new Error(label());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  /** Sends `count` messages as the peer's credit allows; resolves when `done` holds. */
  const sendAll = async (sender: Sender, count: number, body: (i: number) => string, done: () => boolean) => {
    let next = 0;
    const pump = (): void => {
      while (next < count && sender.sendable()) {
        sender.send({ body: body(next) }, Buffer.from(`tag-${next}`));
        next++;
      }
    };
    sender.on('sendable', pump);
    pump();
    await waitFor(done, () => `sent ${next} of ${count}`);
  };

  test('5,000 unsettled deliveries on one session (the 2,048 ring wraps): in order, tags and ids kept, all accepted', async () => {
    const { sender } = await open('ring');
    const count = 5_000;
    let accepted = 0;
    const ids: number[] = [];
    sender.on('accepted', (context: EventContext) => {
      accepted++;
      ids.push((context.delivery as Delivery & { id: number }).id);
    });
    await sendAll(
      sender,
      count,
      (i) => `m-${i}`,
      () => accepted === count,
    );
    const seen = arrived.get('ring');
    expect(seen?.bodies).toEqual(Array.from({ length: count }, (_, i) => `m-${i}`));
    expect(seen?.tags).toEqual(Array.from({ length: count }, (_, i) => `tag-${i}`));
    expect(seen?.settled.every((s) => !s)).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  test('3,000 pre-settled deliveries arrive settled, in order', async () => {
    const { sender } = await open('presettled', true);
    const count = 3_000;
    await sendAll(
      sender,
      count,
      (i) => `p-${i}`,
      () => (arrived.get('presettled')?.bodies.length ?? 0) === count,
    );
    const seen = arrived.get('presettled');
    expect(seen?.bodies).toEqual(Array.from({ length: count }, (_, i) => `p-${i}`));
    expect(seen?.settled.every((s) => s)).toBe(true);
  });

  test('messages larger than the max frame size arrive whole (several transfers each)', async () => {
    const { sender } = await open('large');
    const count = 50;
    const big = (i: number): string => `${i}:`.padEnd(5_000 + i, String.fromCharCode(97 + (i % 26)));
    let accepted = 0;
    sender.on('accepted', () => accepted++);
    await sendAll(sender, count, big, () => accepted === count);
    expect(arrived.get('large')?.bodies).toEqual(Array.from({ length: count }, (_, i) => big(i)));
  });

  test('passes larger than the pass buffer (600 KB messages among small ones) arrive whole', async () => {
    const { sender } = await open('chunks');
    const count = 60;
    const body = (i: number): string => (i % 20 === 7 ? `${i}:`.padEnd(600_000, 'xyz') : `small-${i}`);
    let accepted = 0;
    sender.on('accepted', () => accepted++);
    await sendAll(sender, count, body, () => accepted === count);
    expect(arrived.get('chunks')?.bodies).toEqual(Array.from({ length: count }, (_, i) => body(i)));
  });

  test('a link detached with unsettled deliveries: the session sends on, on a new link', async () => {
    const { connection, sender } = await open('hold-1');
    const heldBefore = held.length;
    await sendAll(
      sender,
      100,
      (i) => `h-${i}`,
      () => held.length - heldBefore === 100,
    );
    const closed = new Promise<void>((resolve) => sender.once('sender_close', () => resolve()));
    sender.close();
    await closed;
    const session = (sender as unknown as { session: { open_sender(o: object): Sender } }).session;
    const next = session.open_sender({ name: 'after-hold', target: { address: 'after-hold' } });
    await new Promise<void>((resolve) => next.once('sendable', () => resolve()));
    let accepted = 0;
    next.on('accepted', () => accepted++);
    // The 100 held deliveries still pin the head of the session's 2,048-slot ring (rhea's rule): 1,500 fit behind them.
    await sendAll(
      next,
      1_500,
      (i) => `a-${i}`,
      () => accepted === 1_500,
    );
    expect(arrived.get('after-hold')?.bodies).toEqual(Array.from({ length: 1_500 }, (_, i) => `a-${i}`));
    expect(connection.is_open()).toBe(true);
  });
});
