/**
 * A tiny AMQP 1.0 codec for the test side: enough to write any frame, valid or
 * not, byte by byte (rhea cannot be made to send malformed ones), and to read
 * what the broker answers (which performatives, and whether a close carries
 * an error). Formats from the AMQP 1.0 spec, parts 1 (types) and 2 (frames).
 */

/** An AMQP value as the test writes it; `raw` splices bytes in as they are (invalid type codes included). */
export type Amqp =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'ubyte' | 'ushort' | 'uint' | 'int'; v: number }
  | { t: 'ulong'; v: bigint }
  | { t: 'symbol' | 'string'; v: string }
  | { t: 'binary'; v: Uint8Array }
  | { t: 'list'; v: Amqp[] }
  | { t: 'map'; v: Array<[Amqp, Amqp]> }
  | { t: 'described'; d: Amqp; v: Amqp }
  | { t: 'raw'; v: Uint8Array };

export const NULL: Amqp = { t: 'null' };
export const bool = (v: boolean): Amqp => ({ t: 'bool', v });
export const ubyte = (v: number): Amqp => ({ t: 'ubyte', v });
export const ushort = (v: number): Amqp => ({ t: 'ushort', v });
export const uint = (v: number): Amqp => ({ t: 'uint', v });
export const ulong = (v: number | bigint): Amqp => ({ t: 'ulong', v: BigInt(v) });
export const symbol = (v: string): Amqp => ({ t: 'symbol', v });
export const str = (v: string): Amqp => ({ t: 'string', v });
export const binary = (v: Uint8Array): Amqp => ({ t: 'binary', v });
export const list = (...v: Amqp[]): Amqp => ({ t: 'list', v });
export const map = (...v: Array<[Amqp, Amqp]>): Amqp => ({ t: 'map', v });
export const described = (code: number, v: Amqp): Amqp => ({ t: 'described', d: ulong(code), v });
export const raw = (v: Uint8Array): Amqp => ({ t: 'raw', v });

export function encode(value: Amqp): Buffer {
  switch (value.t) {
    case 'null':
      return Buffer.from([0x40]);
    case 'bool':
      return Buffer.from([value.v ? 0x41 : 0x42]);
    case 'ubyte':
      return Buffer.from([0x50, value.v & 0xff]);
    case 'ushort':
      return withCode(0x60, 2, (b) => b.writeUInt16BE(value.v & 0xffff));
    case 'uint':
      return withCode(0x70, 4, (b) => b.writeUInt32BE(value.v >>> 0));
    case 'int':
      return withCode(0x71, 4, (b) => b.writeInt32BE(value.v | 0));
    case 'ulong':
      return withCode(0x80, 8, (b) => b.writeBigUInt64BE(BigInt.asUintN(64, value.v)));
    case 'symbol':
      return variable(0xa3, 0xb3, Buffer.from(value.v, 'latin1'));
    case 'string':
      return variable(0xa1, 0xb1, Buffer.from(value.v, 'utf8'));
    case 'binary':
      return variable(0xa0, 0xb0, Buffer.from(value.v));
    case 'list':
      return compound(0xc0, 0xd0, value.v.length, Buffer.concat(value.v.map(encode)));
    case 'map':
      return compound(
        0xc1,
        0xd1,
        value.v.length * 2,
        Buffer.concat(value.v.flatMap(([k, v]) => [encode(k), encode(v)])),
      );
    case 'described':
      return Buffer.concat([Buffer.from([0x00]), encode(value.d), encode(value.v)]);
    case 'raw':
      return Buffer.from(value.v);
  }
}

function withCode(code: number, width: number, write: (body: Buffer) => void): Buffer {
  const body = Buffer.alloc(width);
  write(body);
  return Buffer.concat([Buffer.from([code]), body]);
}

function variable(small: number, large: number, bytes: Buffer): Buffer {
  if (bytes.length < 256) return Buffer.concat([Buffer.from([small, bytes.length]), bytes]);
  const head = Buffer.alloc(5);
  head[0] = large;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function compound(small: number, large: number, count: number, body: Buffer): Buffer {
  if (body.length + 1 < 256 && count < 256) return Buffer.concat([Buffer.from([small, body.length + 1, count]), body]);
  const head = Buffer.alloc(9);
  head[0] = large;
  head.writeUInt32BE(body.length + 4, 1);
  head.writeUInt32BE(count, 5);
  return Buffer.concat([head, body]);
}

// ---- frames ----

export const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
export const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);
export const FRAME_AMQP = 0;
export const FRAME_SASL = 1;

/** Performative descriptor codes (spec 2.7, 5.3). */
export const P = {
  open: 0x10,
  begin: 0x11,
  attach: 0x12,
  flow: 0x13,
  transfer: 0x14,
  disposition: 0x15,
  detach: 0x16,
  end: 0x17,
  close: 0x18,
  saslMechanisms: 0x40,
  saslInit: 0x41,
  saslChallenge: 0x42,
  saslResponse: 0x43,
  saslOutcome: 0x44,
  error: 0x1d,
  accepted: 0x24,
  source: 0x28,
  target: 0x29,
  amqpValue: 0x77,
} as const;

/** One frame: 8-byte header (size, doff 2, type, channel), then the body bytes. */
export function frame(body: Buffer, channel = 0, type = FRAME_AMQP): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head[4] = 2;
  head[5] = type;
  head.writeUInt16BE(channel & 0xffff, 6);
  return Buffer.concat([head, body]);
}

/** A performative frame; `payload` follows the performative (a transfer's message). */
export function performative(
  code: number,
  fields: Amqp[],
  channel = 0,
  payload: Buffer = Buffer.alloc(0),
  type = FRAME_AMQP,
): Buffer {
  return frame(Buffer.concat([encode(described(code, list(...fields))), payload]), channel, type);
}

export const open = (containerId: string, idleTimeOutMs?: number): Buffer =>
  performative(P.open, [str(containerId), NULL, NULL, NULL, idleTimeOutMs === undefined ? NULL : uint(idleTimeOutMs)]);
export const begin = (channel = 0): Buffer => performative(P.begin, [NULL, uint(0), uint(65536), uint(65536)], channel);
export const close = (): Buffer => performative(P.close, []);
export const saslInitPlain = (user: string, password: string): Buffer =>
  performative(P.saslInit, [symbol('PLAIN'), binary(Buffer.from(`\0${user}\0${password}`))], 0, undefined, FRAME_SASL);

export function source(address: string, filter?: Amqp): Amqp {
  return described(P.source, list(str(address), NULL, NULL, NULL, NULL, NULL, NULL, filter ?? NULL));
}

export const target = (address: string): Amqp => described(P.target, list(str(address)));

/** An attach; the role is the client's: `receiver` true means the broker sends on this link. */
export function attach(
  name: string,
  handle: number,
  receiver: boolean,
  address: string,
  filter?: Amqp,
  channel = 0,
): Buffer {
  const terms = receiver ? [source(address, filter), target('')] : [source(''), target(address)];
  return performative(
    P.attach,
    [str(name), uint(handle), bool(receiver), NULL, NULL, ...terms, NULL, NULL, receiver ? NULL : uint(0)],
    channel,
  );
}

export function flow(handle: number, credit: number, deliveryCount = 0, channel = 0): Buffer {
  return performative(
    P.flow,
    [uint(0), uint(65536), uint(0), uint(65536), uint(handle), uint(deliveryCount), uint(credit)],
    channel,
  );
}

export function transfer(handle: number, deliveryId: number, body: string, channel = 0): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt32BE(deliveryId >>> 0);
  const message = encode(described(P.amqpValue, str(body)));
  return performative(
    P.transfer,
    [uint(handle), uint(deliveryId), binary(tag), uint(0), bool(false)],
    channel,
    message,
  );
}

export function disposition(first: number, last: number, channel = 0): Buffer {
  return performative(
    P.disposition,
    [bool(true), uint(first), uint(last), bool(true), described(P.accepted, list())],
    channel,
  );
}

export const selector = (text: string): Amqp =>
  map([symbol('jms-selector'), { t: 'described', d: symbol('apache.org:selector-filter:string'), v: str(text) }]);

// ---- reading the broker's side ----

export interface ReadFrame {
  type: number;
  channel: number;
  /** The performative's descriptor code; undefined for an empty (heartbeat) frame. */
  code?: number;
  fields: unknown[];
}

export interface Described {
  descriptor: unknown;
  value: unknown;
}

/** Splits what arrived into protocol headers and whole frames; returns the bytes left over. */
export function readFrames(
  buffer: Buffer,
  onHeader: (protocolId: number) => void,
  onFrame: (frame: ReadFrame) => void,
): Buffer {
  let offset = 0;
  for (;;) {
    if (buffer.length - offset >= 8 && buffer.toString('latin1', offset, offset + 4) === 'AMQP') {
      onHeader(buffer[offset + 4]);
      offset += 8;
      continue;
    }
    if (buffer.length - offset < 8) break;
    const size = buffer.readUInt32BE(offset);
    if (size < 8 || buffer.length - offset < size) break;
    const doff = buffer[offset + 4] * 4;
    const body = buffer.subarray(offset + doff, offset + size);
    const decoded: ReadFrame = { type: buffer[offset + 5], channel: buffer.readUInt16BE(offset + 6), fields: [] };
    if (body.length > 0) {
      const value = new Reader(body).read() as Described;
      decoded.code = Number(value.descriptor);
      decoded.fields = Array.isArray(value.value) ? value.value : [];
    }
    onFrame(decoded);
    offset += size;
  }
  return buffer.subarray(offset);
}

/** The error condition a close / end / detach / sasl-outcome frame carries, if any. */
export function errorCondition(frame: ReadFrame): string | undefined {
  const index = frame.code === P.detach ? 2 : 0;
  const error = frame.fields[index] as Described | undefined;
  if (!error || typeof error !== 'object' || !('value' in error) || !Array.isArray(error.value)) return undefined;
  return String(error.value[0]);
}

/** A generic reader by the type-code width classes of spec 1.2, enough for what a broker sends. */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  read(): unknown {
    const code = this.buffer[this.offset++];
    if (code === 0x00) {
      const descriptor = this.read();
      return { descriptor, value: this.read() } satisfies Described;
    }
    return this.readBody(code);
  }

  private readBody(code: number): unknown {
    const b = this.buffer;
    const cls = code & 0xf0;
    switch (code) {
      case 0x40:
        return null;
      case 0x41:
        return true;
      case 0x42:
        return false;
      case 0x43:
      case 0x44:
        return 0;
      case 0x45:
        return [];
      case 0x56:
        return b[this.offset++] !== 0;
      case 0x50:
      case 0x52:
      case 0x53:
        return b[this.offset++];
      case 0x60:
        return this.take(2).readUInt16BE(0);
      case 0x70:
        return this.take(4).readUInt32BE(0);
      case 0x80:
        return this.take(8).readBigUInt64BE(0);
      default:
        break;
    }
    switch (cls) {
      case 0x40:
        return null;
      case 0x50:
        return this.take(1)[0];
      case 0x60:
        return this.take(2);
      case 0x70:
        return this.take(4);
      case 0x80:
        return this.take(8);
      case 0x90:
        return this.take(16);
      case 0xa0:
        return this.variable(this.take(1)[0], code);
      case 0xb0:
        return this.variable(this.take(4).readUInt32BE(0), code);
      case 0xc0:
        return this.compound(this.take(1)[0], this.take(1)[0]);
      case 0xd0:
        return this.compound(this.take(4).readUInt32BE(0), this.take(4).readUInt32BE(0));
      case 0xe0:
        return this.array(this.take(1)[0], this.take(1)[0]);
      case 0xf0:
        return this.array(this.take(4).readUInt32BE(0), this.take(4).readUInt32BE(0));
      default:
        throw new Error(`unknown AMQP type code 0x${code.toString(16)}`);
    }
  }

  private take(n: number): Buffer {
    if (this.offset + n > this.buffer.length) throw new Error('truncated AMQP value');
    const slice = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }

  private variable(length: number, code: number): unknown {
    const bytes = this.take(length);
    return (code & 0x0f) === 0 ? Buffer.from(bytes) : bytes.toString('utf8');
  }

  private compound(_size: number, count: number): unknown[] {
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) items.push(this.read());
    return items;
  }

  private array(_size: number, count: number): unknown[] {
    let code = this.buffer[this.offset++];
    if (code === 0x00) {
      this.read();
      code = this.buffer[this.offset++];
    }
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) items.push(this.readBody(code));
    return items;
  }
}
