/**
 * An AMQP 1.0 type-system codec written for the tests, independent of rhea
 * (AMQP 1.0 part 1, types; part 2.3, frames), so that what the broker puts on
 * the wire is judged by something other than the library that wrote it.
 * Decoded values keep their AMQP type name whatever width encoded them
 * (`uint` for 0x70, 0x52 and 0x43 alike); a type check compares names.
 */

export type AmqpValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: NumberType; value: bigint }
  | { type: 'float' | 'double'; value: number }
  | { type: 'string' | 'symbol'; value: string }
  | { type: 'binary' | 'uuid' | 'decimal32' | 'decimal64' | 'decimal128'; value: Buffer }
  | { type: 'list'; value: AmqpValue[] }
  | { type: 'map'; value: [AmqpValue, AmqpValue][] }
  | { type: 'array'; value: AmqpValue[] }
  | { type: 'described'; descriptor: AmqpValue; value: AmqpValue };

type NumberType = 'ubyte' | 'ushort' | 'uint' | 'ulong' | 'byte' | 'short' | 'int' | 'long' | 'char' | 'timestamp';

export class AmqpDecodeError extends Error {}

/** Fixed-width constructors: code -> [type, width in bytes, signed]. Width 0 carries its value in the code. */
const FIXED: Record<number, [NumberType, number, boolean]> = {
  0x50: ['ubyte', 1, false],
  0x60: ['ushort', 2, false],
  0x70: ['uint', 4, false],
  0x52: ['uint', 1, false],
  0x43: ['uint', 0, false],
  0x80: ['ulong', 8, false],
  0x53: ['ulong', 1, false],
  0x44: ['ulong', 0, false],
  0x51: ['byte', 1, true],
  0x61: ['short', 2, true],
  0x71: ['int', 4, true],
  0x54: ['int', 1, true],
  0x81: ['long', 8, true],
  0x55: ['long', 1, true],
  0x73: ['char', 4, false],
  0x83: ['timestamp', 8, true],
};
const OPAQUE: Record<number, ['uuid' | 'decimal32' | 'decimal64' | 'decimal128', number]> = {
  0x98: ['uuid', 16],
  0x74: ['decimal32', 4],
  0x84: ['decimal64', 8],
  0x94: ['decimal128', 16],
};

interface Constructor {
  code: number;
  descriptor?: AmqpValue;
}

export class AmqpReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  /** Bytes read so far: after the performative, the rest of a frame body is its payload. */
  get position(): number {
    return this.offset;
  }

  read(): AmqpValue {
    return this.readWith(this.readConstructor());
  }

  private readConstructor(): Constructor {
    const code = this.uint(1);
    if (code !== 0x00) return { code };
    const descriptor = this.read();
    const inner = this.readConstructor();
    if (inner.descriptor) throw new AmqpDecodeError('a descriptor on a described type');
    return { code: inner.code, descriptor };
  }

  private readWith(ctor: Constructor): AmqpValue {
    const value = this.readBody(ctor.code);
    return ctor.descriptor ? { type: 'described', descriptor: ctor.descriptor, value } : value;
  }

  private readBody(code: number): AmqpValue {
    const fixed = FIXED[code];
    if (fixed) return { type: fixed[0], value: this.integer(fixed[1], fixed[2]) };
    const opaque = OPAQUE[code];
    if (opaque) return { type: opaque[0], value: this.take(opaque[1]) };
    switch (code) {
      case 0x40:
        return { type: 'null' };
      case 0x41:
        return { type: 'boolean', value: true };
      case 0x42:
        return { type: 'boolean', value: false };
      case 0x56:
        return { type: 'boolean', value: this.uint(1) !== 0 };
      case 0x72:
        return { type: 'float', value: this.take(4).readFloatBE(0) };
      case 0x82:
        return { type: 'double', value: this.take(8).readDoubleBE(0) };
      case 0xa0:
        return { type: 'binary', value: this.take(this.uint(1)) };
      case 0xb0:
        return { type: 'binary', value: this.take(this.uint(4)) };
      case 0xa1:
        return { type: 'string', value: this.take(this.uint(1)).toString('utf8') };
      case 0xb1:
        return { type: 'string', value: this.take(this.uint(4)).toString('utf8') };
      case 0xa3:
        return { type: 'symbol', value: this.take(this.uint(1)).toString('ascii') };
      case 0xb3:
        return { type: 'symbol', value: this.take(this.uint(4)).toString('ascii') };
      case 0x45:
        return { type: 'list', value: [] };
      case 0xc0:
        return { type: 'list', value: this.items(1) };
      case 0xd0:
        return { type: 'list', value: this.items(4) };
      case 0xc1:
        return { type: 'map', value: pairs(this.items(1)) };
      case 0xd1:
        return { type: 'map', value: pairs(this.items(4)) };
      case 0xe0:
        return { type: 'array', value: this.elements(1) };
      case 0xf0:
        return { type: 'array', value: this.elements(4) };
      default:
        throw new AmqpDecodeError(`unknown constructor 0x${code.toString(16)} at offset ${this.offset - 1}`);
    }
  }

  /** A compound: size, count, then `count` values each with its own constructor. */
  private items(width: number): AmqpValue[] {
    const size = this.uint(width);
    const end = this.offset + size;
    const count = this.uint(width);
    const items: AmqpValue[] = [];
    for (let i = 0; i < count; i++) items.push(this.read());
    if (this.offset !== end) throw new AmqpDecodeError(`compound size ${size} does not match its ${count} items`);
    return items;
  }

  /** An array: size, count, one constructor, then `count` bodies. */
  private elements(width: number): AmqpValue[] {
    const size = this.uint(width);
    const end = this.offset + size;
    const count = this.uint(width);
    const ctor = this.readConstructor();
    const items: AmqpValue[] = [];
    for (let i = 0; i < count; i++) items.push(this.readWith(ctor));
    if (this.offset !== end) throw new AmqpDecodeError(`array size ${size} does not match its ${count} elements`);
    return items;
  }

  private integer(width: number, signed: boolean): bigint {
    if (width === 0) return 0n;
    const bytes = this.take(width);
    if (width === 8) return signed ? bytes.readBigInt64BE(0) : bytes.readBigUInt64BE(0);
    return BigInt(signed ? bytes.readIntBE(0, width) : bytes.readUIntBE(0, width));
  }

  private uint(width: number): number {
    return this.take(width).readUIntBE(0, width);
  }

  private take(n: number): Buffer {
    if (this.offset + n > this.bytes.length)
      throw new AmqpDecodeError(`truncated: need ${n} bytes at offset ${this.offset}`);
    const slice = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }
}

function pairs(items: AmqpValue[]): [AmqpValue, AmqpValue][] {
  if (items.length % 2 !== 0) throw new AmqpDecodeError('a map with an odd number of items');
  const out: [AmqpValue, AmqpValue][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

/** Encoders: each returns one value's bytes, constructor included. */
export const encode = {
  null: (): Buffer => Buffer.from([0x40]),
  boolean: (value: boolean): Buffer => Buffer.from([value ? 0x41 : 0x42]),
  ubyte: (value: number): Buffer => Buffer.from([0x50, value]),
  ushort: (value: number): Buffer => withCode(0x60, u(2, value)),
  uint: (value: number): Buffer => withCode(0x70, u(4, value)),
  ulong: (value: bigint): Buffer => {
    const body = Buffer.alloc(8);
    body.writeBigUInt64BE(value);
    return withCode(0x80, body);
  },
  string: (value: string): Buffer => variable(0xb1, Buffer.from(value, 'utf8')),
  symbol: (value: string): Buffer => variable(0xb3, Buffer.from(value, 'ascii')),
  binary: (value: Buffer): Buffer => variable(0xb0, value),
  /** An empty list is list0, as go-amqp and Proton write an all-default composite. */
  list: (items: Buffer[]): Buffer => (items.length === 0 ? Buffer.from([0x45]) : compound(0xd0, items)),
  map: (entries: [Buffer, Buffer][]): Buffer => compound(0xd1, entries.flat()),
  symbolArray: (values: string[]): Buffer => {
    const bodies = values.map((v) => Buffer.concat([u(4, v.length), Buffer.from(v, 'ascii')]));
    const inner = Buffer.concat([u(4, values.length), Buffer.from([0xb3]), ...bodies]);
    return Buffer.concat([Buffer.from([0xf0]), u(4, inner.length), inner]);
  },
  described: (descriptor: bigint | string, value: Buffer): Buffer =>
    Buffer.concat([
      Buffer.from([0x00]),
      typeof descriptor === 'string' ? encode.symbol(descriptor) : encode.ulong(descriptor),
      value,
    ]),
};

function u(width: number, value: number): Buffer {
  const b = Buffer.alloc(width);
  b.writeUIntBE(value, 0, width);
  return b;
}

function withCode(code: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([code]), body]);
}

function variable(code: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([code]), u(4, body.length), body]);
}

function compound(code: number, items: Buffer[]): Buffer {
  const inner = Buffer.concat([u(4, items.length), ...items]);
  return Buffer.concat([Buffer.from([code]), u(4, inner.length), inner]);
}

/** A composite (a described list) with a numeric descriptor; trailing fields left out are their defaults. */
export function composite(code: number, fields: Buffer[]): Buffer {
  return encode.described(BigInt(code), encode.list(fields));
}

export const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x01, 0x00, 0x00]);

/** One AMQP frame (type 0, data offset 2) around a performative and an optional payload. */
export function frame(channel: number, performative: Buffer, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + performative.length + payload.length, 0);
  head.writeUInt8(2, 4);
  head.writeUInt8(0, 5);
  head.writeUInt16BE(channel, 6);
  return Buffer.concat([head, performative, payload]);
}

export interface Frame {
  channel: number;
  /** The performative's descriptor code (attach = 0x12, ...); undefined for an empty (heartbeat) frame. */
  code: number | undefined;
  fields: AmqpValue[];
  payload: Buffer;
}

/** Splits a byte stream into frames once the 8-byte protocol header has been read. */
export class FrameSplitter {
  private pending = Buffer.alloc(0);
  private headerSeen = false;
  header: Buffer | undefined;

  push(chunk: Buffer): Frame[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    if (!this.headerSeen) {
      if (this.pending.length < 8) return frames;
      this.header = this.pending.subarray(0, 8);
      this.pending = this.pending.subarray(8);
      this.headerSeen = true;
    }
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(0);
      if (this.pending.length < size) break;
      frames.push(parseFrame(this.pending.subarray(0, size)));
      this.pending = this.pending.subarray(size);
    }
    return frames;
  }
}

function parseFrame(bytes: Buffer): Frame {
  const doff = bytes.readUInt8(4) * 4;
  const channel = bytes.readUInt16BE(6);
  const body = bytes.subarray(doff);
  if (body.length === 0) return { channel, code: undefined, fields: [], payload: body };
  const reader = new AmqpReader(body);
  const performative = reader.read();
  if (performative.type !== 'described' || performative.value.type !== 'list') {
    throw new AmqpDecodeError(`frame body is not a described list (${performative.type})`);
  }
  const code = descriptorCode(performative.descriptor);
  return { channel, code, fields: performative.value.value, payload: body.subarray(reader.position) };
}

/** A descriptor's numeric code; undefined for a symbolic descriptor. */
export function descriptorCode(descriptor: AmqpValue): number | undefined {
  return descriptor.type === 'ulong' ? Number(descriptor.value) : undefined;
}
