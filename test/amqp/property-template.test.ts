/**
 * Messages with --msg-property values: what a stamped copy decodes to is
 * exactly what the checker recomputes for its (producer, seq), for every
 * kind of generator, and the values are a function of the seed alone.
 */
import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import { PropertyRing } from '../../src/amqp/property-template.js';
import { PropertyValues, selectionMatcher, type MessageProperties } from '../../src/content/property-values.js';
import { parseProperties } from '../../src/plan/properties.js';

function spec(seed: number, ...tokens: string[]): MessageProperties {
  return { seed, properties: parseProperties(tokens) };
}

const ALL = [
  'colour=choice(green,red,blue)',
  'flag=choice(true,false)',
  'turn=cycle(a,bb,ccc)',
  'n=seq',
  'load=uniform(-5,5)',
  'ratio=uniform(0.0,1.0)',
  'size=choice(1,20,300)',
  'region=eu',
  'k=7',
];

/** rhea may hand a long back as a bigint: the selector compares it as a number. */
function plain(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

describe('PropertyRing', () => {
  it('every stamped copy decodes to the values PropertyValues recomputes', () => {
    const properties = spec(11, ...ALL);
    const ring = new PropertyRing(properties, 'run/1', { bodySize: 10, durable: false }, 4);
    const values = new PropertyValues(properties, 'run/1');
    for (let seq = 1; seq <= 300; seq++) {
      const decoded = rhea.message.decode(ring.stamp(seq, 5, 6)) as unknown as {
        application_properties: Record<string, unknown>;
      };
      const got = decoded.application_properties;
      properties.properties.forEach((p, i) =>
        expect(plain(got[p.name]), `${p.name} at ${seq}`).toEqual(values.valueOf(i, seq)),
      );
      expect(Number(got['salvo-seq'])).toBe(seq);
    }
  });

  it('a choice spreads over its items and uniform stays within its bounds', () => {
    const values = new PropertyValues(
      spec(1, 'colour=choice(green,red,blue)', 'load=uniform(1,3)', 'ratio=uniform(-1.0,1.0)'),
      'p',
    );
    const colours = new Map<unknown, number>();
    for (let seq = 1; seq <= 3000; seq++) {
      colours.set(values.valueOf(0, seq), (colours.get(values.valueOf(0, seq)) ?? 0) + 1);
      expect([1, 2, 3]).toContain(values.valueOf(1, seq));
      expect(values.valueOf(2, seq)).toBeGreaterThanOrEqual(-1);
      expect(values.valueOf(2, seq)).toBeLessThan(1);
    }
    for (const colour of ['green', 'red', 'blue']) expect(colours.get(colour)).toBeGreaterThan(850);
  });

  it('values depend on seed, producer and seq only: recomputed alike, changed by another seed or producer', () => {
    const a = new PropertyValues(spec(3, 'u=uniform(0,1000000)'), 'run/1');
    const again = new PropertyValues(spec(3, 'u=uniform(0,1000000)'), 'run/1');
    const seeded = new PropertyValues(spec(4, 'u=uniform(0,1000000)'), 'run/1');
    const producer = new PropertyValues(spec(3, 'u=uniform(0,1000000)'), 'run/2');
    const seqs = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(seqs.map((s) => again.valueOf(0, s))).toEqual(seqs.map((s) => a.valueOf(0, s)));
    expect(seqs.map((s) => seeded.valueOf(0, s))).not.toEqual(seqs.map((s) => a.valueOf(0, s)));
    expect(seqs.map((s) => producer.valueOf(0, s))).not.toEqual(seqs.map((s) => a.valueOf(0, s)));
  });

  it('the checker matches with the selector grammar: cycle selects every third', () => {
    const matches = selectionMatcher(spec(1, 'colour=cycle(green,red,blue)'), "colour = 'green'")('p');
    expect([1, 2, 3, 4, 5, 6, 7].map(matches)).toEqual([true, false, false, true, false, false, true]);
  });

  it('too many string combinations is a usage error', () => {
    expect(
      () =>
        new PropertyRing(
          spec(1, 'a=choice(a,b,c,d,e,f,g,h)', 'b=choice(a,b,c,d,e,f,g,h)', 'c=choice(x,y)'),
          'p',
          { bodySize: 1, durable: false },
          1,
        ),
    ).toThrow(
      '--msg-property: the string and boolean choices make 128 combinations, at most 64 (each is a template of its own)',
    );
  });
});
