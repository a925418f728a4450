/**
 * --send-url / --recv-url against ActiveMQ Artemis (scripts/brokers/artemis.sh): producers on the plain
 * acceptor (5673), consumers on the amqps one (5674, the PKI of .brokers/certs), the user's password from
 * --password-env on both. Skipped when Artemis does not answer, a failure with CI=true or SALVO_ARTEMIS_URL set.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAmqpUrl } from '../../src/plan/url.js';
import type { RunResult } from '../../src/results/result.js';
import { discover } from '../conformance/targets.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const artemis = (await discover()).find((entry) => entry.target.name === 'artemis')!;
const ca = process.env.SALVO_BROKER_CA ?? join(ROOT, '.brokers', 'certs', 'ca.pem');
const up = artemis.kind === 'up' && existsSync(ca);

/** The account scripts/brokers/artemis.sh creates: used when the URL given (SALVO_ARTEMIS_URL) names none. */
const SCRIPT_ACCOUNT = { user: 'salvo', password: 'salvo' };

/** The URL with its user kept and its password taken out, and that password. */
function withoutPassword(url: string, address: string): { url: string; password: string } {
  const parsed = parseAmqpUrl(url);
  const account = parsed.user === undefined ? SCRIPT_ACCOUNT : { user: parsed.user, password: parsed.password ?? '' };
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return {
    url: `${parsed.scheme}://${encodeURIComponent(account.user)}@${host}:${parsed.port}/${address}`,
    password: account.password,
  };
}

// Skipped only when Artemis or its CA is absent and not required; CI=true or SALVO_ARTEMIS_URL makes it required.
describe.skipIf(!up && !artemis.target.required)('--send-url / --recv-url on Artemis', () => {
  it('is reachable, with its CA', () => {
    expect(up, artemis.kind === 'missing' ? artemis.reason : `no CA at ${ca}`).toBe(true);
  });

  it('sends on the plain acceptor, receives on the amqps one: PASS with every message counted', async () => {
    const address = `salvo-urls-artemis-${process.pid}`;
    const send = withoutPassword(artemis.target.url, address);
    const receive = withoutPassword(artemis.target.tlsUrl, address);
    const dir = mkdtempSync(join(tmpdir(), 'salvo-urls-artemis-'));
    const args = ['run', '--send-url', send.url, '--recv-url', receive.url, '--recv-ca', ca, '-c', '2000'];
    const result = await runCli(
      [...args, '--password-env', 'SALVO_TEST_ARTEMIS_PW', '--quiet', '--output', dir],
      60_000,
      { SALVO_TEST_ARTEMIS_PW: send.password, SALVO_PASSWORD: '' },
    );
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    expect(written.totals).toMatchObject({ sent: 2000, accepted: 2000, received: 2000 });
    expect(written.verdict).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(written.plan.sides?.send.map((u) => [u.scheme, u.port])).toEqual([['amqp', parseAmqpUrl(send.url).port]]);
    expect(written.plan.sides?.receive.map((u) => [u.scheme, u.port])).toEqual([
      ['amqps', parseAmqpUrl(receive.url).port],
    ]);
  });
});
