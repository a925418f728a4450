/**
 * Slow and hostile peers (src/broker/connection-guard.ts): a peer that opens
 * and dawdles, one that stops reading, one that goes silent, must not hold the
 * broker; a healthy idle peer that heartbeats must stay. Raw sockets, since
 * rhea cannot be made to misbehave.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  closeClients,
  collect,
  connect,
  endpointOf,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { withBroker } from '../helpers/broker.js';
import { sleep, until } from '../helpers/wait.js';
import { AMQP_HEADER, attach, begin, flow, frame, open, P } from '../fuzz/frames.js';
import { rawConnect } from '../fuzz/raw-client.js';
import type { RawClient } from '../fuzz/raw-client.js';

const OPEN_TIMEOUT_MS = 300;
const IDLE_TIMEOUT_MS = 800;
const GUARDED = { openTimeoutMs: OPEN_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, maxOutputBytes: 1024 * 1024 };

const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  await closeClients();
});

async function raw(url: string): Promise<RawClient> {
  const client = await rawConnect(endpointOf(url).port);
  raws.push(client);
  return client;
}

/** Header, open, begin; resolves once the broker's open and begin came back. */
async function openedRaw(url: string, idleTimeOutMs?: number): Promise<RawClient> {
  const client = await raw(url);
  client.write(Buffer.concat([AMQP_HEADER, open('raw-peer', idleTimeOutMs), begin()]));
  expect(await client.until(() => client.frames.some((f) => f.code === P.begin), 3000)).toBe(true);
  return client;
}

describe('connection guard', () => {
  test('a peer that sends the protocol header and then nothing is dropped at the open deadline', async () => {
    await withBroker(GUARDED, async (broker) => {
      const silent = await raw(broker.url);
      const headerOnly = await raw(broker.url);
      headerOnly.write(AMQP_HEADER);
      const started = Date.now();
      expect(await headerOnly.closed(OPEN_TIMEOUT_MS + 3000)).toBe(true);
      expect(await silent.closed(1000)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(OPEN_TIMEOUT_MS - 50);
      // It never opened, so there is no AMQP close to send: the socket just goes.
      expect(headerOnly.opened()).toBe(false);
    });
  });

  test('a peer that goes silent after its open is closed with amqp:resource-limit-exceeded after the idle time-out', async () => {
    await withBroker(GUARDED, async (broker) => {
      const client = await openedRaw(broker.url);
      const started = Date.now();
      expect(await client.closed(IDLE_TIMEOUT_MS + 3000)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
      expect(client.closeError()).toBe('amqp:resource-limit-exceeded');
    });
  });

  test('a healthy idle peer that heartbeats stays open, and the broker heartbeats within half its idle time-out', async () => {
    await withBroker(GUARDED, async (broker) => {
      const peerIdleMs = 300;
      const client = await openedRaw(broker.url, peerIdleMs);
      const brokerOpen = client.frames.find((f) => f.code === P.open);
      // The broker advertises half its threshold (AMQP 2.4.5).
      expect(brokerOpen?.fields[4]).toBe(IDLE_TIMEOUT_MS / 2);
      const heartbeat = setInterval(() => client.write(frame(Buffer.alloc(0))), IDLE_TIMEOUT_MS / 4);
      try {
        const before = client.frames.filter((f) => f.code === undefined).length;
        await sleep(3 * IDLE_TIMEOUT_MS);
        expect(client.closedByBroker()).toBe(false);
        const heartbeats = client.frames.filter((f) => f.code === undefined).length - before;
        expect(heartbeats).toBeGreaterThanOrEqual(Math.floor((3 * IDLE_TIMEOUT_MS) / peerIdleMs) - 1);
      } finally {
        clearInterval(heartbeat);
      }
      // rhea, too, keeps an idle connection alive from what the broker advertised.
      const conn = await connect(broker.url);
      await sleep(3 * IDLE_TIMEOUT_MS);
      expect(conn.is_open()).toBe(true);
    });
  });

  test('a consumer that stops reading is cut off at the output cap and its messages go to a healthy consumer', async () => {
    await withBroker(GUARDED, async (broker) => {
      const address = queueName('guard.slow');
      const count = 600;
      const client = await openedRaw(broker.url);
      client.write(Buffer.concat([attach('slow', 0, true, address), flow(0, 10_000)]));
      expect(await client.until(() => client.frames.some((f) => f.code === P.attach), 3000)).toBe(true);
      client.socket.pause();
      const producer = await connect(broker.url);
      const body = 'x'.repeat(32 * 1024);
      const messages = Array.from({ length: count }, (_, i) => ({ message_id: `m-${i}`, body }));
      expect((await sendAll(await openSender(producer, address), messages, 20_000)).accepted).toBe(count);
      // The slow peer's connection goes; the producer's stays.
      await until(
        async () => (await broker.stats()).connections === 1,
        10_000,
        'the non-reading consumer to be cut off',
      );
      // Its credit times the message size (3.2 MB) passes the cap, but it reads: it must not be cut.
      const healthy = await openReceiver(await connect(broker.url), { source: address, credit_window: 100 });
      const got = await collect(healthy, count, 20_000);
      expect(new Set(got.map((r) => r.message.message_id)).size).toBe(count);
    });
  });
});
