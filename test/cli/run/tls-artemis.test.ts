/**
 * `salvo run` over amqps against ActiveMQ Artemis (scripts/brokers/artemis.sh:
 * amqps on 5674 with the PKI of .brokers/certs, client certificates wanted, not
 * required). Skipped when Artemis does not answer, a failure with CI=true.
 * What a Java broker does differently from Node's: it refuses a client
 * certificate with a TLS alert, and it offers PLAIN and ANONYMOUS, not EXTERNAL.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover } from '../../conformance/targets.js';
import { CLIENT_KEY_PASSWORD, ensureCerts } from '../../helpers/certs.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { ROOT } from '../../helpers/paths.js';

const artemis = (await discover()).find((entry) => entry.target.name === 'artemis')!;
const brokerCerts = dirname(process.env.SALVO_BROKER_CA ?? join(ROOT, '.brokers', 'certs', 'ca.pem'));
const up = artemis.kind === 'up' && existsSync(join(brokerCerts, 'client.pem'));
const testCerts = ensureCerts();
const tlsUrl = artemis.target.tlsUrl;
const endpoint = tlsUrl.replace(/\/\/[^@/]*@/, '//');

function run(url: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['run', url, '-c', '500', '--quiet', ...args], 60_000, env);
}

function expectLine(result: CliRun, reason: RegExp): void {
  expect(result.code, result.stderr).toBe(3);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(
    lines[0]
      .replace(/^salvo: (sender|receiver) \d+, connection \d+: /, 'salvo: ')
      .slice(`salvo: cannot connect to ${endpoint}: `.length),
  ).toMatch(reason);
}

describe.skipIf(!up && !artemis.target.required)('salvo run over amqps on Artemis', () => {
  it('is reachable', () => {
    expect(up, artemis.kind === 'missing' ? artemis.reason : `no client certificate in ${brokerCerts}`).toBe(true);
  });

  it('verifies the broker, and sends with a client certificate whose key password is in the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-tls-artemis-'));
    const result = await run(
      `${tlsUrl}/salvo-tls-artemis`,
      [
        '--ca',
        join(brokerCerts, 'ca.pem'),
        '--cert',
        join(brokerCerts, 'client.pem'),
        '--key',
        join(brokerCerts, 'client-key.pem'),
        '--key-password-env',
        'SALVO_KEY_PW',
        '--output',
        dir,
      ],
      { SALVO_KEY_PW: CLIENT_KEY_PASSWORD },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).totals).toMatchObject({
      sent: 500,
      received: 500,
    });
  });

  it('names the unknown CA (Artemis sends its chain: the root is self-signed)', async () => {
    expectLine(
      await run(`${tlsUrl}/x`, ['--ca', join(brokerCerts, 'wrong-ca.pem')]),
      /^TLS: unknown CA: the broker's certificate does not chain to a CA in --ca: self-signed certificate in certificate chain$/,
    );
  });

  it('names the client certificate Artemis refuses with an alert', async () => {
    expectLine(
      await run(`${tlsUrl}/x`, [
        '--ca',
        join(brokerCerts, 'ca.pem'),
        '--cert',
        testCerts.clientWrongCa,
        '--key',
        testCerts.clientKeyPlain,
      ]),
      /^TLS: client certificate refused: the broker answered "certificate unknown" to the client certificate O=salvo, CN=salvo-client, issued by O=salvo, CN=salvo WRONG test CA$/,
    );
  });

  it('EXTERNAL alone fails naming what Artemis offers; wrong credentials name the SASL outcome', async () => {
    const tls = [
      '--ca',
      join(brokerCerts, 'ca.pem'),
      '--cert',
      join(brokerCerts, 'client.pem'),
      '--key',
      join(brokerCerts, 'client-key-plain.pem'),
    ];
    expectLine(
      await run(`${tlsUrl}/x`, [...tls, '--sasl-mechanisms', 'EXTERNAL']),
      /^SASL: mechanism not offered: the broker offers (PLAIN, ANONYMOUS|ANONYMOUS, PLAIN); --sasl-mechanisms allows only EXTERNAL$/,
    );
    expectLine(
      await run(`${tlsUrl.replace(/\/\/[^@/]*@/, '//salvo:not-it-9@')}/x`, tls),
      /^SASL: wrong credentials: the broker refused PLAIN for user "salvo" \(outcome 1: auth\)$/,
    );
  });
});
