import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { buildTemplate, TemplateRing, writeLong } from '../../src/amqp/message-template.js';

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
