/**
 * One output per processing pass (rhea-patches/pass-output.ts), between two rhea peers in this
 * thread with the client patches on both: every message arrives whole and in order, and the
 * frames rhea writes and then changes (a detach's and a close's error, cleared right after the
 * write) reach the peer with their error, since the pass encodes each frame when rhea writes it.
 */
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import rhea from 'rhea';
import type { Connection, EventContext } from 'rhea';
import { setupClientThread } from '../../src/amqp/rhea-patches/index.js';

const COUNT = 300;
const received: string[] = [];
let linkError: unknown;
let connectionError: unknown;
let server: Server;
let closed: Promise<void>;

beforeAll(async () => {
  setupClientThread();
  const peer = rhea.create_container({ id: 'pass-output-peer' });
  let onClose: () => void = () => {};
  closed = new Promise((resolve) => (onClose = resolve));
  peer.on('message', (context: EventContext) => received.push(String(context.message?.body)));
  peer.on('receiver_close', (context: EventContext) => (linkError = context.receiver?.error));
  peer.on('connection_close', (context: EventContext) => {
    connectionError = context.connection.error;
    onClose();
  });
  server = peer.listen({ port: 0, host: '127.0.0.1' }) as unknown as Server;
  await new Promise<void>((resolve) => server.once('listening', resolve));
});

afterAll(() => server.close());

test('a pass of transfers arrives whole and in order; a detach and a close keep their errors', async () => {
  const { port } = server.address() as AddressInfo;
  const client = rhea.create_container({ id: 'pass-output-client' });
  const connection: Connection = client.connect({ port, host: '127.0.0.1', reconnect: false });
  const sender = connection.open_sender('pass-output');
  await new Promise<void>((resolve) => sender.once('sendable', () => resolve()));
  for (let i = 0; i < COUNT; i++) sender.send({ body: `m-${i}` });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${received.length} of ${COUNT} arrived`)), 10_000);
    const check = (): void => {
      if (received.length < COUNT) return void setTimeout(check, 10);
      clearTimeout(timer);
      resolve();
    };
    check();
  });
  expect(received).toEqual(Array.from({ length: COUNT }, (_, i) => `m-${i}`));
  sender.close({ condition: 'amqp:internal-error', description: 'link error kept' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  connection.close({ condition: 'amqp:connection:forced', description: 'connection error kept' });
  await closed;
  expect(linkError).toMatchObject({ condition: 'amqp:internal-error', description: 'link error kept' });
  expect(connectionError).toMatchObject({ condition: 'amqp:connection:forced', description: 'connection error kept' });
});
