/**
 * Regressions the broker fuzzer (test/fuzz) found: single frames that stalled
 * the broker for minutes, bad input that dropped a connection without telling
 * the peer why, and sessions or links silently replaced. Each frame here is
 * one the fuzzer generated, reduced by hand. Raw sockets, one broker.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { endpointOf } from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';
import {
  AMQP_HEADER,
  FRAME_AMQP,
  NULL,
  P,
  SASL_HEADER,
  attach,
  begin,
  bool,
  close,
  described,
  flow,
  frame,
  list,
  open,
  performative,
  saslInitPlain,
  transfer,
  uint,
} from '../fuzz/frames.js';
import { rawConnect } from '../fuzz/raw-client.js';
import type { RawClient } from '../fuzz/raw-client.js';

const IDLE_TIMEOUT_MS = 1000;
const MAX_FRAME = 64 * 1024;
// No open deadline: what ends a connection here must be the fix under test.
const MAX_DEPTH = 10;
const broker = useBroker({
  users: { u: 'p' },
  openTimeoutMs: 0,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  maxFrameBytes: MAX_FRAME,
  maxQueueDepth: MAX_DEPTH,
});

const raws: RawClient[] = [];
afterEach(() => {
  for (const raw of raws.splice(0)) raw.destroy();
});

async function raw(): Promise<RawClient> {
  const client = await rawConnect(endpointOf(broker().url).port);
  raws.push(client);
  return client;
}

/** SASL PLAIN, header, open, begin, and optionally a receiving link with credit; resolves once the broker answered. */
async function session(withReceiver = false): Promise<RawClient> {
  const client = await raw();
  client.write(SASL_HEADER);
  await client.until(() => client.frames.some((f) => f.code === P.saslMechanisms), 3000);
  client.write(saslInitPlain('u', 'p'));
  await client.until(() => client.frames.some((f) => f.code === P.saslOutcome), 3000);
  client.write(Buffer.concat([AMQP_HEADER, open('hostile'), begin()]));
  expect(await client.until(() => client.frames.some((f) => f.code === P.begin), 3000)).toBe(true);
  if (withReceiver) {
    client.write(Buffer.concat([attach('r', 0, true, 'hostile.q'), flow(0, 10)]));
    expect(await client.until(() => client.frames.some((f) => f.code === P.attach), 3000)).toBe(true);
  }
  return client;
}

/** The broker answers a close within `ms`: it is not stuck. */
async function answersClose(client: RawClient, ms = 2000): Promise<boolean> {
  client.write(close());
  return client.until(() => client.frames.some((f) => f.code === P.close), ms);
}

async function closedWith(client: RawClient, ms = 2000): Promise<string | undefined> {
  await client.closed(ms);
  return client.closeError();
}

describe('hostile peers', () => {
  test('a disposition over the whole delivery-id space is handled at once', async () => {
    const client = await session();
    client.write(
      performative(P.disposition, [bool(true), uint(0), uint(0xffffffff), bool(true), described(P.accepted, list())]),
    );
    expect(await answersClose(client)).toBe(true);
  });

  test('a drain with four billion credit is answered at once', async () => {
    const client = await session(true);
    client.write(
      performative(P.flow, [
        uint(0),
        uint(65536),
        uint(0),
        uint(65536),
        uint(0),
        uint(0),
        uint(0xfffffff0),
        NULL,
        bool(true),
      ]),
    );
    expect(await answersClose(client)).toBe(true);
  });

  test('an array header claiming millions of items in a few bytes is a decode error, at once', async () => {
    const client = await session();
    // array32: size 0xc13f0670, count 0x03712e94, then almost nothing.
    const bogus = Buffer.from([0xf0, 0xc1, 0x3f, 0x06, 0x70, 0x03, 0x71, 0x2e, 0x94, 0x40, 0x60]);
    client.write(frame(Buffer.concat([Buffer.from([0x00, 0x53, P.disposition, 0xc0, bogus.length + 1, 0x01]), bogus])));
    expect(await closedWith(client)).toBe('amqp:decode-error');
  });

  test('a framing error past open is answered with a close carrying the error', async () => {
    const client = await session();
    client.write(frame(Buffer.from([1, 2, 3]), 0, 0x60));
    expect(await closedWith(client)).toBe('amqp:connection:framing-error');
  });

  test('a frame larger than the advertised max-frame-size is refused as soon as its size is read', async () => {
    const client = await session();
    expect(client.frames.find((f) => f.code === P.open)?.fields[2]).toBe(MAX_FRAME);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0xfffffff0, 0);
    head[4] = 2;
    head[5] = FRAME_AMQP;
    client.write(Buffer.concat([head, Buffer.alloc(1024)]));
    expect(await closedWith(client)).toBe('amqp:connection:framing-error');
  });

  test('a peer that starts a frame and goes quiet is closed after the idle time-out', async () => {
    const client = await session();
    const head = Buffer.alloc(8);
    head.writeUInt32BE(4096, 0);
    head[4] = 2;
    client.write(Buffer.concat([head, Buffer.alloc(100)]));
    // rhea's own idle timer stops while a frame is half read; the guard's sweep closes it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.write(Buffer.alloc(100));
    expect(await closedWith(client, IDLE_TIMEOUT_MS + 4000)).toBe('amqp:resource-limit-exceeded');
  });

  test('a failed SASL exchange ends the socket', async () => {
    const client = await raw();
    client.write(Buffer.concat([SASL_HEADER, saslInitPlain('u', 'wrong')]));
    expect(await client.closed(2000)).toBe(true);
    expect(client.frames.find((f) => f.code === P.saslOutcome)?.fields[0]).toBe(1);
  });

  test('a second begin on a channel in use is a framing error', async () => {
    const client = await session();
    client.write(begin(0));
    expect(await closedWith(client)).toBe('amqp:connection:framing-error');
  });

  test('an attach on a handle in use is refused with amqp:session:handle-in-use', async () => {
    const client = await session(true);
    client.write(attach('other', 0, false, 'hostile.q2'));
    expect(await closedWith(client)).toBe('amqp:session:handle-in-use');
  });

  test('a transfer on a link where the peer receives is refused with amqp:not-allowed', async () => {
    const client = await session(true);
    client.write(transfer(0, 0, 'backwards'));
    expect(await closedWith(client)).toBe('amqp:not-allowed');
  });

  test('a sender that sends past its credit loses the link, and a full queue takes no more than its depth', async () => {
    const client = await session();
    client.write(attach('s', 3, false, 'hostile.credit'));
    expect(await client.until(() => client.frames.some((f) => f.code === P.flow), 3000)).toBe(true);
    client.write(Buffer.concat(Array.from({ length: MAX_DEPTH + 5 }, (_, i) => transfer(3, i, `m${i}`))));
    expect(await client.until(() => client.frames.some((f) => f.code === P.detach), 3000)).toBe(true);
    const detach = client.frames.find((f) => f.code === P.detach);
    expect((detach?.fields[2] as { value: unknown[] } | undefined)?.value[0]).toBe('amqp:link:transfer-limit-exceeded');
    await until(
      async () => (await queueStats(broker(), 'hostile.credit')).enqueued >= MAX_DEPTH,
      3000,
      'the granted messages',
    );
    expect((await queueStats(broker(), 'hostile.credit')).depth).toBe(MAX_DEPTH);
  });
});
