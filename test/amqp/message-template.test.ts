import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/content/body-checksum.js';
import {
  buildTemplate,
  PASS_MAX,
  RING_MAX_BYTES,
  RING_MIN_COPIES,
  ringCopies,
  TemplateRing,
  writeLong,
} from '../../src/amqp/message-template.js';

function stampsOf(bytes: Buffer): Record<string, unknown> | undefined {
  return rhea.message.decode(bytes).application_properties as Record<string, unknown> | undefined;
}

describe('message template', () => {
  it('stamps seq and times in place and any AMQP decoder reads them back', () => {
    const template = buildTemplate({ producer: 'run/s0.c0.l0', bodySize: 100, durable: true });
    const ring = new TemplateRing(template, 4);
    const bytes = ring.stamp(42, 1_234_567_890_123, 1_234_567_890_456);
    const message = rhea.message.decode(bytes);
    expect(stampsOf(bytes)).toEqual({
      'salvo-producer': 'run/s0.c0.l0',
      'salvo-seq': 42,
      'salvo-intended': 1_234_567_890_123,
      'salvo-sent': 1_234_567_890_456,
      // The body's checksum, for the receiver to verify.
      'salvo-body-fnv': fnv1a32((message.body as { content: Buffer }).content),
    });
    expect(message.durable).toBe(true);
    expect((message.body as { content: Buffer }).content.length).toBe(100);
  });

  it('hands out a different copy each time, so rhea can still hold the previous ones', () => {
    const ring = new TemplateRing(buildTemplate({ producer: 'p', bodySize: 1, durable: false }), 3);
    const first = ring.stamp(1, 0, 0);
    ring.stamp(2, 0, 0);
    ring.stamp(3, 0, 0);
    expect(stampsOf(first)?.['salvo-seq']).toBe(1);
    expect(ring.stamp(4, 0, 0)).toBe(first);
  });

  it('writes longs up to 2^53 exactly', () => {
    const bytes = Buffer.alloc(8);
    writeLong(bytes, 0, Number.MAX_SAFE_INTEGER);
    expect(bytes.readBigInt64BE(0)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    writeLong(bytes, 0, 4_294_967_296 + 5);
    expect(bytes.readBigInt64BE(0)).toBe(4_294_967_301n);
  });
});

describe('stamped copies per link', () => {
  const bytes = buildTemplate({ producer: 'run/s0.c0.l0', bodySize: 100, durable: false }).bytes.length;

  it('follow the in-flight limit: the ring holds what may be unwritten, not a fixed 8 MiB', () => {
    for (const maxInFlight of [1, 10, 100, 200]) {
      expect(ringCopies(maxInFlight, bytes) * bytes).toBe(maxInFlight * bytes);
    }
    // 10,000 links at the default in-flight limit: stamped copies stay well under a GiB.
    expect(10_000 * ringCopies(1000, bytes) * bytes).toBeLessThan(2 ** 30);
  });

  it('are bounded in count and in bytes, yet never fewer than one', () => {
    expect(ringCopies(1_000_000, bytes)).toBe(PASS_MAX);
    expect(ringCopies(1000, 1024) * 1024).toBeLessThanOrEqual(RING_MAX_BYTES);
    expect(ringCopies(1000, 1024 * 1024 + 200)).toBe(RING_MIN_COPIES);
    expect(ringCopies(1, 64 * 1024 * 1024)).toBe(1);
  });
});
