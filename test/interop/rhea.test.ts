/** The interop scenarios again, with rhea clients on both ends. */
import { afterEach, describe, expect, test } from 'vitest';
import rhea from 'rhea';
import type { EventContext, Message } from 'rhea';
import {
  closeClients,
  collect,
  connect,
  drain,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { CLIENT_KEY_PASSWORD, ensureCerts, pem } from '../helpers/certs.js';
import { until } from '../helpers/wait.js';

afterEach(closeClients);

const certs = ensureCerts();
const COLOURS = ['red', 'green', 'blue'];

/** Message n (1-based) as the Proton sender makes it. */
function sequenced(count: number, colours: string[] = []): Message[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const properties: Record<string, unknown> = { seq: n, sender: 'rhea' };
    if (colours.length) properties.colour = colours[i % colours.length];
    return { message_id: n, body: { sequence: n }, application_properties: properties };
  });
}

const REQUESTS = [
  'Twas brillig, and the slithy toves',
  'Did gire and gymble in the wabe.',
  'All mimsy were the borogroves,',
  'And the mome raths outgrabe.',
];

describe('rhea clients', () => {
  const broker = useBroker({
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true },
  });

  test('1,000 reliable messages: all accepted, then all received in order', async () => {
    const address = queueName('rhea-reliable');
    const outcomes = await sendAll(await openSender(await connect(broker().url), address), sequenced(1000));
    expect(outcomes).toMatchObject({ sent: 1000, accepted: 1000, rejected: 0, released: 0 });
    const receiver = await openReceiver(await connect(broker().url), { source: address, credit_window: 100 });
    const got = await collect(receiver, 1000);
    expect(got.map((r) => r.message.message_id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(got.map((r) => (r.message.body as { sequence: number }).sequence)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    await until(async () => (await queueStats(broker(), address)).acknowledged === 1000, 3000, '1000 acknowledged');
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, enqueued: 1000, returned: 0 });
  });

  test('a selector receiver gets exactly the matching messages; the rest stay queued', async () => {
    const address = queueName('rhea-selector');
    const conn = await connect(broker().url);
    await sendAll(await openSender(conn, address), sequenced(30, COLOURS));
    const greens = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => COLOURS[(n - 1) % 3] === 'green');
    const selective = await openReceiver(conn, {
      source: { address, filter: rhea.filter.selector("colour = 'green'") } as never,
    });
    const got = await collect(selective, greens.length);
    expect(got.map((r) => r.message.message_id)).toEqual(greens);
    expect(await drain(selective, 300)).toHaveLength(0);
    selective.close();
    expect((await queueStats(broker(), address)).depth).toBe(30 - greens.length);
    const plain = await openReceiver(conn, address);
    const rest = await collect(plain, 30 - greens.length);
    expect(rest.map((r) => r.message.message_id)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => !greens.includes(n)),
    );
  });

  test('request/response: 4 upper-cased replies through a dynamic reply address and an anonymous relay', async () => {
    const requests = queueName('rhea-requests');
    // Server: a receiver on the request queue, and one anonymous sender for every reply.
    const serverConn = await connect(broker().url);
    const offered = [
      (serverConn as unknown as { remote: { open: { offered_capabilities?: string | string[] } } }).remote.open
        .offered_capabilities,
    ].flat();
    expect(offered).toContain('ANONYMOUS-RELAY');
    const relay = await openSender(serverConn, { target: {} as never });
    const serverReceiver = await openReceiver(serverConn, requests);
    let served = 0;
    serverReceiver.on('message', (ctx: EventContext) => {
      const request = ctx.message as Message;
      relay.send({
        to: request.reply_to,
        correlation_id: request.correlation_id,
        body: String(request.body).toUpperCase(),
      });
      served++;
    });

    // Client: a dynamic receiver for replies; one request at a time, as the guide's client does.
    const clientConn = await connect(broker().url);
    const replies = await openReceiver(clientConn, { source: { dynamic: true } as never });
    const replyTo: string = replies.source.address;
    expect(replyTo).toMatch(/^salvo\.dynamic\./);
    const sender = await openSender(clientConn, requests);
    const answers: { request: string; reply: unknown; correlation: unknown }[] = [];
    for (const [i, request] of REQUESTS.entries()) {
      const reply = collect(replies, 1, 5000);
      await sendAll(sender, [{ reply_to: replyTo, correlation_id: `req-${i}`, body: request }]);
      const [{ message }] = await reply;
      answers.push({ request, reply: message.body, correlation: message.correlation_id });
    }
    expect(answers.map((a) => a.reply)).toEqual(REQUESTS.map((r) => r.toUpperCase()));
    expect(answers.map((a) => a.correlation)).toEqual(REQUESTS.map((_, i) => `req-${i}`));
    expect(served).toBe(4);
  });

  test('best-effort: N pre-settled messages all arrive', async () => {
    const address = queueName('rhea-best-effort');
    const conn = await connect(broker().url);
    const sender = await openSender(conn, { target: address, snd_settle_mode: 1 });
    expect(sender.snd_settle_mode).toBe(1);
    expect((await sendAll(sender, sequenced(200))).sent).toBe(200);
    const receiver = await openReceiver(await connect(broker().url), {
      source: address,
      snd_settle_mode: 1,
      credit_window: 50,
    });
    expect(receiver.snd_settle_mode).toBe(1);
    const got = await collect(receiver, 200);
    expect(got.map((r) => r.message.message_id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(got.every((r) => r.delivery.remote_settled)).toBe(true);
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, enqueued: 200, acknowledged: 200 });
  });

  test('TLS: with a client certificate and the CA, messages go both ways', async () => {
    const address = queueName('rhea-tls');
    const options = {
      ca: pem(certs.ca),
      cert: pem(certs.clientCert),
      key: pem(certs.clientKey),
      passphrase: CLIENT_KEY_PASSWORD,
    };
    const sendConn = await connect(broker().tlsUrl as string, options);
    expect((await sendAll(await openSender(sendConn, address), sequenced(20))).accepted).toBe(20);
    const recvConn = await connect((broker().tlsUrl as string).replace('127.0.0.1', 'localhost'), options);
    const got = await collect(await openReceiver(recvConn, address), 20);
    expect(got.map((r) => r.message.message_id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('TLS fails when the client trusts the wrong CA', async () => {
    await expect(
      connect(broker().tlsUrl as string, {
        ca: pem(certs.wrongCa),
        cert: pem(certs.clientCert),
        key: pem(certs.clientKeyPlain),
      }),
    ).rejects.toThrow(/certificate/i);
  });
});
