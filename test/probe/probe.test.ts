/**
 * `salvo probe` against the embedded broker (plain, with SASL PLAIN users,
 * and over TLS), the CLI's output and exit codes, and the runner's isolation.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../src/broker/embedded.js';
import type { EmbeddedBroker } from '../../src/broker/embedded.js';
import { CAPABILITY_STATUSES, CHECKS, PROBE_SCHEMA, formatJson, formatTable, probe } from '../../src/probe/index.js';
import type { CapabilityResult, Check, ProbeReport } from '../../src/probe/index.js';
import { SalvoError } from '../../src/errors.js';
import { parseChaosSpec } from '../../src/plan/chaos-spec.js';
import { CLI, ROOT } from '../helpers/paths.js';
import { ensureCerts } from '../helpers/certs.js';

const certs = ensureCerts();
const USERS = { alice: 's3cret' };
const CAPABILITY_NAMES = [
  'connection',
  'sasl',
  'tls',
  'max-frame-size',
  'max-message-size',
  'at-least-once',
  'at-most-once',
  'durable',
  'anonymous-relay',
  'dynamic',
  'selector',
  'selector-depth',
  'transactions',
  'fan-out',
  'shared-subscriptions',
  'ttl',
  'priority',
  'round-trip',
];

let broker: EmbeddedBroker;
let secured: EmbeddedBroker;

beforeAll(async () => {
  [broker, secured] = await Promise.all([
    startEmbeddedBroker({
      tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
    }),
    startEmbeddedBroker({ users: USERS }),
  ]);
});

afterAll(async () => {
  await Promise.all([broker?.stop(), secured?.stop()]);
});

function byName(report: ProbeReport): Record<string, CapabilityResult> {
  return Object.fromEntries(report.capabilities.map((result) => [result.name, result]));
}

function statuses(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(report.capabilities.map((result) => [result.name, result.status]));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function salvo(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('probe against the embedded broker', () => {
  it('finds every capability working, in order, and TLS not applicable on amqp://', async () => {
    const report = await probe(broker.url);
    expect(report.capabilities.map((result) => result.name)).toEqual(CAPABILITY_NAMES);
    // The embedded broker keeps arrival order whatever the priority (docs/header.md): the probe says so.
    const status = (name: string): string => (name === 'tls' ? 'n/a' : name === 'priority' ? 'ignored' : 'yes');
    const expected = Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, status(name)]));
    expect(statuses(report), JSON.stringify(report.capabilities, null, 2)).toEqual(expected);
    expect(report.broker).toEqual({ product: 'salvo', containerId: 'salvo-broker' });
    const results = byName(report);
    expect(results.sasl.detail).toBe('offered ANONYMOUS; used ANONYMOUS');
    expect(results.selector.detail).toContain('received green, green');
    expect(results.transactions.detail).toMatch(/^txn-id \S+; rolled-back message never arrived, committed one did$/);
    expect(results['at-most-once'].detail).toContain('granted sender settled, receiver settled');
    expect(results.ttl.detail).toBe('5 messages with a 200 ms ttl, queued 1500 ms with no consumer: none delivered');
    expect(results.priority.detail).toContain('received 1,1,1,1,1,8,8,8,8,8 (arrival order)');
  });

  it('finds a broker that keeps expired messages ignoring ttl', async () => {
    const chaotic = await startEmbeddedBroker({ port: 0, chaos: parseChaosSpec('ignore-ttl=1', 1) });
    try {
      const ttl = byName(await probe(chaotic.url)).ttl;
      expect(ttl.status).toBe('ignored');
      expect(ttl.detail).toBe('5 of 5 messages with a 200 ms ttl delivered 1500 ms after they were sent');
    } finally {
      await chaotic.stop();
    }
  });

  it('leaves no message behind on the queues it used', async () => {
    await probe(broker.url);
    const stats = await broker.stats();
    const probeQueues = stats.queues.filter((queue) => queue.address.includes('salvo.probe.'));
    expect(probeQueues.length).toBeGreaterThan(0);
    for (const queue of probeQueues) expect(queue, queue.address).toMatchObject({ depth: 0 });
  });

  it('records the SASL offer and uses PLAIN when the URL has a password', async () => {
    const url = secured.url.replace('amqp://', 'amqp://alice:s3cret@');
    const report = await probe(url);
    expect(report.url).toBe(secured.url.replace('amqp://', 'amqp://alice@'));
    expect(byName(report).sasl).toEqual({ name: 'sasl', status: 'yes', detail: 'offered PLAIN; used PLAIN' });
    expect(byName(report)['at-least-once'].status).toBe('yes');
  });

  it('rejects a wrong password as unreachable, with one line', async () => {
    // Not a word the message itself may use ("wrong credentials").
    const url = secured.url.replace('amqp://', 'amqp://alice:n0t-it@');
    const error = await probe(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalvoError);
    expect((error as SalvoError).code).toBe('unreachable');
    expect((error as SalvoError).message).toMatch(
      /^cannot connect to amqp:\/\/127\.0\.0\.1:\d+: SASL: wrong credentials: the broker refused PLAIN for user "alice"/,
    );
    expect((error as SalvoError).message).not.toContain('n0t-it');
  });
});

describe('probe over TLS', () => {
  it('reports protocol, cipher, subject and a verified certificate', async () => {
    const report = await probe(broker.tlsUrl!, { tls: { ca: readFileSync(certs.ca) } });
    const tls = byName(report).tls;
    expect(tls.status).toBe('yes');
    expect(tls.detail).toMatch(/^TLSv1\.[23], \S+, subject .*CN=localhost.*, verified yes$/);
    expect(byName(report).transactions.status).toBe('yes');
  });

  it('connects without verification when told to, and says the certificate did not verify', async () => {
    const report = await probe(broker.tlsUrl!, { tls: { rejectUnauthorized: false } });
    expect(byName(report).tls.detail).toMatch(/verified no \(\w+\)$/);
  });

  it('refuses an unverifiable certificate by default', async () => {
    const error = await probe(broker.tlsUrl!).catch((e: unknown) => e);
    expect((error as SalvoError).code).toBe('unreachable');
    expect((error as SalvoError).message).toMatch(/^cannot connect to amqps:\/\/127\.0\.0\.1:\d+: TLS: /);
  });

  it('works from the command line with --ca', async () => {
    const run = await salvo('probe', broker.tlsUrl!, '--ca', certs.ca, '--json');
    expect(run.stderr).toBe('');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ProbeReport;
    expect(report.capabilities.find((result) => result.name === 'tls')?.detail).toContain('verified yes');
  });
});

describe('salvo probe (command line)', () => {
  it('prints a table with a row per capability and exits 0', async () => {
    const run = await salvo('probe', broker.url);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`salvo probe ${broker.url}: salvo (container salvo-broker)`);
    expect(lines[2]).toMatch(/^capability\s+status\s+detail$/);
    expect(lines.slice(3).map((line) => line.split(/\s+/)[0])).toEqual(CAPABILITY_NAMES);
    expect(lines.find((line) => line.startsWith('selector'))).toMatch(/^selector\s+yes\s+filter echoed/);
  });

  it('--json prints exactly one salvo.probe/1 document, password redacted', async () => {
    const url = secured.url.replace('amqp://', 'amqp://alice:s3cret@');
    const run = await salvo('probe', url, '--json', '--timeout', '5s');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('s3cret');
    const report = JSON.parse(run.stdout) as ProbeReport;
    expect(Object.keys(report)).toEqual(['schema', 'url', 'broker', 'capabilities']);
    expect(report.schema).toBe(PROBE_SCHEMA);
    expect(report.url).toBe(secured.url.replace('amqp://', 'amqp://alice@'));
    expect(report.broker).toEqual({ product: 'salvo', containerId: 'salvo-broker' });
    expect(report.capabilities.map((result) => result.name)).toEqual(CAPABILITY_NAMES);
    for (const result of report.capabilities) {
      expect(Object.keys(result)).toEqual(['name', 'status', 'detail']);
      expect(CAPABILITY_STATUSES).toContain(result.status);
      expect(typeof result.detail).toBe('string');
    }
  });

  it('exits 3 with one line when nothing listens on the port', async () => {
    const port = await closedPort();
    const run = await salvo('probe', `amqp://127.0.0.1:${port}`, '--json');
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`salvo: cannot connect to amqp://127.0.0.1:${port}: connection refused\n`);
  });

  it('exits 3 when authentication fails, without echoing the password', async () => {
    const run = await salvo('probe', secured.url.replace('amqp://', 'amqp://alice:nope@'));
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/SASL: wrong credentials/);
    expect(run.stderr).not.toContain('nope');
  });

  it('exits 2 for a bad URL, without echoing its password', async () => {
    for (const url of ['http://127.0.0.1:5672', 'amqp://u:hunter2@127.0.0.1:99999', 'amqp://']) {
      const run = await salvo('probe', url);
      expect(run.code, `${url}: ${run.stderr}`).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^salvo: URL .+\n$/);
      expect(run.stderr).not.toContain('hunter2');
    }
  });

  it('exits 2 for a bad --timeout or an unreadable --ca', async () => {
    const timeout = await salvo('probe', broker.url, '--timeout', 'soon');
    expect(timeout.code, timeout.stderr).toBe(2);
    expect(timeout.stderr).toMatch(/^salvo: .*--timeout.*\n$/);
    // A bare number is seconds, as everywhere: 5000 would be 83 minutes, past the 10m bound.
    const bare = await salvo('probe', broker.url, '--timeout', '5000');
    expect(bare.code, bare.stderr).toBe(2);
    expect(bare.stderr).toMatch(/^salvo: .*--timeout.*from 1ms to 10m.*\n$/);
    const ca = await salvo('probe', broker.tlsUrl!, '--ca', '/no/such/ca.pem');
    expect(ca.code, ca.stderr).toBe(2);
    expect(ca.stderr).toBe('salvo: --ca: cannot read /no/such/ca.pem (ENOENT)\n');
  });
});

describe('probe runner', () => {
  const throwing: Check = { name: 'throws', run: () => Promise.reject(new Error('boom\nsecond line')) };
  const hanging: Check = { name: 'hangs', run: () => new Promise(() => undefined) };

  it('turns a check that throws into status error and runs the next one', async () => {
    const only = CHECKS.filter((check) => check.name === 'at-least-once');
    const report = await probe(broker.url, { checks: [throwing, ...only] });
    expect(report.capabilities).toEqual([
      { name: 'throws', status: 'error', detail: 'boom' },
      expect.objectContaining({ name: 'at-least-once', status: 'yes' }),
    ]);
  });

  it('bounds a check that never finishes', async () => {
    const started = Date.now();
    const report = await probe(broker.url, { checks: [hanging], stepTimeoutMs: 50 });
    expect(report.capabilities).toEqual([
      { name: 'hangs', status: 'error', detail: 'check did not finish within 400 ms' },
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('honours --address-prefix', async () => {
    const only = CHECKS.filter((check) => check.name === 'at-least-once');
    await probe(broker.url, { checks: only, addressPrefix: 'custom/' });
    const stats = await broker.stats();
    expect(stats.queues.some((queue) => /^custom\/salvo\.probe\.[0-9a-f]{8}\.at-least-once$/.test(queue.address))).toBe(
      true,
    );
  });
});

describe('formatTable and formatJson', () => {
  const report: ProbeReport = {
    schema: PROBE_SCHEMA,
    url: 'amqp://u@h:1',
    broker: { product: 'Broker', version: '1.2', containerId: 'c1' },
    capabilities: [
      { name: 'connection', status: 'yes', detail: 'container c1' },
      { name: 'selector', status: 'ignored', detail: 'filter echoed but not applied' },
      { name: 'tls', status: 'n/a', detail: '' },
    ],
  };

  it('aligns the columns under a heading', () => {
    expect(formatTable(report)).toBe(
      [
        'salvo probe amqp://u@h:1: Broker 1.2 (container c1)',
        '',
        'capability  status   detail',
        'connection  yes      container c1',
        'selector    ignored  filter echoed but not applied',
        'tls         n/a',
        '',
      ].join('\n'),
    );
  });

  it('says so when the broker names no product', () => {
    expect(formatTable({ ...report, broker: {} }).split('\n')[0]).toBe('salvo probe amqp://u@h:1: unknown product');
  });

  it('prints JSON that parses back to the report', () => {
    expect(JSON.parse(formatJson(report))).toEqual(report);
    expect(formatJson(report).endsWith('}\n')).toBe(true);
  });
});
