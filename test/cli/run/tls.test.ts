/**
 * `salvo run` (and `salvo probe`) over amqps and SASL, against embedded brokers
 * listening with the test PKI (scripts/certs.sh): what passes moves every
 * message; each failure is one line naming its cause, exit 3; --sasl-mechanisms
 * restricts what salvo uses; the key password from --key-password-env works.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrokerTlsOptions } from '../../../src/broker/options.js';
import type { RunResult } from '../../../src/results/result.js';
import { useBroker, withBroker } from '../../helpers/broker.js';
import { CLIENT_KEY_PASSWORD, ensureCerts } from '../../helpers/certs.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { ROOT } from '../../helpers/paths.js';

const certs = ensureCerts();
const KEY_ENV = 'SALVO_TEST_KEY_PASSWORD';

const serverTls = (extra: Partial<BrokerTlsOptions> = {}): BrokerTlsOptions => ({
  port: 0,
  certFile: certs.serverCert,
  keyFile: certs.serverKey,
  requireClientCert: false,
  ...extra,
});
const mutualTls = (extra: Partial<BrokerTlsOptions> = {}): BrokerTlsOptions =>
  serverTls({ caFile: certs.ca, requireClientCert: true, ...extra });

const plain = useBroker({ tls: serverTls() });
const expired = useBroker({ tls: serverTls({ certFile: certs.serverExpired }) });
const mutual = useBroker({ tls: mutualTls() });
/** Offers only EXTERNAL on TLS (no users, so no PLAIN; EXTERNAL replaces ANONYMOUS). */
const external = useBroker({ tls: mutualTls({ saslExternal: true }) });
/** Offers only PLAIN. */
const secured = useBroker({ users: { alice: 'right-one' } });

const clientCert = ['--cert', certs.clientCert, '--key', certs.clientKey, '--key-password-env', KEY_ENV];
const withKeyPassword = { [KEY_ENV]: CLIENT_KEY_PASSWORD };

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-tls-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** `amqps://localhost:<port>/<address>`: the name the server certificate carries. */
function byName(tlsUrl: string, address: string): string {
  return `${tlsUrl.replace('127.0.0.1', 'localhost')}/${address}`;
}

function run(url: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['run', url, '-c', '200', '--quiet', ...args], 30_000, env);
}

/** The run failed with exactly this one line (a worker's connect failure, any worker). */
function expectConnectFailure(result: CliRun, url: string, reason: string): void {
  const endpoint = url.replace(/^(amqps?:\/\/)(?:[^@/]*@)?([^/]+).*$/, '$1$2');
  expect(result.code, result.stderr).toBe(3);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0].replace(/^salvo: (sender|receiver) \d+, connection \d+: /, 'salvo: ')).toBe(
    `salvo: cannot connect to ${endpoint}: ${reason}`,
  );
}

function expectMoved(result: CliRun, dir: string, count: number): void {
  expect(result.code, result.stderr).toBe(0);
  expect(readResult(dir).totals).toMatchObject({ sent: count, received: count });
}

describe('salvo run over amqps: server verification', () => {
  it('verifies the broker against --ca, by host name and by IP, and moves every message', async () => {
    const byHost = outputDir();
    expectMoved(await run(byName(plain().tlsUrl!, 'tls-host'), ['--ca', certs.ca, '--output', byHost]), byHost, 200);
    const byIp = outputDir();
    expectMoved(await run(`${plain().tlsUrl!}/tls-ip`, ['--ca', certs.ca, '--output', byIp]), byIp, 200);
  });

  it("without --ca checks against Node's roots, which do not hold the test CA", async () => {
    const url = byName(plain().tlsUrl!, 'tls-roots');
    expectConnectFailure(
      await run(url),
      url,
      "TLS: unknown CA: the broker's certificate does not chain to a CA Node trusts (give --ca with the CA that signed it): unable to verify the first certificate",
    );
  });

  it('names an unknown CA', async () => {
    const url = byName(plain().tlsUrl!, 'tls-wrong-ca');
    expectConnectFailure(
      await run(url, ['--ca', certs.wrongCa]),
      url,
      "TLS: unknown CA: the broker's certificate does not chain to a CA in --ca: unable to verify the first certificate",
    );
  });

  it("names a host name mismatch, with the certificate's names and the one expected", async () => {
    const url = byName(plain().tlsUrl!, 'tls-name');
    expectConnectFailure(
      await run(url, ['--ca', certs.ca, '--servername', 'broker.salvo.invalid']),
      url,
      "TLS: host name mismatch: the broker's certificate is for DNS:localhost, IP:127.0.0.1, not broker.salvo.invalid" +
        ' (--servername NAME says which name to expect; --no-verify-host checks the chain only)',
    );
  });

  it('--no-verify-host skips the name check but still checks the chain', async () => {
    const url = byName(plain().tlsUrl!, 'tls-no-verify-host');
    const dir = outputDir();
    expectMoved(
      await run(url, ['--ca', certs.ca, '--servername', 'broker.salvo.invalid', '--no-verify-host', '--output', dir]),
      dir,
      200,
    );
    expectConnectFailure(
      await run(url, ['--ca', certs.wrongCa, '--no-verify-host']),
      url,
      "TLS: unknown CA: the broker's certificate does not chain to a CA in --ca: unable to verify the first certificate",
    );
  });

  it('names an expired broker certificate', async () => {
    const url = byName(expired().tlsUrl!, 'tls-expired');
    expectConnectFailure(await run(url, ['--ca', certs.ca]), url, "TLS: expired: the broker's certificate has expired");
  });
});

describe('salvo run over amqps: client certificates', () => {
  it('runs with a client certificate whose key password comes from --key-password-env', async () => {
    const dir = outputDir();
    const result = await run(
      byName(mutual().tlsUrl!, 'mtls'),
      ['--ca', certs.ca, ...clientCert, '--output', dir],
      withKeyPassword,
    );
    expectMoved(result, dir, 200);
    for (const text of [result.stdout, result.stderr, readFileSync(join(dir, 'result.json'), 'utf8')]) {
      expect(text).not.toContain(CLIENT_KEY_PASSWORD);
    }
  });

  it('a missing variable is a one-line usage error naming it; a wrong password is exit 3, value unsaid', async () => {
    const url = byName(mutual().tlsUrl!, 'mtls-env');
    const missing = await run(url, ['--ca', certs.ca, ...clientCert]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`salvo: --key-password-env: ${KEY_ENV} is not set in the environment\n`);
    const wrong = await run(url, ['--ca', certs.ca, ...clientCert], { [KEY_ENV]: 'not-the-pass-42' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toBe(
      `salvo: TLS: bad key password: the password in ${KEY_ENV} does not decrypt --key ${certs.clientKey}\n`,
    );
    const both = await run(url, ['--ca', certs.ca, ...clientCert, '--key-password', 'x'], withKeyPassword);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('salvo: --key-password and --key-password-env: give one of them\n');
  });

  it('says a client certificate is required when none is given', async () => {
    const url = byName(mutual().tlsUrl!, 'mtls-none');
    expectConnectFailure(
      await run(url, ['--ca', certs.ca]),
      url,
      'TLS: client certificate required: the broker asks for one (give --cert and --key)',
    );
  });

  it('names the client certificate the broker refuses', async () => {
    const url = byName(mutual().tlsUrl!, 'mtls-refused');
    expectConnectFailure(
      await run(url, ['--ca', certs.ca, '--cert', certs.clientWrongCa, '--key', certs.clientKeyPlain]),
      url,
      'TLS: client certificate refused: the broker closed the connection right after the TLS handshake, before SASL' +
        ' (the client certificate O=salvo, CN=salvo-client, issued by O=salvo, CN=salvo WRONG test CA)',
    );
  });
});

describe('salvo run: SASL', () => {
  it('names wrong credentials with the SASL outcome, never the password', async () => {
    const url = `${secured().url.replace('amqp://', 'amqp://alice:wrong-one@')}/sasl`;
    const result = await run(url);
    expectConnectFailure(
      result,
      url,
      'SASL: wrong credentials: the broker refused PLAIN for user "alice" (outcome 1: auth)',
    );
    expect(result.stderr).not.toContain('wrong-one');
  });

  it('--sasl-mechanisms restricts: ANONYMOUS against a broker offering only PLAIN fails, naming the offer', async () => {
    const url = `${secured().url.replace('amqp://', 'amqp://alice:right-one@')}/sasl-restricted`;
    expectConnectFailure(
      await run(url, ['--sasl-mechanisms', 'anonymous']),
      url,
      'SASL: mechanism not offered: the broker offers PLAIN; --sasl-mechanisms allows only ANONYMOUS',
    );
    const dir = outputDir();
    expectMoved(await run(url, ['--sasl-mechanisms', 'PLAIN', '--output', dir]), dir, 200);
  });

  it('EXTERNAL authenticates with the client certificate only when asked for', async () => {
    const url = byName(external().tlsUrl!, 'sasl-external');
    expectConnectFailure(
      await run(url, ['--ca', certs.ca, ...clientCert], withKeyPassword),
      url,
      'SASL: mechanism not offered: the broker offers EXTERNAL; salvo would use ANONYMOUS (--sasl-mechanisms EXTERNAL uses the client certificate)',
    );
    const dir = outputDir();
    expectMoved(
      await run(
        url,
        ['--ca', certs.ca, ...clientCert, '--sasl-mechanisms', 'EXTERNAL', '--output', dir],
        withKeyPassword,
      ),
      dir,
      200,
    );
  });

  it('salvo broker offers EXTERNAL only with client certificates required', async () => {
    const result = await runCli(
      [
        'broker',
        '--port',
        '0',
        '--tls-port',
        '0',
        '--tls-cert',
        certs.serverCert,
        '--tls-key',
        certs.serverKey,
        '--tls-sasl-external',
      ],
      30_000,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('salvo: --tls-sasl-external needs --tls-require-client-cert\n');
  });

  it('a list salvo cannot use is a usage error before connecting', async () => {
    const url = `${secured().url}/sasl-usage`;
    const unknown = await run(url, ['--sasl-mechanisms', 'PLAIN,SCRAM-SHA-256']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'salvo: --sasl-mechanisms: salvo speaks ANONYMOUS, PLAIN, EXTERNAL, not SCRAM-SHA-256\n',
    );
    const noPassword = await run(url, ['--sasl-mechanisms', 'PLAIN']);
    expect(noPassword.stderr).toBe('salvo: --sasl-mechanisms: PLAIN needs user:password in the URL\n');
    const noCert = await run(byName(external().tlsUrl!, 'x'), ['--ca', certs.ca, '--sasl-mechanisms', 'EXTERNAL']);
    expect(noCert.stderr).toBe('salvo: --sasl-mechanisms: EXTERNAL needs an amqps:// URL and --cert with --key\n');
  });
});

describe('profiles/tls.yaml', () => {
  it('runs as its comments say, against a broker requiring the client certificate of .certs/local', async () => {
    const local = ensureCerts(join(ROOT, '.certs', 'local'));
    await withBroker(
      { tls: mutualTls({ certFile: local.serverCert, keyFile: local.serverKey, caFile: local.ca }) },
      async (broker) => {
        const dir = outputDir();
        const result = await runCli(
          [
            'run',
            byName(broker.tlsUrl!, 'profile-tls'),
            '--profile',
            join(ROOT, 'profiles', 'tls.yaml'),
            '-c',
            '300',
            '--quiet',
            '--output',
            dir,
          ],
          30_000,
          { SALVO_KEY_PASSWORD: CLIENT_KEY_PASSWORD },
        );
        expectMoved(result, dir, 300);
      },
    );
  });
});

describe('salvo probe: the same flags', () => {
  it('probes with EXTERNAL, --servername and --no-verify-host, and reports the mechanism used', async () => {
    const result = await runCli(
      [
        'probe',
        external().tlsUrl!,
        '--json',
        '--ca',
        certs.ca,
        ...clientCert,
        '--sasl-mechanisms',
        'EXTERNAL',
        '--servername',
        'broker.salvo.invalid',
        '--no-verify-host',
        '--timeout',
        '5s',
      ],
      30_000,
      withKeyPassword,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { capabilities: { name: string; detail: string }[] };
    expect(report.capabilities.find((c) => c.name === 'sasl')?.detail).toBe('offered EXTERNAL; used EXTERNAL');
    expect(result.stdout).not.toContain(CLIENT_KEY_PASSWORD);
  });

  it('--insecure (the probe only) connects to a broker it cannot verify and says why', async () => {
    const result = await runCli(['probe', plain().tlsUrl!, '--json', '--insecure', '--timeout', '5s'], 30_000);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { capabilities: { name: string; detail: string }[] };
    expect(report.capabilities.find((c) => c.name === 'tls')?.detail).toMatch(
      /, verified no \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
    );
  });

  it('names the cause in one line and exits 3', async () => {
    const result = await runCli(['probe', expired().tlsUrl!, '--ca', certs.ca], 30_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `salvo: cannot connect to ${expired().tlsUrl!}: TLS: expired: the broker's certificate has expired\n`,
    );
  });
});
