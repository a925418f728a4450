/** TLS (with and without client certificates) and SASL PLAIN users. */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { Connection } from 'rhea';
import { closeClients, collect, connect, openReceiver, openSender, queueName, sendAll } from '../helpers/amqp.js';
import { useBroker } from '../helpers/broker.js';
import { CLIENT_KEY_PASSWORD, ensureCerts, pem } from '../helpers/certs.js';
import { killSalvoChildren, spawnSalvo } from '../helpers/salvo-process.js';

afterEach(closeClients);
afterAll(killSalvoChildren);

const certs = ensureCerts();

/** One message goes round a fresh queue over `conn`. */
async function exchange(conn: Connection): Promise<void> {
  const address = queueName('secure');
  const receiver = await openReceiver(conn, address);
  const got = collect(receiver, 1, 3000);
  expect(
    (await sendAll(await openSender(conn, address), [{ body: 'over tls', application_properties: { k: 'v' } }]))
      .accepted,
  ).toBe(1);
  const [received] = await got;
  expect(received.message.body).toBe('over tls');
  expect(received.message.application_properties).toEqual({ k: 'v' });
}

describe('TLS with client certificates required', () => {
  const broker = useBroker({
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true },
  });

  test('the broker reports an amqps URL beside the plain one', () => {
    expect(broker().tlsUrl).toMatch(/^amqps:\/\/127\.0\.0\.1:\d+$/);
    expect(broker().url).toMatch(/^amqp:\/\/127\.0\.0\.1:\d+$/);
    expect(broker().tlsUrl).not.toBe(broker().url.replace('amqp:', 'amqps:'));
  });

  test('a client with a certificate (encrypted key) and the CA connects and exchanges a message', async () => {
    const conn = await connect(broker().tlsUrl as string, {
      ca: pem(certs.ca),
      cert: pem(certs.clientCert),
      key: pem(certs.clientKey),
      passphrase: CLIENT_KEY_PASSWORD,
    });
    expect((conn as unknown as { socket: { encrypted?: boolean } }).socket.encrypted).toBe(true);
    await exchange(conn);
  });

  test('a client with a certificate and an unencrypted key connects by host name (localhost) too', async () => {
    const url = (broker().tlsUrl as string).replace('127.0.0.1', 'localhost');
    const conn = await connect(url, { ca: pem(certs.ca), cert: pem(certs.clientCert), key: pem(certs.clientKeyPlain) });
    await exchange(conn);
  });

  test('a client without a certificate is refused', async () => {
    await expect(connect(broker().tlsUrl as string, { ca: pem(certs.ca) })).rejects.toThrow(
      /disconnected|refused|certificate|alert|socket/i,
    );
  });

  test('a client trusting the wrong CA fails to verify the broker', async () => {
    await expect(
      connect(broker().tlsUrl as string, {
        ca: pem(certs.wrongCa),
        cert: pem(certs.clientCert),
        key: pem(certs.clientKeyPlain),
      }),
    ).rejects.toThrow(/certificate|self.signed|verify/i);
  });

  test('plain AMQP on the other port still works', async () => {
    await exchange(await connect(broker().url));
  });
});

describe('TLS without client certificates', () => {
  const broker = useBroker({
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
  });

  test('a client that verifies the broker against the CA connects without a certificate', async () => {
    await exchange(await connect(broker().tlsUrl as string, { ca: pem(certs.ca) }));
  });

  test('a client trusting the wrong CA still fails', async () => {
    await expect(connect(broker().tlsUrl as string, { ca: pem(certs.wrongCa) })).rejects.toThrow(
      /certificate|self.signed|verify/i,
    );
  });
});

describe('SASL PLAIN users', () => {
  const broker = useBroker({ users: { salvo: 'secret' } });

  test('PLAIN with the right password connects', async () => {
    await exchange(await connect(broker().url, { username: 'salvo', password: 'secret' }));
  });

  test('PLAIN with a wrong password fails authentication', async () => {
    const attempt = connect(broker().url, { username: 'salvo', password: 'not-the-secret' });
    await expect(attempt).rejects.toMatchObject({ condition: 'amqp:unauthorized-access' });
    await expect(attempt).rejects.toThrow(/auth/i);
  });

  test('PLAIN with an unknown user fails authentication', async () => {
    await expect(connect(broker().url, { username: 'mallory', password: 'secret' })).rejects.toMatchObject({
      condition: 'amqp:unauthorized-access',
    });
  });

  test('a password that is a prefix of the right one fails', async () => {
    await expect(connect(broker().url, { username: 'salvo', password: 'secre' })).rejects.toMatchObject({
      condition: 'amqp:unauthorized-access',
    });
  });

  test('ANONYMOUS is refused', async () => {
    await expect(connect(broker().url, { sasl_mechanisms: undefined })).rejects.toThrow(
      /mechanism|auth|unauthorized|disconnected/i,
    );
    await expect(connect(broker().url, { username: 'anonymous' })).rejects.toThrow(
      /mechanism|auth|unauthorized|disconnected/i,
    );
  });
});

describe('SASL through the CLI', () => {
  test('the password never appears in anything the broker prints', async () => {
    const password = 'pw-7f3a-do-not-print';
    const wrong = 'wrong-91c2-do-not-print';
    const run = spawnSalvo(['broker', '--port', '0', '--users', `salvo:${password},other:${password}x`]);
    try {
      const [, url] = await run.line(/salvo broker listening on (amqp:\/\/\S+)/);
      await exchange(await connect(url, { username: 'salvo', password }));
      await expect(connect(url, { username: 'salvo', password: wrong })).rejects.toMatchObject({
        condition: 'amqp:unauthorized-access',
      });
      await expect(connect(url, {})).rejects.toThrow();
      await closeClients();
      run.kill('SIGINT');
      expect(await run.exit()).toBe(0);
    } finally {
      run.kill('SIGKILL');
    }
    const printed = run.stdout() + run.stderr();
    expect(printed).not.toContain(password);
    expect(printed).not.toContain(wrong);
    expect(printed).not.toContain('do-not-print');
  });

  test('a malformed --users value is a usage error that does not echo the value', async () => {
    const run = spawnSalvo(['broker', '--port', '0', '--users', 'salvo-secret-no-colon']);
    expect(await run.exit()).toBe(2);
    expect(run.stderr()).not.toContain('salvo-secret-no-colon');
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
  });
});
