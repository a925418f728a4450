/**
 * fast-check generators of hostile AMQP peers: a valid prefix that walks the
 * connection state machine (SASL header, SASL PLAIN, AMQP header, open, begin,
 * attach), then one malformed or out-of-state tail. Each input says what the
 * broker must do with it:
 *   close     a protocol violation: the broker closes the connection at once
 *             (with an AMQP error in a close frame once past open);
 *   either    odd but perhaps legal: the broker closes it, or still answers
 *             the peer's own close afterwards;
 *   survive   legal: the connection stays and answers the peer's close;
 *   deadline  incomplete (truncated frame, silence, a frame that never ends):
 *             only the open / idle deadline can close it.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import {
  AMQP_HEADER,
  FRAME_AMQP,
  FRAME_SASL,
  NULL,
  P,
  SASL_HEADER,
  attach,
  begin,
  binary,
  bool,
  described,
  encode,
  flow,
  frame,
  list,
  map,
  open,
  performative,
  raw,
  saslInitPlain,
  selector,
  str,
  symbol,
  transfer,
  ubyte,
  uint,
  ulong,
  ushort,
} from './frames.js';
import type { Amqp } from './frames.js';

export const FUZZ_USER = 'fuzz';
export const FUZZ_PASSWORD = 'fuzz';
/** The few queues fuzzed links attach to (a fresh name per input would grow the registry, not test it). */
export const FUZZ_ADDRESSES = ['fuzz.0', 'fuzz.1', 'fuzz.2'];

export type Expect = 'close' | 'either' | 'survive' | 'deadline';
export type Stage = 'none' | 'sasl-header' | 'sasl-done' | 'open' | 'begin' | 'sender' | 'receiver';
/** What the peer waits to see from the broker before writing on. */
export type Await = 'sasl-mechanisms' | 'sasl-outcome' | 'open' | 'begin' | 'attach';

export interface Step {
  bytes: Buffer;
  await?: Await;
}

export interface FuzzInput {
  stage: Stage;
  tail: string;
  expect: Expect;
  steps: Step[];
  /** Write the tail in pieces of this many bytes (0: at once), to exercise reassembly. */
  chunk: number;
}

interface Tail {
  name: string;
  expect: Expect;
  bytes: Buffer;
}

const STAGE_ORDER: Stage[] = ['none', 'sasl-header', 'sasl-done', 'open', 'begin', 'sender', 'receiver'];

function prefix(stage: Stage, address: string): Step[] {
  const steps: Step[] = [];
  const at = STAGE_ORDER.indexOf(stage);
  if (at >= 1) steps.push({ bytes: SASL_HEADER, await: 'sasl-mechanisms' });
  if (at >= 2) steps.push({ bytes: saslInitPlain(FUZZ_USER, FUZZ_PASSWORD), await: 'sasl-outcome' });
  if (at >= 3) steps.push({ bytes: Buffer.concat([AMQP_HEADER, open('fuzz-peer')]), await: 'open' });
  if (at >= 4) steps.push({ bytes: begin(0), await: 'begin' });
  if (stage === 'sender') steps.push({ bytes: attach('fuzz-sender', 0, false, address), await: 'attach' });
  if (stage === 'receiver')
    steps.push({ bytes: Buffer.concat([attach('fuzz-receiver', 0, true, address), flow(0, 5)]), await: 'attach' });
  return steps;
}

const bytes = (min: number, max: number): Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

const text = fc.string({ unit: 'grapheme', maxLength: 40 });

/** Any AMQP value, nested a little, invalid type codes included. */
const amqpValue: Arbitrary<Amqp> = fc.letrec<{ value: Amqp }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(NULL),
    fc.boolean().map(bool),
    fc.nat(255).map(ubyte),
    fc.nat(65535).map(ushort),
    fc.nat().map(uint),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(ulong),
    text.map(symbol),
    text.map(str),
    bytes(0, 16).map(binary),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => list(...items)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => map(...pairs)),
    fc.tuple(fc.nat(0x50), tie('value')).map(([code, v]) => described(code, v)),
    bytes(1, 6).map(raw),
  ),
})).value;

/** Tails that need no particular state: broken framing and invalid described types. */
function framingTails(): Arbitrary<Tail>[] {
  return [
    // Random bytes inside a correctly sized frame: whatever they decode to, the broker must cope.
    fc
      .tuple(bytes(0, 48), fc.nat(65535))
      .map(([body, channel]) => ({ name: 'random-body', expect: 'either' as Expect, bytes: frame(body, channel) })),
    // A data offset below 2 is a framing error (spec 2.3.1).
    fc.tuple(fc.constantFrom(0, 1), bytes(0, 16)).map(([doff, body]) => {
      const f = frame(body);
      f[4] = doff;
      return { name: `doff-${doff}`, expect: 'close' as Expect, bytes: f };
    }),
    // A frame of a type that is neither AMQP nor SASL.
    fc
      .tuple(fc.integer({ min: 2, max: 255 }), bytes(0, 16))
      .map(([type, body]) => ({ name: `frame-type-${type}`, expect: 'close' as Expect, bytes: frame(body, 0, type) })),
    // A frame whose size field is below the 8-byte header.
    fc.tuple(fc.nat(7), bytes(8, 16)).map(([size, rest]) => {
      const f = Buffer.from(rest);
      f.writeUInt32BE(size, 0);
      return { name: `size-${size}`, expect: 'close' as Expect, bytes: f };
    }),
    // A performative with a descriptor AMQP does not define.
    fc
      .tuple(
        fc.integer({ min: 0x19, max: 0xff }).filter((c) => c < 0x40 || c > 0x44),
        fc.array(amqpValue, { maxLength: 4 }),
      )
      .map(([code, fields]) => ({
        name: `descriptor-0x${code.toString(16)}`,
        expect: 'close' as Expect,
        bytes: performative(code, fields),
      })),
    // A body that is not a described list at all.
    amqpValue
      .filter((v) => v.t !== 'described')
      .map((v) => ({ name: `undescribed-${v.t}`, expect: 'either' as Expect, bytes: frame(encode(v)) })),
    // A performative descriptor given as a symbol, or as a described value.
    fc.constantFrom('amqp:open:list', 'amqp:transfer:list', 'amqp:no-such:list').map((name) => ({
      name: `symbolic-${name}`,
      expect: 'either' as Expect,
      bytes: frame(encode({ t: 'described', d: symbol(name), v: list() })),
    })),
    // A known performative with fields of arbitrary types.
    // (Not close: random fields are often a valid close, and then the peer's own close after it is a second one.)
    fc
      .tuple(fc.integer({ min: P.open, max: P.end }), fc.array(amqpValue, { maxLength: 8 }), fc.nat(3))
      .map(([code, fields, channel]) => ({
        name: `fields-0x${code.toString(16)}`,
        expect: 'either' as Expect,
        bytes: performative(code, fields, channel),
      })),
    // Bytes that are not even a whole type inside a correctly sized frame: a list claiming more items than it holds.
    fc.integer({ min: P.open, max: P.close }).map((code) => ({
      name: `short-list-0x${code.toString(16)}`,
      expect: 'close' as Expect,
      bytes: frame(Buffer.from([0x00, 0x53, code, 0xc0, 0x05, 0x09, 0x40])),
    })),
  ];
}

/** Performatives that are well formed but wrong for the state the prefix reached. */
function stateTails(stage: Stage): Arbitrary<Tail>[] {
  const handle = fc.integer({ min: 1, max: 1000 });
  const past = STAGE_ORDER.indexOf(stage);
  const tails: Arbitrary<Tail>[] = [];
  if (past >= 3) {
    tails.push(
      fc.constant({ name: 'second-open', expect: 'close' as Expect, bytes: open('again') }),
      handle.map((h) => ({ name: 'transfer-unattached', expect: 'close' as Expect, bytes: transfer(h, 0, 'x') })),
      handle.map((h) => ({ name: 'flow-unknown-handle', expect: 'close' as Expect, bytes: flow(h, 10) })),
      handle.map((h) => ({
        name: 'detach-unknown',
        expect: 'close' as Expect,
        bytes: performative(P.detach, [uint(h), bool(true)]),
      })),
      fc.integer({ min: 1, max: 100 }).map((ch) => ({
        name: 'attach-unbegun-channel',
        expect: 'close' as Expect,
        bytes: attach('x', 0, false, FUZZ_ADDRESSES[0], undefined, ch),
      })),
      fc
        .integer({ min: 1, max: 100 })
        .map((ch) => ({ name: 'end-unbegun-channel', expect: 'close' as Expect, bytes: performative(P.end, [], ch) })),
      fc.integer({ min: 1, max: 100 }).map((rc) => ({
        name: 'begin-unknown-remote',
        expect: 'close' as Expect,
        bytes: performative(P.begin, [ushort(rc), uint(0), uint(10), uint(10)], 1),
      })),
      fc.constant({ name: 'sasl-after-open', expect: 'close' as Expect, bytes: saslInitPlain('a', 'b') }),
    );
  }
  if (past >= 4) {
    tails.push(
      // Ids the broker never sent, over ranges up to the whole id space: ignored (and cheaply).
      fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([a, b, role]) => ({
        name: 'disposition-unknown',
        expect: 'survive' as Expect,
        bytes: performative(P.disposition, [
          bool(role),
          uint(Math.min(a, b) * 2),
          uint(Math.max(a, b) * 2),
          bool(true),
          described(P.accepted, list()),
        ]),
      })),
      text.map((t) => ({
        name: 'selector',
        expect: 'survive' as Expect,
        bytes: Buffer.concat([attach('sel', 7, true, FUZZ_ADDRESSES[1], selector(t)), flow(7, 3)]),
      })),
      amqpValue.map((v) => ({
        name: 'filter-junk',
        expect: 'either' as Expect,
        bytes: attach('junk', 8, true, FUZZ_ADDRESSES[2], map([symbol('jms-selector'), v])),
      })),
      fc.constant({ name: 'second-begin-same-channel', expect: 'close' as Expect, bytes: begin(0) }),
    );
  }
  if (stage === 'sender') {
    tails.push(
      fc
        .nat(5)
        .map((id) => ({ name: 'transfer-wrong-id', expect: 'either' as Expect, bytes: transfer(0, 1000 + id, 'y') })),
      fc.constant({
        name: 'transfers-ok',
        expect: 'survive' as Expect,
        bytes: Buffer.concat([transfer(0, 0, 'a'), transfer(0, 1, 'b')]),
      }),
      fc.constant({
        name: 'attach-same-handle',
        expect: 'close' as Expect,
        bytes: attach('dup', 0, false, FUZZ_ADDRESSES[0]),
      }),
    );
  }
  if (stage === 'receiver') {
    tails.push(
      fc.constant({ name: 'transfer-on-receiving-link', expect: 'close' as Expect, bytes: transfer(0, 0, 'z') }),
      fc.tuple(fc.nat(), fc.boolean()).map(([credit, drain]) => ({
        name: 'flow-odd-credit',
        expect: 'either' as Expect,
        bytes: performative(P.flow, [
          uint(0),
          uint(65536),
          uint(0),
          uint(65536),
          uint(0),
          uint(credit),
          uint(credit),
          NULL,
          bool(drain),
        ]),
      })),
    );
  }
  return tails;
}

function saslTails(): Arbitrary<Tail>[] {
  return [
    text.map((mech) => ({
      name: 'sasl-unknown-mechanism',
      expect: 'close' as Expect,
      bytes: performative(P.saslInit, [symbol(`X-${mech}`), binary(Buffer.alloc(0))], 0, undefined, FRAME_SASL),
    })),
    fc
      .tuple(text, text)
      .map(([u, p]) => ({ name: 'sasl-bad-password', expect: 'close' as Expect, bytes: saslInitPlain(u, `${p}!`) })),
    bytes(0, 16).map((b) => ({
      name: 'sasl-response-unasked',
      expect: 'close' as Expect,
      bytes: performative(P.saslResponse, [binary(b)], 0, undefined, FRAME_SASL),
    })),
    fc.constant({ name: 'amqp-frame-in-sasl', expect: 'close' as Expect, bytes: open('early') }),
    fc.constant({ name: 'amqp-header-in-sasl', expect: 'either' as Expect, bytes: AMQP_HEADER }),
    fc.array(amqpValue, { maxLength: 4 }).map((fields) => ({
      name: 'sasl-init-junk',
      expect: 'either' as Expect,
      bytes: performative(P.saslInit, fields, 0, undefined, FRAME_SASL),
    })),
  ];
}

function headerTails(): Arbitrary<Tail>[] {
  return [
    // SASL is required (the broker runs with users): a plain AMQP header is refused.
    fc.constant({
      name: 'amqp-header-without-sasl',
      expect: 'close' as Expect,
      bytes: Buffer.concat([AMQP_HEADER, open('x')]),
    }),
    fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255))
      .filter(([id]) => id !== 3)
      .map(([id, major, minor]) => ({
        name: `header-protocol-${id}`,
        expect: 'close' as Expect,
        bytes: Buffer.from([0x41, 0x4d, 0x51, 0x50, id, major, minor, 0]),
      })),
    bytes(8, 32)
      .filter((b) => b.toString('latin1', 0, 4) !== 'AMQP')
      .map((b) => ({ name: 'not-amqp', expect: 'close' as Expect, bytes: b })),
  ];
}

/** Every input whose outcome the broker must decide at once (close, either, survive). */
export function promptInput(): Arbitrary<FuzzInput> {
  return fc.constantFrom(...STAGE_ORDER).chain((stage) => {
    // After SASL the next 8 bytes are read as the AMQP header; a plain one would be valid there.
    const usable =
      stage === 'none'
        ? headerTails()
        : stage === 'sasl-header'
          ? saslTails()
          : stage === 'sasl-done'
            ? headerTails().slice(1)
            : [...framingTails(), ...stateTails(stage)];
    return fc
      .record({
        address: fc.constantFrom(...FUZZ_ADDRESSES),
        tail: fc.oneof(...usable),
        chunk: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
      })
      .map(({ address, tail, chunk }) => input(stage, address, tail, chunk));
  });
}

/** Inputs that leave a frame or a handshake unfinished: only a deadline ends them. */
export function deadlineInput(): Arbitrary<FuzzInput> {
  const stage = fc.constantFrom<Stage>('none', 'sasl-header', 'sasl-done', 'open', 'begin', 'sender');
  const tail: Arbitrary<Tail> = fc.oneof(
    fc.constant({ name: 'silence', expect: 'deadline' as Expect, bytes: Buffer.alloc(0) }),
    // A valid frame cut short.
    fc.tuple(fc.integer({ min: 1, max: 40 }), fc.nat(200)).map(([cut, h]) => {
      const whole = Buffer.concat([transfer(h, 0, 'truncated'.repeat(4))]);
      return {
        name: 'truncated',
        expect: 'deadline' as Expect,
        bytes: whole.subarray(0, Math.min(cut, whole.length - 1)),
      };
    }),
    // A frame header claiming far more than ever comes (up to 4 GiB), then some of it.
    fc
      .tuple(fc.integer({ min: 1 << 20, max: 0xffffffff }), fc.integer({ min: 0, max: 256 * 1024 }))
      .map(([size, sent]) => {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(size, 0);
        head[4] = 2;
        head[5] = FRAME_AMQP;
        return {
          name: 'oversized',
          expect: 'deadline' as Expect,
          bytes: Buffer.concat([head, Buffer.alloc(sent, 0x41)]),
        };
      }),
  );
  return fc
    .record({ stage, address: fc.constantFrom(...FUZZ_ADDRESSES), tail })
    .map(({ stage: s, address, tail: t }) => input(s, address, t, 0));
}

function input(stage: Stage, address: string, tail: Tail, chunk: number): FuzzInput {
  return {
    stage,
    tail: tail.name,
    expect: tail.expect,
    steps: [...prefix(stage, address), { bytes: tail.bytes }],
    chunk,
  };
}
