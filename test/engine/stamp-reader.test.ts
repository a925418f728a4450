import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { buildTemplate, TemplateRing } from '../../src/amqp/message-template.js';
import { sentTimeOf } from '../../src/amqp/stamp-reader.js';

const prefix = Buffer.from('run-1/');

describe('sentTimeOf', () => {
  it('reads the send stamp of this run from a template salvo encoded', () => {
    const ring = new TemplateRing(buildTemplate({ producer: 'run-1/s0.c0.l0', bodySize: 100, durable: true }), 2);
    expect(sentTimeOf(ring.stamp(9, 1_000, 123_456_789_012), prefix)).toBe(123_456_789_012);
  });

  it('reads the stamp however a broker re-encoded it, around other sections', () => {
    const types = rhea.types;
    const bytes = rhea.message.encode({
      durable: true,
      message_annotations: { 'x-opt-jms-dest': 0 },
      message_id: 'id-1',
      application_properties: { colour: 'red', 'salvo-producer': 'run-1/s0.c0.l0', 'salvo-seq': 1, 'salvo-sent': types.wrap_ulong(77) },
      body: 'x'.repeat(300),
    } as unknown as rhea.Message);
    expect(sentTimeOf(bytes, prefix)).toBe(77);
  });

  it('answers -1 for other runs, other producers, and anything malformed', () => {
    const ring = new TemplateRing(buildTemplate({ producer: 'run-2/s0.c0.l0', bodySize: 10, durable: false }), 1);
    expect(sentTimeOf(ring.stamp(1, 1, 5), prefix)).toBe(-1);
    expect(sentTimeOf(rhea.message.encode({ body: 'plain' } as rhea.Message), prefix)).toBe(-1);
    expect(sentTimeOf(Buffer.from([0x00, 0x53, 0x74, 0xd1, 0xff]), prefix)).toBe(-1);
    expect(sentTimeOf(Buffer.alloc(0), prefix)).toBe(-1);
    // An empty prefix (a receive-only run) takes any salvo message.
    expect(sentTimeOf(ring.stamp(1, 1, 5), Buffer.alloc(0))).toBe(5);
  });
});
