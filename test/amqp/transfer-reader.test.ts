/**
 * The transfer reader (rhea-patches/transfer-reader.ts) against rhea's own frame reader: for
 * every transfer shape it reads, the same fields, channel, size and payload; for what it leaves
 * to rhea (a delivery state, other encodings, malformed bytes) nothing. rhea's reader is not
 * patched in this file, so it is the reference.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import rhea from 'rhea';
import { readTransferFrame } from '../../src/amqp/rhea-patches/index.js';

const require = createRequire(import.meta.url);
interface Performative {
  [field: string]: unknown;
}
interface RheaFrame {
  size: number;
  type: number;
  channel: number;
  performative?: Performative;
  payload?: Buffer;
}
const frames = require('rhea/lib/frames.js') as {
  transfer(fields: Record<string, unknown>): Performative;
  disposition(fields: Record<string, unknown>): Performative;
  write_frame(frame: unknown): Buffer;
  read_frame(buffer: Buffer): RheaFrame;
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): unknown;
};
const message = rhea.message as unknown as { accepted(): { described(): unknown } };

const FIELDS = [
  'handle',
  'delivery_id',
  'delivery_tag',
  'message_format',
  'settled',
  'more',
  'rcv_settle_mode',
  'state',
  'resume',
  'aborted',
  'batchable',
] as const;
const PAYLOAD = Buffer.from([0x00, 0x53, 0x75, 0xa0, 0x03, 0x61, 0x62, 0x63]);

function encode(fields: Record<string, unknown>, payload?: Buffer, channel = 0): Buffer {
  return frames.write_frame(frames.amqp_frame(channel, frames.transfer(fields), payload));
}

/** Both readers' view of `bytes`, field by field, as plain values. */
function expectSameAsRhea(bytes: Buffer): void {
  const fast = readTransferFrame(bytes);
  expect(fast, 'read by the fast path').toBeDefined();
  const reference = frames.read_frame(bytes);
  const fastFields = fast?.performative as Performative;
  for (const name of FIELDS) expect(fastFields[name], name).toStrictEqual(reference.performative?.[name]);
  expect(fast?.channel).toBe(reference.channel);
  expect(fast?.size).toBe(reference.size);
  expect(fast?.type).toBe(reference.type);
  expect(fast?.payload).toStrictEqual(reference.payload);
}

/** A transfer's bytes with the list built by hand: `items` are the encoded fields, in order. */
function handBuilt(items: number[][], payload: Buffer = PAYLOAD, list32 = false): Buffer {
  const body = Buffer.from(items.flat());
  const list = list32
    ? Buffer.concat([Buffer.from([0xd0]), u32(body.length + 4), u32(items.length), body])
    : Buffer.from([0xc0, body.length + 1, items.length, ...body]);
  const frameBody = Buffer.concat([Buffer.from([0x00, 0x53, 0x14]), list, payload]);
  return Buffer.concat([u32(frameBody.length + 8), Buffer.from([0x02, 0x00, 0x00, 0x03]), frameBody]);
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

describe('transfers rhea writes', () => {
  const ids = [0, 1, 255, 256, 70_000, 4_294_967_295];
  test.each(ids)('delivery-id and handle %d (uint0, smalluint, uint)', (id) => {
    expectSameAsRhea(
      encode(
        { handle: id, delivery_id: id, delivery_tag: Buffer.from('t'), message_format: 0, settled: false },
        PAYLOAD,
        7,
      ),
    );
  });

  test.each([0, 1, 8, 16, 32, 255, 256, 1000])('delivery-tag of %d bytes', (length) => {
    const tag = Buffer.alloc(length, 0x5a);
    expectSameAsRhea(encode({ handle: 1, delivery_id: 5, delivery_tag: tag, message_format: 0, settled: true }));
  });

  test('absent optional fields: only the handle', () => {
    expectSameAsRhea(encode({ handle: 3 }, PAYLOAD));
  });

  test('a continuation frame of a multi-frame delivery (more, no id or tag)', () => {
    expectSameAsRhea(encode({ handle: 0, more: true }, PAYLOAD));
    expectSameAsRhea(encode({ handle: 0, delivery_id: 9, delivery_tag: Buffer.from('x'), more: true }, PAYLOAD));
  });

  test('settled and unsettled, aborted, resume, batchable, rcv-settle-mode, a message format', () => {
    const base = { handle: 2, delivery_id: 300, delivery_tag: Buffer.from('abc'), message_format: 0x80013700 };
    for (const settled of [true, false]) expectSameAsRhea(encode({ ...base, settled }));
    expectSameAsRhea(encode({ ...base, aborted: true, more: false }));
    expectSameAsRhea(encode({ ...base, resume: true, batchable: true, rcv_settle_mode: 1 }));
    expectSameAsRhea(encode({ ...base, batchable: false, rcv_settle_mode: 0, more: false }));
  });

  test('no payload', () => {
    expectSameAsRhea(encode({ handle: 0, delivery_id: 1, delivery_tag: Buffer.from('a') }));
  });

  test('a large payload and a list32 list (a tag over 255 bytes)', () => {
    expectSameAsRhea(
      encode({ handle: 0, delivery_id: 1, delivery_tag: Buffer.alloc(300, 1) }, Buffer.alloc(70_000, 7)),
    );
  });
});

describe('encodings other peers write', () => {
  test('nulls for absent fields, a boolean as 0x56 with its byte, a uint in four bytes, vbin32, list32', () => {
    const items = [
      [0x70, 0, 0, 0, 1], // handle: uint 1 in four bytes
      [0x70, 0, 0, 0, 0], // delivery-id: uint 0 in four bytes
      [0xb0, 0, 0, 0, 2, 0x01, 0x02], // delivery-tag: vbin32
      [0x40], // message-format: null
      [0x56, 0x01], // settled: boolean 1
      [0x56, 0x00], // more: boolean 0
      [0x40], // rcv-settle-mode: null
      [0x40], // state: null
      [0x40], // resume: null
      [0x42], // aborted: false
      [0x41], // batchable: true
    ];
    expectSameAsRhea(handBuilt(items));
    expectSameAsRhea(handBuilt(items, PAYLOAD, true));
    expectSameAsRhea(handBuilt(items.slice(0, 3)));
  });

  test('a frame with an extended header (doff 3)', () => {
    const plain = encode({ handle: 0, delivery_id: 1, delivery_tag: Buffer.from('a') }, PAYLOAD);
    const extended = Buffer.concat([plain.subarray(0, 8), Buffer.alloc(4), plain.subarray(8)]);
    extended.writeUInt32BE(extended.length, 0);
    extended[4] = 3;
    expectSameAsRhea(extended);
  });
});

describe('what the fast path leaves to rhea', () => {
  test('a transfer carrying a delivery state', () => {
    const fields = frames.transfer({ handle: 0, delivery_id: 1, delivery_tag: Buffer.from('a') });
    (fields as unknown as { value: unknown[] }).value[7] = message.accepted().described();
    const bytes = frames.write_frame(frames.amqp_frame(0, fields, PAYLOAD));
    expect(frames.read_frame(bytes).performative?.handle).toBe(0);
    expect(readTransferFrame(bytes)).toBeUndefined();
  });

  test('other performatives, SASL frames, empty frames and a symbolic descriptor', () => {
    const disposition = frames.write_frame(frames.amqp_frame(0, frames.disposition({ role: true, first: 1 })));
    expect(readTransferFrame(disposition)).toBeUndefined();
    const sasl = encode({ handle: 0 });
    sasl[5] = 0x01;
    expect(readTransferFrame(sasl)).toBeUndefined();
    expect(readTransferFrame(Buffer.from([0, 0, 0, 8, 2, 0, 0, 0]))).toBeUndefined();
    const symbol = Buffer.from('amqp:transfer:list', 'ascii');
    const body = Buffer.concat([Buffer.from([0x00, 0xa3, symbol.length]), symbol, Buffer.from([0xc0, 2, 1, 0x43])]);
    const symbolic = Buffer.concat([u32(body.length + 8), Buffer.from([2, 0, 0, 0]), body]);
    expect(frames.read_frame(symbolic).performative?.handle).toBe(0);
    expect(readTransferFrame(symbolic)).toBeUndefined();
  });

  test('a list whose size disagrees with its items, a tag past the frame, more than eleven fields', () => {
    const good = handBuilt([[0x43], [0x43], [0xa0, 1, 0x61]]);
    expect(readTransferFrame(good)).toBeDefined();
    const longer = Buffer.from(good);
    longer[12] += 1; // the list's size, one byte too many: the payload's first byte would be in the list
    expect(readTransferFrame(longer)).toBeUndefined();
    const pastEnd = handBuilt([[0x43], [0x43], [0xa0, 200, 0x61]], Buffer.alloc(0));
    expect(readTransferFrame(pastEnd)).toBeUndefined();
    const twelve = handBuilt([...Array.from({ length: 11 }, () => [0x40]), [0x40]]);
    expect(readTransferFrame(twelve)).toBeUndefined();
  });

  test('random damage to a transfer: the fast path reads it as rhea does, or leaves it to rhea', () => {
    const original = encode(
      { handle: 1, delivery_id: 70_000, delivery_tag: Buffer.from('tag-1'), message_format: 0, settled: false },
      PAYLOAD,
    );
    // A fixed seed: the same 10,000 inputs every run.
    let seed = 23;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    let read = 0;
    for (let i = 0; i < 10_000; i++) {
      const bytes = Buffer.from(original);
      for (let k = 1 + random(3); k > 0; k--) bytes[8 + random(bytes.length - 8)] = random(256);
      const fast = readTransferFrame(bytes);
      if (!fast) continue;
      read++;
      expectSameAsRhea(bytes);
    }
    // Most damage lands in the payload or in values, which the fast path still reads.
    expect(read).toBeGreaterThan(0);
  });
});
