import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { buildTemplate, TemplateRing } from '../../src/amqp/message-template.js';
import { readStamps, sentTimeOf, Stamps } from '../../src/amqp/stamp-reader.js';
import { fnv1a32 } from '../../src/content/body-checksum.js';

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
      application_properties: {
        colour: 'red',
        'salvo-producer': 'run-1/s0.c0.l0',
        'salvo-seq': 1,
        'salvo-sent': types.wrap_ulong(77),
      },
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

describe('readStamps', () => {
  const template = buildTemplate({ producer: 'run-1/s0.c0.l3', bodySize: 100, durable: true });

  it('reads producer, seq, send time and a matching body checksum in one pass', () => {
    const bytes = new TemplateRing(template, 1).stamp(4_000_000_123, 10, 20);
    const stamps = new Stamps();
    expect(readStamps(bytes, prefix, stamps)).toBe(true);
    expect(bytes.toString('utf8', stamps.producerStart, stamps.producerEnd)).toBe('run-1/s0.c0.l3');
    expect(stamps).toMatchObject({
      seq: 4_000_000_123,
      sentUs: 20,
      deliveryCount: 0,
      redelivered: false,
      corrupted: false,
    });
    // The template's body is the letters a-z repeated (message-template.ts); its FNV-1a is what was stamped.
    const body = Buffer.from(Array.from({ length: 100 }, (_, i) => 0x61 + (i % 26)));
    expect(stamps.bodyChecksum).toBe(fnv1a32(body));
    expect(stamps.bodyChecksumSeen).toBe(stamps.bodyChecksum);
  });

  it('reads only its own keys: a key of the same length differing in one byte is another property', () => {
    const bytes = rhea.message.encode({
      application_properties: {
        // Same lengths as salvo-producer, salvo-sent, salvo-seq, salvo-body-fnv, and the same byte after "salvo-".
        'salvo-producex': 'run-1/s9.c9.l9',
        'salvo-senx': 1,
        'salvo-sex': 2,
        'salvo-body-fnx': 3,
        'Salvo-sent': 4,
        'salvo-producer': 'run-1/s0.c0.l0',
        'salvo-seq': 5,
        'salvo-sent': 6,
      },
      body: 'x',
    } as unknown as rhea.Message);
    const stamps = new Stamps();
    expect(readStamps(bytes, prefix, stamps)).toBe(true);
    expect(bytes.toString('utf8', stamps.producerStart, stamps.producerEnd)).toBe('run-1/s0.c0.l0');
    expect(stamps).toMatchObject({ seq: 5, sentUs: 6, bodyChecksum: -1 });
    // Without the real keys, the look-alikes stamp nothing.
    const lookAlikes = rhea.message.encode({
      application_properties: { 'salvo-producex': 'run-1/s9.c9.l9', 'salvo-senx': 1, 'salvo-sex': 2 },
      body: 'x',
    } as unknown as rhea.Message);
    expect(readStamps(lookAlikes, prefix, stamps)).toBe(false);
    expect(stamps).toMatchObject({ seq: -1, sentUs: -1, producerStart: -1 });
  });

  it('says corrupted when one body byte changed, and not for a message whose stamps alone changed', () => {
    const bytes = Buffer.from(new TemplateRing(template, 1).stamp(1, 1, 1));
    const stamps = new Stamps();
    readStamps(bytes, prefix, stamps);
    expect(stamps.corrupted).toBe(false);
    bytes[bytes.length - 7] ^= 0x01;
    readStamps(bytes, prefix, stamps);
    expect(stamps.corrupted).toBe(true);
  });

  it('reads delivery-count and first-acquirer from a header a broker rewrote', () => {
    const types = rhea.types;
    const body = Buffer.from('hello');
    const bytes = rhea.message.encode({
      durable: true,
      first_acquirer: false,
      delivery_count: 2,
      application_properties: {
        'salvo-producer': 'run-1/s0.c0.l0',
        'salvo-seq': types.wrap_long(7),
        'salvo-sent': 5,
        'salvo-body-fnv': types.wrap_uint(fnv1a32(body)),
      },
      body: rhea.message.data_section(body),
    } as unknown as rhea.Message);
    const stamps = new Stamps();
    expect(readStamps(bytes, prefix, stamps)).toBe(true);
    expect(stamps).toMatchObject({
      seq: 7,
      sentUs: 5,
      deliveryCount: 2,
      firstAcquirer: false,
      redelivered: true,
      corrupted: false,
    });
  });

  it('an amqp-value body where a checksum was stamped is corrupted; no checksum stamped, nothing to verify', () => {
    const types = rhea.types;
    const props = { 'salvo-producer': 'run-1/s0.c0.l0', 'salvo-seq': 1, 'salvo-sent': 5 };
    const stamps = new Stamps();
    readStamps(
      rhea.message.encode({
        application_properties: { ...props, 'salvo-body-fnv': types.wrap_uint(1) },
        body: 'x',
      } as unknown as rhea.Message),
      prefix,
      stamps,
    );
    expect(stamps.corrupted).toBe(true);
    readStamps(
      rhea.message.encode({ application_properties: props, body: 'x' } as unknown as rhea.Message),
      prefix,
      stamps,
    );
    expect(stamps.corrupted).toBe(false);
  });
});

describe('readStamps on damaged bytes', () => {
  const template = buildTemplate({ producer: 'run-1/s0.c0.l1', bodySize: 40, durable: true });

  it('never throws, whatever the cut or a string length claims', () => {
    const bytes = new TemplateRing(template, 1).stamp(7, 10, 20);
    const stamps = new Stamps();
    expect(readStamps(bytes, prefix, stamps)).toBe(true);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => readStamps(bytes.subarray(0, cut), prefix, stamps), `cut at ${cut}`).not.toThrow();
    }
    // Each string in the application properties claiming 255 bytes: not this run's, and no throw.
    const key = Buffer.from('salvo-producer');
    const at = bytes.indexOf(key) + key.length;
    const damaged = Buffer.from(bytes);
    damaged[at + 1] = 0xff;
    expect(readStamps(damaged, prefix, stamps)).toBe(false);
  });
});
