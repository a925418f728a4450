/**
 * Messages with --msg-property values, still encoded once and stamped in
 * place. Numbers (seq, uniform, a choice of numbers) get a fixed-width slot
 * in the template, an 8-byte long or double written per message like the
 * other stamps. Strings and booleans change the encoding's length, so each
 * combination of their items is a template of its own (a "variant"), built
 * up front; per message the ring picks the variant and stamps it. Padding a
 * string to a fixed width would change the value a selector compares, and
 * re-encoding costs a sender more than the rest of its work per message.
 * Variants cost memory (one ring of copies each), hence MAX_VARIANTS.
 */
import rhea from 'rhea';
import { variantCount, type PropertySpec, type Scalar } from '../plan/properties.js';
import {
  buildTemplate,
  offsetOfPattern,
  writeLong,
  type MessageTemplate,
  type TemplateSpec,
} from './message-template.js';

/** What every variant shares: the body and the header. */
type PropertyBase = Omit<TemplateSpec, 'producer' | 'extraProperties'>;
import { PropertyValues, type MessageProperties } from '../content/property-values.js';

const LONG_CODE = 0x81;
const DOUBLE_CODE = 0x82;
const LONG_MARK = 0x0011_2233_4455_6680;
const DOUBLE_MARK = 1.234_567_890_123e-301;
const TWO_TO_32 = 4_294_967_296;

type Slot = { index: number; double: boolean };
type Discrete = { index: number; items: Scalar[] };

interface Layout {
  slots: Slot[];
  discrete: Discrete[];
  variants: number;
}

/** How the properties lay out; throws PlanError when their string combinations are too many. */
export function layoutOf(properties: readonly PropertySpec[]): Layout {
  const variants = variantCount(properties);
  const slots: Slot[] = [];
  const discrete: Discrete[] = [];
  properties.forEach((p, index) => {
    const g = p.generator;
    if (g.kind === 'seq') slots.push({ index, double: false });
    else if (g.kind === 'uniform') slots.push({ index, double: !g.integer });
    else if (g.kind === 'choice' || g.kind === 'cycle') {
      if (g.values.every((v) => typeof v === 'number')) {
        slots.push({ index, double: !g.values.every((v) => Number.isInteger(v)) });
      } else discrete.push({ index, items: g.values });
    }
  });
  return { slots, discrete, variants };
}

/** A property value as rhea should encode it: integers as longs, so that a slot or a selector sees one type. */
function wrapped(value: Scalar): unknown {
  return typeof value === 'number' && Number.isInteger(value) ? rhea.types.wrap_long(value) : value;
}

interface Variant {
  template: MessageTemplate;
  copies: Buffer[];
  slotOffsets: number[];
  next: number;
}

export class PropertyRing {
  private readonly layout: Layout;
  private readonly values: PropertyValues;
  private readonly variants: Variant[];
  /** The longest variant: what a broker's max message size is checked against, and what unmeasured runs send. */
  readonly template: MessageTemplate;

  constructor(
    spec: MessageProperties,
    producer: string,
    base: PropertyBase,
    readonly size: number,
  ) {
    this.layout = layoutOf(spec.properties);
    this.values = new PropertyValues(spec, producer);
    this.variants = Array.from({ length: this.layout.variants }, (_, v) =>
      this.buildVariant(spec.properties, producer, base, v),
    );
    this.template = this.variants.reduce((a, b) =>
      b.template.bytes.length > a.template.bytes.length ? b : a,
    ).template;
  }

  /** Bytes held by every variant's copies. */
  get bytes(): number {
    return this.variants.reduce((sum, v) => sum + v.copies.length * v.template.bytes.length, 0);
  }

  /** The next copy of this message's variant, stamped with its times and its numbers. */
  stamp(seq: number, intendedUs: number, sentUs: number): Buffer {
    const variant = this.variants[this.variantOf(seq)];
    const bytes = variant.copies[variant.next];
    variant.next = variant.next + 1 === this.size ? 0 : variant.next + 1;
    const t = variant.template;
    writeLong(bytes, t.seqOffset, seq);
    writeLong(bytes, t.intendedOffset, intendedUs);
    writeLong(bytes, t.sentOffset, sentUs);
    const slots = this.layout.slots;
    for (let i = 0; i < slots.length; i++) {
      const value = this.values.valueOf(slots[i].index, seq) as number;
      if (slots[i].double) bytes.writeDoubleBE(value, variant.slotOffsets[i]);
      else writeSignedLong(bytes, variant.slotOffsets[i], value);
    }
    return bytes;
  }

  /** Mixed radix over the discrete properties' item indexes. */
  private variantOf(seq: number): number {
    const discrete = this.layout.discrete;
    let v = 0;
    for (let i = 0; i < discrete.length; i++)
      v = v * discrete[i].items.length + this.values.itemIndex(discrete[i].index, seq);
    return v;
  }

  private buildVariant(properties: readonly PropertySpec[], producer: string, base: PropertyBase, v: number): Variant {
    const extra: Record<string, unknown> = {};
    let rest = v;
    for (let i = this.layout.discrete.length - 1; i >= 0; i--) {
      const d = this.layout.discrete[i];
      extra[properties[d.index].name] = d.items[rest % d.items.length];
      rest = Math.floor(rest / d.items.length);
    }
    this.layout.slots.forEach((slot, i) => {
      extra[properties[slot.index].name] = slot.double
        ? rhea.types.wrap_double(DOUBLE_MARK * (i + 1))
        : rhea.types.wrap_long(LONG_MARK + i);
    });
    for (const p of properties) if (p.generator.kind === 'constant') extra[p.name] = wrapped(p.generator.value);
    const template = buildTemplate({ producer, ...base, extraProperties: extra });
    const slotOffsets = this.layout.slots.map((slot, i) => offsetOfSlot(template.bytes, slot.double, i));
    return {
      template,
      copies: Array.from({ length: this.size }, () => Buffer.from(template.bytes)),
      slotOffsets,
      next: 0,
    };
  }
}

function offsetOfSlot(bytes: Buffer, double: boolean, i: number): number {
  const pattern = Buffer.alloc(9);
  pattern[0] = double ? DOUBLE_CODE : LONG_CODE;
  if (double) pattern.writeDoubleBE(DOUBLE_MARK * (i + 1), 1);
  else writeLong(pattern, 1, LONG_MARK + i);
  return offsetOfPattern(bytes, pattern, i);
}

/** A safe integer, negative too, as a big-endian two's-complement int64, without a BigInt. */
export function writeSignedLong(bytes: Buffer, offset: number, value: number): void {
  if (value >= 0) return writeLong(bytes, offset, value);
  const high = Math.floor(value / TWO_TO_32);
  bytes.writeInt32BE(high, offset);
  bytes.writeUInt32BE(value - high * TWO_TO_32, offset + 4);
}
