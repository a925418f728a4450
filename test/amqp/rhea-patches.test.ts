/**
 * Every reach into rhea's internals (src/amqp/rhea-patches/): the pinned release, each file's
 * targets present in it, each patch idempotent, and what the patches need of rhea's source
 * beyond a function's existence (call sites that look the wrapped function up at call time,
 * field positions), plus the behaviour of the transaction types patch. The broker-level
 * behaviour of the other patches is tested in test/broker (hostile-peers, drain, settlement,
 * link-endings) and test/amqp/transactions/attach-before-transfers.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Delivery, EventContext, Sender } from 'rhea';
import {
  PATCHED_RHEA_VERSION,
  PATCHES,
  REACHES,
  TRANSFER_STATE_INDEX,
  enableTransactionTypes,
  installedRheaVersion,
  markTransactionalTransfer,
  sessionCapacity,
} from '../../src/amqp/rhea-patches/index.js';
import { specimenEndpoints } from '../../src/amqp/rhea-patches/rhea-lib.js';
import { SalvoError } from '../../src/errors.js';
import {
  CoordinatorTarget,
  Declared,
  TransactionalState,
  coordinatorTargetValue,
  declaredValue,
  transactionalStateValue,
} from '../../src/amqp/transactions/codec.js';
import type { Typed } from '../../src/amqp/transactions/codec.js';
import { closeClients, connect, openSender } from '../helpers/amqp.js';

const require = createRequire(import.meta.url);
const lib = dirname(require.resolve('rhea/lib/session.js'));
const source = (file: string): string => readFileSync(join(lib, file), 'utf8');

interface FrameBody {
  value: unknown[];
  state?: unknown;
}
const frames = require('rhea/lib/frames.js') as {
  transfer(fields: Record<string, unknown>): FrameBody;
  write_frame(frame: unknown): Buffer;
  read_frame(buffer: Buffer): { performative: FrameBody };
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): unknown;
};
const terminus = require('rhea/lib/terminus.js') as { unwrap(field: unknown): unknown };
const message = rhea.message as unknown as {
  unwrap_outcome(o: unknown): unknown;
  accepted(): { described(): unknown };
};
const Session = require('rhea/lib/session.js') as { prototype: { on_transfer(this: unknown, frame: unknown): void } };

test(`rhea is exactly ${PATCHED_RHEA_VERSION}, the release every patch in rhea-patches/ was tested against`, () => {
  expect(installedRheaVersion()).toBe(PATCHED_RHEA_VERSION);
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  // A range (^3.0.5) would let a fresh install pick a release the patches never met.
  expect(manifest.dependencies.rhea).toBe(PATCHED_RHEA_VERSION);
});

describe.each(REACHES.map((reach) => [reach.name, reach] as const))('%s', (_name, reach) => {
  test('every target is present in the pinned rhea', () => {
    const targets = reach.targets();
    expect(Object.keys(targets).length).toBeGreaterThan(0);
    const missing = Object.entries(targets)
      .filter(([, value]) => value === undefined || value === null)
      .map(([name]) => name);
    expect(missing).toEqual([]);
    // A method (Class#name, module.name) must still be a function, not merely some value.
    const notFunctions = Object.entries(targets)
      .filter(([name, value]) => /#|^(message|frames|terminus|types)\./.test(name) && typeof value !== 'function')
      .map(([name]) => name);
    expect(notFunctions).toEqual([]);
  });
});

describe('what the transaction patches wrap is still there (rhea 3.0.x)', () => {
  test('rhea looks the wrapped functions up at call time, where the patches expect', () => {
    const session = source('session.js');
    // Outgoing.process builds each transfer with frames.transfer, passing the delivery's own tag object.
    expect(session).toMatch(
      /frames\.transfer\(\{'handle':d\.link\.local\.handle,'message_format':d\.format,'delivery_id':d\.id, 'delivery_tag':d\.tag,/,
    );
    // Outgoing and Incoming turn a disposition's state into an outcome with message.unwrap_outcome.
    expect(session.match(/d\.remote_state = message\.unwrap_outcome\(fields\.state\);/g)).toHaveLength(2);
    // An incoming transfer's state reaches the delivery through the performative's getter.
    expect(session).toContain("'remote_state': frame.performative.state,");
    expect(session).toMatch(
      /Session\.prototype\.on_transfer = function \(frame\) \{\s*this\.incoming\.on_transfer\(frame, this\._get_link\(frame\)\);/,
    );
    // Session#_process writes transfers (outgoing.process) before the links' attaches (link._process).
    expect(session).toMatch(/this\.outgoing\.process\(\);[\s\S]*?this\.links\[k\]\._process\(\);/);
    const link = source('link.js');
    expect(link).toContain('frame.performative.target = terminus.unwrap(frame.performative.target);');
    expect(link).toMatch(/if \(this\.state\.need_open\(\)\) \{\s*this\.session\.output\(this\.local\.attach\);/);
  });

  test("the transfer performative's field 7 is `state`", () => {
    const transfer = frames.transfer({
      handle: 0,
      delivery_id: 1,
      delivery_tag: Buffer.from('t'),
      message_format: 0,
      settled: false,
      more: false,
    });
    expect(transfer.value.length).toBeLessThanOrEqual(TRANSFER_STATE_INDEX);
    transfer.value[TRANSFER_STATE_INDEX] = rhea.types.wrap_uint(9);
    expect(transfer.state).toBe(9);
  });
});

describe('the transaction types patch', () => {
  beforeAll(() => enableTransactionTypes());

  test('a coordinator target is decoded; ordinary targets are not affected', () => {
    const coordinator = terminus.unwrap(coordinatorTargetValue());
    expect(coordinator).toBeInstanceOf(CoordinatorTarget);
    const ordinary = terminus.unwrap(
      rhea.types.described(rhea.types.wrap_ulong(0x29), rhea.types.wrap_list(['q1'])),
    ) as { address: string };
    expect(ordinary.address).toBe('q1');
  });

  test("declared and transactional-state outcomes are decoded; accepted is still rhea's", () => {
    expect(message.unwrap_outcome(declaredValue(Buffer.from('x')))).toBeInstanceOf(Declared);
    expect(message.unwrap_outcome(transactionalStateValue(Buffer.from('x'), 'accepted'))).toBeInstanceOf(
      TransactionalState,
    );
    const accepted = message.unwrap_outcome(message.accepted().described()) as {
      constructor: { composite_type?: string };
    };
    expect(accepted).not.toBeInstanceOf(TransactionalState);
    expect(accepted.constructor.composite_type).toBe('accepted');
  });

  test('a marked tag puts the state on the transfer frame; others are untouched; the state survives the wire', () => {
    const tag = Buffer.from('marked');
    const state = transactionalStateValue(Buffer.from('0102', 'hex'));
    markTransactionalTransfer(tag, state);
    const fields = { handle: 0, delivery_id: 3, delivery_tag: tag, message_format: 0, settled: false, more: false };
    const marked = frames.transfer(fields);
    expect(marked.value[TRANSFER_STATE_INDEX]).toBe(state);
    const plain = frames.transfer({ ...fields, delivery_tag: Buffer.from('marked') });
    expect(plain.value[TRANSFER_STATE_INDEX]).toBeUndefined();
    // Through the codec and into Session#on_transfer, as an incoming frame.
    const read = frames.read_frame(
      frames.write_frame(frames.amqp_frame(0, marked, Buffer.from([0x00, 0x53, 0x77, 0x40]))),
    );
    let seen: unknown;
    const fakeSession = {
      incoming: { on_transfer: (frame: { performative: FrameBody }) => (seen = frame.performative.state) },
      _get_link: () => undefined,
    };
    Session.prototype.on_transfer.call(fakeSession, read);
    expect(seen).toBeInstanceOf(TransactionalState);
    expect((seen as TransactionalState).txnId).toEqual(Buffer.from('0102', 'hex'));
  });
});

describe('the transaction types patch, end to end over rhea on both sides', () => {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  beforeAll(() => enableTransactionTypes());
  afterEach(async () => {
    await closeClients();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test('transfer state out, transactional outcome back, each seen as TransactionalState', async () => {
    const container = rhea.create_container({ id: 'patch-peer' });
    const states: unknown[] = [];
    container.on('message', (ctx: EventContext) => {
      const delivery = ctx.delivery as Delivery & { remote_state?: TransactionalState };
      states.push(delivery.remote_state);
      delivery.update(true, transactionalStateValue(delivery.remote_state?.txnId ?? Buffer.alloc(0), 'accepted'));
    });
    server = container.listen({ port: 0, host: '127.0.0.1', tcp_no_delay: true, autoaccept: false } as Parameters<
      typeof container.listen
    >[0]);
    server.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    const conn = await connect(`amqp://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const sender = await openSender(conn, 'anything');
    const tag = Buffer.from('tx-1');
    markTransactionalTransfer(tag, transactionalStateValue(Buffer.from('aa', 'hex')) as Typed);
    const accepted = new Promise<Delivery>((resolve) =>
      sender.once('accepted', (ctx: EventContext) => resolve(ctx.delivery as Delivery)),
    );
    sender.send(Buffer.from([0x00, 0x53, 0x77, 0xa1, 0x01, 0x78]), tag, 0);
    const delivery = (await accepted) as Delivery & { remote_state?: TransactionalState };
    expect(states).toHaveLength(1);
    expect(states[0]).toBeInstanceOf(TransactionalState);
    expect((states[0] as TransactionalState).txnId).toEqual(Buffer.from('aa', 'hex'));
    expect(delivery.remote_state).toBeInstanceOf(TransactionalState);
    expect(delivery.remote_state?.outcome?.name).toBe('accepted');
  });
});

describe("a sender's session ring capacity (the broker's delivery tags wrap at it)", () => {
  test("is rhea's ring size for a real sender", () => {
    expect(sessionCapacity(specimenEndpoints().sender as Sender)).toBe(2048);
  });

  test.each([
    ['0', { capacity: 0 }],
    ['negative', { capacity: -1 }],
    ['missing', {}],
    ['no ring', undefined],
  ] as const)('%s: thrown at once as an internal error, never a tag counter that stays at "0"', (_case, deliveries) => {
    const sender = { session: { outgoing: { deliveries } } } as unknown as Sender;
    expect(() => sessionCapacity(sender)).toThrow(SalvoError);
    expect(() => sessionCapacity(sender)).toThrow(/session ring capacity is .*, not a positive count/);
  });
});

// Last in this file: it switches every patch on in this process (raw payloads among them).
describe('every patch', () => {
  test.each(PATCHES.map((patch) => [patch.name, patch] as const))(
    '%s: a second apply changes nothing',
    (_name, patch) => {
      patch.apply();
      const once = patch.targets();
      patch.apply();
      const twice = patch.targets();
      for (const [name, value] of Object.entries(once)) {
        if (typeof value === 'function') expect(twice[name], name).toBe(value);
      }
    },
  );
});
