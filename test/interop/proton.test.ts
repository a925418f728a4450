/** Qpid Proton Python clients (the guide's examples) against the embedded broker. */
import { afterEach, expect, test } from 'vitest';
import { closeClients, collect, connect, openReceiver, openSender, queueName, sendAll } from '../helpers/amqp.js';
import { queueStats, useBroker } from '../helpers/broker.js';
import { CLIENT_KEY_PASSWORD, ensureCerts } from '../helpers/certs.js';
import { describeWithProton, explain, runProton } from '../helpers/proton.js';
import type { RecvResult, SendResult } from '../helpers/proton.js';

afterEach(closeClients);

const certs = ensureCerts();
const COLOURS = ['red', 'green', 'blue'];

describeWithProton('Qpid Proton Python clients', () => {
  const broker = useBroker({
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true },
  });
  const url = (): string[] => ['--url', broker().url];

  test('1,000 reliable messages: all confirmed by the Proton sender, then all received in order', async () => {
    const address = queueName('proton-reliable');
    const send = await runProton<SendResult>('send.py', [...url(), '--address', address, '--count', '1000']);
    expect(send.code, explain(send)).toBe(0);
    expect(send.result).toMatchObject({ sent: 1000, accepted: 1000, rejected: 0, released: 0, ok: true });
    expect((await queueStats(broker(), address)).depth).toBe(1000);

    const recv = await runProton<RecvResult>('recv.py', [...url(), '--address', address, '--count', '1000']);
    expect(recv.code, explain(recv)).toBe(0);
    const expected = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(recv.result?.ids).toEqual(expected);
    expect(recv.result?.bodies).toEqual(expected.map((n) => ({ sequence: n })));
    expect(recv.result?.delivery_counts.every((n) => n === 0)).toBe(true);
    const stats = await queueStats(broker(), address);
    expect(stats).toMatchObject({ depth: 0, enqueued: 1000, acknowledged: 1000, returned: 0 });
  });

  test('a selector receiver gets exactly the matching messages; the rest stay queued', async () => {
    const address = queueName('proton-selector');
    const send = await runProton<SendResult>('send.py', [
      ...url(),
      '--address',
      address,
      '--count',
      '30',
      '--colours',
      COLOURS.join(','),
    ]);
    expect(send.code, explain(send)).toBe(0);
    const greens = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => COLOURS[(n - 1) % 3] === 'green');
    const recv = await runProton<RecvResult>('recv.py', [
      ...url(),
      '--address',
      address,
      '--count',
      String(greens.length),
      '--selector',
      "colour = 'green'",
      '--idle-timeout',
      '3',
    ]);
    expect(recv.code, explain(recv)).toBe(0);
    expect(recv.result?.ids).toEqual(greens);
    expect(recv.result?.properties.every((p) => p.colour === 'green')).toBe(true);
    // The broker echoed the filter it applied, under Proton's key and descriptor.
    expect(recv.result?.remote_filter).toEqual({
      selector: { descriptor: 'apache.org:selector-filter:string', value: "colour = 'green'" },
    });
    // Everything else is still there, in order, for a plain receiver.
    expect((await queueStats(broker(), address)).depth).toBe(30 - greens.length);
    const rest = await runProton<RecvResult>('recv.py', [
      ...url(),
      '--address',
      address,
      '--count',
      String(30 - greens.length),
      '--idle-timeout',
      '3',
    ]);
    expect(rest.code, explain(rest)).toBe(0);
    expect(rest.result?.ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => !greens.includes(n)));
    expect(rest.result?.properties.some((p) => p.colour === 'green')).toBe(false);
    expect((await queueStats(broker(), address)).depth).toBe(0);
  });

  test('request/response: 4 upper-cased replies through a dynamic address, replies sent via ANONYMOUS-RELAY', async () => {
    const address = queueName('proton-requests');
    const server = runProton<{ handled: number; delivered: number; relay: boolean; offered: string[] }>(
      'rr_server.py',
      [...url(), '--address', address, '--count', '4'],
    );
    const client = await runProton<{
      reply_to: string;
      replies: { request: string; reply: string }[];
      correlations_ok: boolean;
    }>('rr_client.py', [...url(), '--address', address]);
    const served = await server;
    expect(client.code, explain(client)).toBe(0);
    expect(served.code, explain(served)).toBe(0);
    expect(client.result?.replies).toHaveLength(4);
    for (const { request, reply } of client.result?.replies ?? []) expect(reply).toBe(request.toUpperCase());
    expect(client.result?.replies.map((r) => r.request)[0]).toBe('Twas brillig, and the slithy toves');
    expect(client.result?.correlations_ok).toBe(true);
    expect(client.result?.reply_to).toMatch(/^salvo\.dynamic\./);
    expect(served.result).toMatchObject({ handled: 4, delivered: 4, relay: true });
    expect(served.result?.offered).toContain('ANONYMOUS-RELAY');
  });

  test('best-effort (AtMostOnce): N pre-settled messages all arrive', async () => {
    const address = queueName('proton-best-effort');
    const send = await runProton<SendResult>('send.py', [
      ...url(),
      '--address',
      address,
      '--count',
      '200',
      '--best-effort',
    ]);
    expect(send.code, explain(send)).toBe(0);
    expect(send.result).toMatchObject({ sent: 200, accepted: 0 });
    const recv = await runProton<RecvResult>('recv.py', [
      ...url(),
      '--address',
      address,
      '--count',
      '200',
      '--best-effort',
      '--idle-timeout',
      '3',
    ]);
    expect(recv.code, explain(recv)).toBe(0);
    expect(recv.result?.ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(recv.result?.settled_by_sender).toBe(200);
    expect(await queueStats(broker(), address)).toMatchObject({ depth: 0, enqueued: 200, acknowledged: 200 });
  });

  test('TLS with peer-name verification and a client certificate (encrypted key) works both ways', async () => {
    const address = queueName('proton-tls');
    const tls = [
      '--url',
      broker().tlsUrl as string,
      '--sni',
      'localhost',
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
      '--key-password',
      CLIENT_KEY_PASSWORD,
    ];
    const send = await runProton<SendResult>('send.py', [...tls, '--address', address, '--count', '20']);
    expect(send.code, explain(send)).toBe(0);
    expect(send.result?.accepted).toBe(20);
    // The receiver names the broker by host name in its URL (and uses the unencrypted key).
    const byName = (broker().tlsUrl as string).replace('127.0.0.1', 'localhost');
    const recv = await runProton<RecvResult>('recv.py', [
      '--url',
      byName,
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKeyPlain,
      '--address',
      address,
      '--count',
      '20',
    ]);
    expect(recv.code, explain(recv)).toBe(0);
    expect(recv.result?.ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('TLS fails when the client trusts the wrong CA', async () => {
    const run = await runProton<SendResult>('send.py', [
      '--url',
      broker().tlsUrl as string,
      '--sni',
      'localhost',
      '--ca',
      certs.wrongCa,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKeyPlain,
      '--address',
      queueName('proton-wrong-ca'),
      '--count',
      '1',
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.result?.sent).toBe(0);
    expect(run.result?.errors.join(' ')).toMatch(/certificate verify failed/);
  });

  test('TLS fails without a client certificate when the broker requires one', async () => {
    const run = await runProton<SendResult>('send.py', [
      '--url',
      broker().tlsUrl as string,
      '--sni',
      'localhost',
      '--ca',
      certs.ca,
      '--address',
      queueName('proton-no-cert'),
      '--count',
      '1',
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.result?.sent).toBe(0);
    expect(run.result?.errors.join(' ')).toMatch(/certificate required|handshake|SSL/i);
  });

  test('a Proton receiver reads what a rhea sender sent: application properties and body intact', async () => {
    const address = queueName('rhea-to-proton');
    const conn = await connect(broker().url);
    const messages = Array.from({ length: 5 }, (_, i) => ({
      message_id: `rhea-${i}`,
      subject: 'interop',
      application_properties: {
        colour: i % 2 ? 'green' : 'red',
        seq: i,
        flag: i % 2 === 0,
        ratio: i + 0.5,
        name: `n-${i}`,
        nothing: null,
      },
      body: i < 3 ? `text body ${i} ✓` : { kind: 'map', n: i, list: [1, 'two', true] },
    }));
    expect((await sendAll(await openSender(conn, address), messages)).accepted).toBe(5);
    const recv = await runProton<RecvResult>('recv.py', [...url(), '--address', address, '--count', '5', '--types']);
    expect(recv.code, explain(recv)).toBe(0);
    expect(recv.result?.ids).toEqual(messages.map((m) => m.message_id));
    expect(recv.result?.bodies).toEqual(messages.map((m) => m.body));
    expect(recv.result?.properties).toEqual(messages.map((m) => m.application_properties));
    expect(recv.result?.property_types?.[0]).toMatchObject({
      colour: 'str',
      flag: 'bool',
      ratio: 'float',
      name: 'str',
      nothing: 'NoneType',
    });
  });

  test('a rhea receiver reads what a Proton sender sent: application properties and body intact', async () => {
    const address = queueName('proton-to-rhea');
    const send = await runProton<SendResult>('send.py', [
      ...url(),
      '--address',
      address,
      '--count',
      '6',
      '--colours',
      'red,green',
    ]);
    expect(send.code, explain(send)).toBe(0);
    const receiver = await openReceiver(await connect(broker().url), address);
    const got = await collect(receiver, 6);
    got.forEach(({ message }, i) => {
      const n = i + 1;
      expect(Number(message.message_id)).toBe(n);
      expect(message.body).toEqual({ sequence: n });
      expect(message.application_properties).toEqual({
        seq: n,
        sender: 'proton',
        flag: n % 2 === 0,
        ratio: n / 2,
        colour: n % 2 ? 'red' : 'green',
      });
    });
  });
});
