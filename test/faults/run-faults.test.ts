/**
 * `salvo run --faults` as a user runs it, on the embedded broker: the proxy
 * sits between the workers and the broker, its faults land in result.json
 * and on the time series. No reset here: a reset needs reconnecting clients.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { proxiedEndpoint } from '../../src/coordinator/fault-session.js';
import { withBroker } from '../helpers/broker.js';
import { ensureCerts } from '../helpers/certs.js';
import { runCli } from '../helpers/cli.js';

async function run(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; result: RunResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-faults-'));
  const cli = await runCli(['run', '--drain-timeout', '3s', '--output', dir, ...args]);
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
  return { ...cli, result };
}

describe('salvo run --faults', () => {
  it('a spec that does not parse: one line naming the token, exit 2, nothing run', async () => {
    const cases: [string[], string][] = [
      [
        ['--faults', 'reset evry 2s'],
        'salvo: --faults "reset evry 2s": expected "every", "at" or "random" after "reset", got "evry"\n',
      ],
      [
        ['--faults', 'latency 5ms sideways'],
        'salvo: --faults "latency 5ms sideways": expected "up", "down" or "both" after the latency value, got "sideways"\n',
      ],
      [
        ['amqp://127.0.0.1:1/q', '--faults', 'broker-restart at 1s'],
        'salvo: --faults "broker-restart at 1s": broker-restart against an external broker needs --restart-command (how salvo restarts it)\n',
      ],
      [
        ['--seed', '4'],
        'salvo: --seed needs --broker-chaos, --faults, --tx-rollback-ratio or --recv-tx-rollback-ratio, got --seed "4" alone\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const cli = await runCli(['run', '-c', '10', ...args]);
      expect(cli.stderr).toBe(stderr);
      expect(cli.code).toBe(2);
      expect(cli.stdout).toBe('');
    }
  });

  it('latency 5ms each way raises service and end-to-end p50 by about 10 ms', async () => {
    const args = ['-c', '300', '--rate', '200', '--json'];
    const without = await run(args);
    const withLatency = await run([...args, '--faults', 'latency 5ms']);
    expect(without.code, without.stderr).toBe(0);
    expect(withLatency.code, withLatency.stderr).toBe(0);
    for (const kind of ['service', 'endToEnd'] as const) {
      const shift = withLatency.result.latency[kind]!.p50 - without.result.latency[kind]!.p50;
      // About 10 ms; the margin is for a busy host, whose baseline may move a millisecond from run to run.
      expect(shift, kind).toBeGreaterThanOrEqual(9_000);
    }
    expect(withLatency.result.faults).toEqual([
      { atMs: 0, kind: 'latency', target: 'all connections', effect: '5 ms added, both directions' },
    ]);
    expect(without.result.faults).toBeUndefined();
    // The proxy's own error: every delayed chunk's write time - due time, far below the 5 ms it was held.
    const lateness = withLatency.result.proxyLateness!;
    expect(lateness.count).toBeGreaterThanOrEqual(600);
    expect(lateness.p50).toBeLessThan(5_000);
    expect(without.result.proxyLateness).toBeUndefined();
  });

  it('blackhole 300ms at 1s: in result.faults at its time, stamped on its second, every message delivered', async () => {
    const { code, stderr, stdout, result } = await run([
      '-c',
      '300',
      '--rate',
      '100',
      '--faults',
      'blackhole 300ms at 1s',
    ]);
    expect(code, stderr).toBe(0);
    expect(result.faults).toHaveLength(1);
    // Nothing delayed by latency: no lateness to tell, and no line for it.
    expect(result.proxyLateness).toBeUndefined();
    expect(stdout).not.toContain('fault proxy:');
    const [blackhole] = result.faults!;
    expect(blackhole).toMatchObject({ kind: 'blackhole', target: 'all connections (2)' });
    expect(blackhole.effect).toBe('forwarding stopped for 300 ms on 2 connections and any opened meanwhile');
    expect(blackhole.atMs).toBeGreaterThanOrEqual(1000);
    expect(blackhole.atMs).toBeLessThan(1100);
    // Messages sent into the blackhole waited for its end: the worst service time is about its length.
    expect(result.latency.service!.max).toBeGreaterThan(200_000);
    const stamps = result.timeseries.map((point) => [point.t, point.faults, point.reconnects]);
    expect(stamps.filter(([, faults]) => (faults ?? 0) > 0)).toEqual([[1, 1, 0]]);
    expect(result.timeseries.every((point) => point.reconnects === 0)).toBe(true);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, received: 300 });
    expect(stdout).toMatch(/^ {2}faults: 1 blackhole; reconnects: 0$/m);
  });

  it('a fault due after the run has ended is not injected, but result.faults is still there', async () => {
    const { code, stderr, result } = await run(['-c', '50', '--rate', '100', '--faults', 'blackhole 1s at 5m']);
    expect(code, stderr).toBe(0);
    expect(result.faults).toEqual([]);
    expect(result.timeseries.every((point) => point.faults === 0)).toBe(true);
  });
});

describe('salvo run --faults over amqps', () => {
  it("TLS passes through the proxy, the certificate checked against the broker's name", async () => {
    const certs = ensureCerts();
    await withBroker(
      { tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false } },
      async (broker) => {
        const url = `${broker.tlsUrl!.replace('127.0.0.1', 'localhost')}/secure`;
        const { code, stderr, stdout, result } = await run([
          url,
          '-c',
          '200',
          '--ca',
          certs.ca,
          '--faults',
          'latency 1ms',
        ]);
        expect(code, stderr).toBe(0);
        expect(result.totals).toMatchObject({ sent: 200, received: 200 });
        expect(result.faults?.map((f) => f.kind)).toEqual(['latency']);
        const lateness = result.proxyLateness!;
        expect(stdout).toContain(
          `fault proxy: ${lateness.count.toLocaleString('en-US')} delayed writes, late by p50 ${Math.round(lateness.p50).toLocaleString('en-US')} µs, p99 `,
        );
      },
    );
  });

  it("workers get the proxy's address; the name to verify stays the broker's unless given", () => {
    const target = { host: 'broker.example', port: 5671, tls: true, caFile: 'ca.pem' };
    expect(proxiedEndpoint(target, '127.0.0.1', 40000)).toEqual({
      host: '127.0.0.1',
      port: 40000,
      tls: true,
      caFile: 'ca.pem',
      servername: 'broker.example',
    });
    expect(proxiedEndpoint({ ...target, servername: 'other.example' }, '127.0.0.1', 40000).servername).toBe(
      'other.example',
    );
    expect(proxiedEndpoint({ ...target, host: '10.0.0.5' }, '127.0.0.1', 40000).servername).toBeUndefined();
    expect(proxiedEndpoint({ ...target, tls: false }, '127.0.0.1', 40000).servername).toBeUndefined();
  });
});

describe('salvo run --faults broker-restart against an external broker', () => {
  it('runs --restart-command at its time and records it', async () => {
    await withBroker({}, async (broker) => {
      const { code, stderr, result } = await run([
        `${broker.url}/restart`,
        '-c',
        '200',
        '--rate',
        '100',
        '--faults',
        'broker-restart at 500ms',
        '--restart-command',
        'exit 0',
      ]);
      expect(code, stderr).toBe(0);
      expect(result.faults).toHaveLength(1);
      expect(result.faults![0]).toMatchObject({ kind: 'broker-restart', target: 'external broker' });
      expect(result.faults![0].effect).toMatch(/^restarted by --restart-command in \d+\.\d s$/);
      expect(result.faults![0].atMs).toBeGreaterThanOrEqual(500);
      expect(result.timeseries.find((point) => point.t === 0)?.faults).toBe(1);
    });
  });

  it('a failing command ends the run: one line, exit 3, the result written incomplete with its faults', async () => {
    await withBroker({}, async (broker) => {
      const { code, stderr, result } = await run([
        `${broker.url}/restart`,
        '-c',
        '1000',
        '--rate',
        '100',
        '--faults',
        'broker-restart at 500ms',
        '--restart-command',
        'echo no such broker >&2; exit 1',
      ]);
      expect(stderr).toBe(
        'salvo: broker-restart at 500 ms: --restart-command "echo no such broker >&2; exit 1" failed (exit 1): no such broker\n',
      );
      expect(code).toBe(3);
      expect(result.complete).toBe(false);
      expect(result.faults).toEqual([
        {
          atMs: expect.any(Number),
          kind: 'broker-restart',
          target: 'external broker',
          effect: expect.stringMatching(/^failed: /),
        },
      ]);
    });
  });
});

// scripts/faults/toxiproxy.sh start; .ci/run sets SALVO_TOXIPROXY_URL.
const TOXIPROXY = process.env.SALVO_TOXIPROXY_URL;
describe('salvo run --faults-via toxiproxy', () => {
  it('without --faults, or with a backend it does not know: one line, exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['--faults-via', 'toxiproxy=http://127.0.0.1:8474'],
        'salvo: --faults-via needs --faults (what to inject), got --faults-via alone\n',
      ],
      [
        ['--faults', 'reset at 1s', '--faults-via', 'toxi'],
        'salvo: --faults-via "toxi": expected toxiproxy=http://HOST:8474 (the API of a running toxiproxy server)\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const cli = await runCli(['run', '-c', '10', ...args]);
      expect(cli.stderr).toBe(stderr);
      expect(cli.code).toBe(2);
    }
  });

  it.runIf(TOXIPROXY !== undefined)(
    'a blackhole through a real toxiproxy: recorded at its time, stamped, every message delivered',
    async () => {
      const { code, stderr, result } = await run([
        '-c',
        '300',
        '--rate',
        '100',
        '--faults',
        'blackhole 300ms at 1s',
        '--faults-via',
        `toxiproxy=${TOXIPROXY}`,
      ]);
      expect(code, stderr).toBe(0);
      expect(result.plan.faults?.via).toEqual({ kind: 'toxiproxy', apiUrl: TOXIPROXY });
      expect(result.faults?.map((f) => f.kind)).toEqual(['blackhole']);
      expect(result.faults![0].atMs).toBeGreaterThanOrEqual(1000);
      expect(result.faults![0].atMs).toBeLessThan(1200);
      expect(result.timeseries.filter((point) => (point.faults ?? 0) > 0).map((point) => point.t)).toEqual([1]);
      expect(result.latency.service!.max).toBeGreaterThan(200_000);
      expect(result.verdict).toMatchObject({ ok: true, lost: 0, received: 300 });
    },
  );
});
