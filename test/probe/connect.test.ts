/** The shared connect helper (src/amqp/connect.ts) and the SASL observation it relies on. */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect, endpointOf, readTlsFiles, tlsSocketOf } from '../../src/amqp/connect.js';
import { offeredSaslMechanisms } from '../../src/amqp/rhea-patches/index.js';
import { startEmbeddedBroker } from '../../src/broker/embedded.js';
import type { EmbeddedBroker } from '../../src/broker/embedded.js';
import { SalvoError } from '../../src/errors.js';
import { parseAmqpUrl } from '../../src/plan/url.js';
import { CLIENT_KEY_PASSWORD, ensureCerts } from '../helpers/certs.js';

const certs = ensureCerts();
let broker: EmbeddedBroker;
let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  broker = await startEmbeddedBroker({
    users: { bob: 'pw' },
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
  });
  // Accepts TCP and never says a word: the connect timeout's case.
  silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await broker?.stop();
});

async function failure(promise: Promise<unknown>): Promise<SalvoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SalvoError);
  return error as SalvoError;
}

describe('connect', () => {
  it('resolves an open connection, with the server SASL offer recorded', async () => {
    const url = parseAmqpUrl(broker.url.replace('amqp://', 'amqp://bob:pw@'));
    const connection = await connect(url);
    expect(connection.is_open()).toBe(true);
    expect(connection.container_id).toBe('salvo-broker');
    expect(offeredSaslMechanisms(connection)).toEqual(['PLAIN']);
    await disconnect(connection);
    expect(connection.is_open()).toBe(false);
  });

  it('rejects a refused port as unreachable, in one line', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failure(connect(parseAmqpUrl(`amqp://127.0.0.1:${port}`)));
    expect(error.code).toBe('unreachable');
    expect(error.message).toBe(`cannot connect to amqp://127.0.0.1:${port}: connection refused`);
  });

  it('gives up on a peer that never answers after timeoutMs', async () => {
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const error = await failure(connect(parseAmqpUrl(`amqp://127.0.0.1:${port}`), { timeoutMs: 300 }));
    expect(error.message).toBe(`cannot connect to amqp://127.0.0.1:${port}: no answer within 300 ms`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('says wrong credentials for a wrong password, and mechanism not offered for ANONYMOUS where PLAIN is required', async () => {
    const wrong = await failure(connect(parseAmqpUrl(broker.url.replace('amqp://', 'amqp://bob:nope@'))));
    expect(wrong.code).toBe('unreachable');
    expect(wrong.message).toBe(
      `cannot connect to ${broker.url}: SASL: wrong credentials: the broker refused PLAIN for user "bob" (outcome 1: auth)`,
    );
    const anonymous = await failure(connect(parseAmqpUrl(broker.url)));
    expect(anonymous.message).toBe(
      `cannot connect to ${broker.url}: SASL: mechanism not offered: the broker offers PLAIN; salvo would use ANONYMOUS (PLAIN needs user:password in the URL)`,
    );
  });

  it('checks a --sasl-mechanisms choice against the credentials before connecting', async () => {
    const error = await failure(connect(parseAmqpUrl(broker.url), { saslMechanisms: ['PLAIN'] }));
    expect(error.code).toBe('usage');
    expect(error.message).toBe('--sasl-mechanisms: PLAIN needs user:password in the URL');
  });

  it('verifies the server certificate against the given CA, by IP when the URL has one', async () => {
    const tls = await readTlsFiles({ ca: certs.ca });
    const url = parseAmqpUrl(broker.tlsUrl!.replace('amqps://', 'amqps://bob:pw@'));
    const connection = await connect(url, { tls });
    const socket = tlsSocketOf(connection);
    expect(socket?.authorized).toBe(true);
    await disconnect(connection);
    const wrongCa = await failure(connect(url, { tls: { ca: readFileSync(certs.wrongCa) } }));
    expect(wrongCa.message).toMatch(/^cannot connect to amqps:\/\/127\.0\.0\.1:\d+: TLS: /);
  });

  it('reads TLS files with usage errors naming the option', async () => {
    await expect(readTlsFiles({ cert: certs.clientCert })).rejects.toThrow('--cert and --key go together');
    const error = await failure(readTlsFiles({ key: '/nope/key.pem', cert: certs.clientCert }));
    expect(error.code).toBe('usage');
    expect(error.message).toBe('--key: cannot read /nope/key.pem (ENOENT)');
    expect(await readTlsFiles({ verify: false })).toEqual({ rejectUnauthorized: false });
  });

  it('checks a client key and its password before connecting', async () => {
    const encrypted = { cert: certs.clientCert, key: certs.clientKey };
    await expect(readTlsFiles(encrypted)).rejects.toThrow(
      `--key: cannot load ${certs.clientKey} (it is encrypted: give --key-password or --key-password-env)`,
    );
    const wrong = await failure(readTlsFiles({ ...encrypted, keyPassword: 'nope' }));
    expect(wrong.code).toBe('unreachable');
    expect(wrong.message).toBe(`TLS: bad key password: --key-password does not decrypt --key ${certs.clientKey}`);
    await expect(readTlsFiles({ cert: certs.clientCert, key: certs.ca })).rejects.toThrow('(not a PEM private key)');
    const tls = await readTlsFiles({ ...encrypted, keyPassword: CLIENT_KEY_PASSWORD });
    expect(tls).toMatchObject({ passphrase: CLIENT_KEY_PASSWORD, rejectUnauthorized: true });
  });

  it('names endpoints without user or address', () => {
    expect(endpointOf(parseAmqpUrl('amqps://u:p@[::1]:5671/q'))).toBe('amqps://[::1]:5671');
  });
});
