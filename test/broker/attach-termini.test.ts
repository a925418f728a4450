/**
 * The termini the broker answers an attach with, decoded by the test's own
 * codec (not rhea's) and checked against the AMQP 1.0 type definitions.
 * Strict clients such as go-amqp close the connection on a malformed one.
 */
import { afterEach, expect, test } from 'vitest';
import { encode, composite } from '../helpers/amqp-codec.js';
import type { AmqpValue, Frame } from '../helpers/amqp-codec.js';
import {
  COORDINATOR,
  SOURCE,
  TARGET,
  terminusFields,
  terminusKind,
  terminusProblems,
} from '../helpers/amqp-termini.js';
import type { TerminusDef } from '../helpers/amqp-termini.js';
import { queueName } from '../helpers/amqp.js';
import { useBroker } from '../helpers/broker.js';
import { RawAmqpPeer } from '../helpers/raw-amqp-peer.js';
import type { AttachRequest } from '../helpers/raw-amqp-peer.js';

const SOURCE_INDEX = 5;
const TARGET_INDEX = 6;
const SELECTOR_CODE = 0x0000468c00000004n;

const broker = useBroker();
const peers: RawAmqpPeer[] = [];
afterEach(() => {
  for (const peer of peers.splice(0)) peer.close();
});

async function peer(): Promise<RawAmqpPeer> {
  const p = await RawAmqpPeer.open(broker().url);
  peers.push(p);
  return p;
}

/** An all-default terminus, as go-amqp and Proton write it: the descriptor and list0. */
const emptySource = (): Buffer => composite(SOURCE.code, []);
const emptyTarget = (): Buffer => composite(TARGET.code, []);
const addressed = (def: TerminusDef, address: string): Buffer => composite(def.code, [encode.string(address)]);

function echoed(reply: Frame): { source: AmqpValue; target: AmqpValue } {
  return {
    source: reply.fields[SOURCE_INDEX] ?? { type: 'null' },
    target: reply.fields[TARGET_INDEX] ?? { type: 'null' },
  };
}

function stringField(fields: Record<string, AmqpValue>, name: string): string | undefined {
  const value = fields[name];
  return value && (value.type === 'string' || value.type === 'symbol') ? value.value : undefined;
}

test("go-amqp's pair: a sender with an empty source, then a receiver with an empty target: the target echoed has at most 7 fields", async () => {
  const p = await peer();
  const address = queueName('go-pair');
  const senderReply = echoed(
    await p.attach({
      name: 'go-sender',
      handle: 0,
      role: 'sender',
      source: emptySource(),
      target: addressed(TARGET, address),
    }),
  );
  expect(terminusProblems(senderReply.source, [SOURCE])).toEqual([]);
  expect(terminusProblems(senderReply.target, [TARGET])).toEqual([]);

  const receiverReply = echoed(
    await p.attach({
      name: 'go-receiver',
      handle: 1,
      role: 'receiver',
      source: addressed(SOURCE, address),
      target: emptyTarget(),
    }),
  );
  expect(terminusKind(receiverReply.target)).toBe('target');
  expect(terminusProblems(receiverReply.target, [TARGET])).toEqual([]);
  expect(terminusProblems(receiverReply.source, [SOURCE])).toEqual([]);
  expect(stringField(terminusFields(receiverReply.source, SOURCE), 'address')).toBe(address);
});

test('the same pair on a second connection is answered the same way (nothing the first attach left behind leaks into the next)', async () => {
  for (let round = 0; round < 2; round++) {
    const p = await peer();
    const address = queueName(`go-pair-${round}`);
    await p.attach({ name: 's', handle: 0, role: 'sender', source: emptySource(), target: addressed(TARGET, address) });
    const reply = echoed(
      await p.attach({
        name: 'r',
        handle: 1,
        role: 'receiver',
        source: addressed(SOURCE, address),
        target: emptyTarget(),
      }),
    );
    expect(terminusProblems(reply.target, [TARGET]), `round ${round}`).toEqual([]);
    expect(terminusProblems(reply.source, [SOURCE]), `round ${round}`).toEqual([]);
  }
});

interface Shape {
  what: string;
  request: (address: string) => Omit<AttachRequest, 'handle'>;
  source: TerminusDef[];
  target: TerminusDef[];
}

const FULL_TARGET = (address: string): Buffer =>
  composite(TARGET.code, [
    encode.string(address),
    encode.uint(1),
    encode.symbol('link-detach'),
    encode.uint(5),
    encode.boolean(false),
    encode.map([[encode.symbol('lifetime-policy'), encode.string('x')]]),
    encode.symbolArray(['queue']),
  ]);

const FULL_SOURCE = (address: string): Buffer =>
  composite(SOURCE.code, [
    encode.string(address),
    encode.uint(0),
    encode.symbol('session-end'),
    encode.uint(0),
    encode.boolean(false),
    encode.map([[encode.symbol('x-opt-kind'), encode.string('test')]]),
    encode.symbol('move'),
    encode.map([[encode.symbol('jms-selector'), encode.described(SELECTOR_CODE, encode.string('n > 1'))]]),
    composite(0x27, []),
    encode.symbolArray(['amqp:accepted:list']),
    encode.symbolArray(['queue']),
  ]);

const SHAPES: Shape[] = [
  {
    what: 'sender, empty source',
    request: (a) => ({ name: 'a', role: 'sender', source: emptySource(), target: addressed(TARGET, a) }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'sender, no source',
    request: (a) => ({ name: 'b', role: 'sender', source: encode.null(), target: addressed(TARGET, a) }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'sender, every source field set',
    request: (a) => ({ name: 'c', role: 'sender', source: FULL_SOURCE(a), target: addressed(TARGET, a) }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'anonymous-relay sender (empty target)',
    request: () => ({ name: 'd', role: 'sender', source: emptySource(), target: emptyTarget() }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'sender to a dynamic target',
    request: () => ({
      name: 'e',
      role: 'sender',
      source: emptySource(),
      target: composite(TARGET.code, [
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.boolean(true),
      ]),
    }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'coordinator',
    request: () => ({
      name: 'f',
      role: 'sender',
      source: emptySource(),
      target: composite(COORDINATOR.code, [encode.symbolArray(['amqp:local-transactions'])]),
    }),
    source: [SOURCE],
    target: [COORDINATOR],
  },
  {
    what: 'receiver, empty target',
    request: (a) => ({ name: 'g', role: 'receiver', source: addressed(SOURCE, a), target: emptyTarget() }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'receiver, no target',
    request: (a) => ({ name: 'g2', role: 'receiver', source: addressed(SOURCE, a), target: encode.null() }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'receiver, every target field set',
    request: (a) => ({ name: 'h', role: 'receiver', source: addressed(SOURCE, a), target: FULL_TARGET(`${a}.reply`) }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'dynamic receiver',
    request: () => ({
      name: 'i',
      role: 'receiver',
      source: composite(SOURCE.code, [
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.boolean(true),
      ]),
      target: emptyTarget(),
    }),
    source: [SOURCE],
    target: [TARGET],
  },
  {
    what: 'selector receiver',
    request: (a) => ({
      name: 'j',
      role: 'receiver',
      target: emptyTarget(),
      source: composite(SOURCE.code, [
        encode.string(a),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.map([
          [encode.symbol('jms-selector'), encode.described(SELECTOR_CODE, encode.string("colour = 'green'"))],
        ]),
      ]),
    }),
    source: [SOURCE],
    target: [TARGET],
  },
];

test('every terminus echoed, for each kind of attach, is a well-formed source, target or coordinator', async () => {
  const p = await peer();
  const problems: string[] = [];
  let handle = 0;
  for (const shape of SHAPES) {
    const reply = echoed(await p.attach({ ...shape.request(queueName('termini')), handle: handle++ }));
    for (const problem of terminusProblems(reply.source, shape.source)) problems.push(`${shape.what}: ${problem}`);
    for (const problem of terminusProblems(reply.target, shape.target)) problems.push(`${shape.what}: ${problem}`);
  }
  expect(problems).toEqual([]);
});

test("a receiver's target is echoed with the values it was given; a dynamic source gets its address; a selector is echoed", async () => {
  const p = await peer();
  const address = queueName('echo');
  const full = echoed(
    await p.attach({
      name: 'full',
      handle: 0,
      role: 'receiver',
      source: addressed(SOURCE, address),
      target: FULL_TARGET('reply-to-me'),
    }),
  );
  const target = terminusFields(full.target, TARGET);
  expect(stringField(target, 'address')).toBe('reply-to-me');
  expect(target.durable).toEqual({ type: 'uint', value: 1n });
  expect(stringField(target, 'expiry-policy')).toBe('link-detach');
  expect(target.timeout).toEqual({ type: 'uint', value: 5n });
  expect(target.capabilities?.type === 'array' ? target.capabilities.value : [target.capabilities]).toEqual([
    { type: 'symbol', value: 'queue' },
  ]);

  const dynamic = echoed(
    await p.attach({
      name: 'dyn',
      handle: 1,
      role: 'receiver',
      target: emptyTarget(),
      source: composite(SOURCE.code, [
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.boolean(true),
      ]),
    }),
  );
  const source = terminusFields(dynamic.source, SOURCE);
  expect(stringField(source, 'address')).toMatch(/^salvo\.dynamic\./);
  expect(source.dynamic).toEqual({ type: 'boolean', value: true });

  const selector = echoed(
    await p.attach({
      name: 'sel',
      handle: 2,
      role: 'receiver',
      target: emptyTarget(),
      source: composite(SOURCE.code, [
        encode.string(address),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.null(),
        encode.map([
          [encode.symbol('jms-selector'), encode.described(SELECTOR_CODE, encode.string("colour = 'green'"))],
        ]),
      ]),
    }),
  );
  const filter = terminusFields(selector.source, SOURCE).filter;
  expect(filter?.type).toBe('map');
  const entries = filter?.type === 'map' ? filter.value : [];
  expect(entries.map(([k]) => k)).toEqual([{ type: 'symbol', value: 'jms-selector' }]);
  expect(entries[0]?.[1]).toMatchObject({ type: 'described', value: { type: 'string', value: "colour = 'green'" } });
});
