/**
 * The pooled frame encoder (rhea-patches/pooled-frames.ts) writes byte for byte what rhea's own
 * frames.write_frame writes, for the frames a run exchanges: transfers (small, larger than the
 * scratch, larger than the size at which the scratch is dropped), flows, dispositions, attaches,
 * an empty frame (heartbeat) and a SASL frame; and one after another, so no frame leaks into the next.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import rhea from 'rhea';
import { encodeFrame, encodeFrames } from '../../src/amqp/rhea-patches/index.js';

const require = createRequire(import.meta.url);
interface Frame {
  type: number;
  channel?: number;
  performative?: unknown;
  payload?: Buffer;
}
const frames = require('rhea/lib/frames.js') as {
  TYPE_AMQP: number;
  TYPE_SASL: number;
  transfer(fields: Record<string, unknown>): unknown;
  flow(fields: Record<string, unknown>): unknown;
  disposition(fields: Record<string, unknown>): unknown;
  attach(fields: Record<string, unknown>): unknown;
  sasl_init(fields: Record<string, unknown>): unknown;
  write_frame(frame: Frame): Buffer;
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): Frame;
  sasl_frame(performative: unknown): Frame;
};
const accepted = (rhea.message as unknown as { accepted(): { described(): unknown } }).accepted().described();

const filled = (bytes: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed) & 0xff));
const transfer = (id: number, payload: Buffer, channel = 3): Frame =>
  frames.amqp_frame(
    channel,
    frames.transfer({
      handle: 1,
      message_format: 0,
      delivery_id: id,
      delivery_tag: Buffer.from([id & 0xff, 7]),
      settled: false,
      more: false,
    }),
    payload,
  );

const cases: [string, Frame][] = [
  ['a 100-byte transfer', transfer(1, filled(100, 1))],
  ['a transfer on channel 0', transfer(2, filled(10, 2), 0)],
  ['a transfer larger than the scratch', transfer(3, filled(200 * 1024, 3))],
  ['a transfer past the size at which the scratch is dropped', transfer(4, filled(3 * 1024 * 1024, 4))],
  ['a transfer after the scratch was dropped', transfer(5, filled(100, 5))],
  [
    'a flow',
    frames.amqp_frame(
      1,
      frames.flow({
        next_incoming_id: 9,
        incoming_window: 2048,
        next_outgoing_id: 4,
        outgoing_window: 2048,
        handle: 0,
        delivery_count: 12,
        link_credit: 1000,
      }),
    ),
  ],
  [
    'a disposition range',
    frames.amqp_frame(1, frames.disposition({ role: true, first: 10, last: 250, settled: true, state: accepted })),
  ],
  [
    'an attach',
    frames.amqp_frame(
      2,
      frames.attach({
        name: 'salvo-link-é',
        handle: 4,
        role: false,
        source: {},
        target: {},
        initial_delivery_count: 0,
      }),
    ),
  ],
  ['an empty frame (heartbeat)', { type: frames.TYPE_AMQP, channel: 0 }],
  [
    'a SASL frame',
    frames.sasl_frame(frames.sasl_init({ mechanism: 'PLAIN', initial_response: Buffer.from('\0u\0p') })),
  ],
];

describe('pooled frames', () => {
  test.each(cases)('%s: the bytes rhea writes', (_, frame) => {
    expect(encodeFrame(frame).equals(frames.write_frame(frame))).toBe(true);
  });

  test('frames encoded in a row are each whole and independent of the ones before', () => {
    const encoded = cases.map(([, frame]) => encodeFrame(frame));
    cases.forEach(([, frame], i) => expect(encoded[i].equals(frames.write_frame(frame))).toBe(true));
  });

  test("a pass's frames in one buffer: each frame's bytes, back to back, in order", () => {
    const all = cases.map(([, frame]) => frame);
    expect(encodeFrames(all).equals(Buffer.concat(all.map((frame) => frames.write_frame(frame))))).toBe(true);
  });

  test('a frame type rhea does not know is refused as rhea refuses it', () => {
    const unknown = { type: 7, channel: 0 };
    expect(() => frames.write_frame(unknown)).toThrow(/Unknown frame type/);
    expect(() => encodeFrame(unknown)).toThrow(/Unknown frame type/);
    expect(() => encodeFrames([cases[0][1], unknown])).toThrow(/Unknown frame type/);
  });
});
