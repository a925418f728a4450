/**
 * `salvo run --send-url ... --recv-url ...` against one embedded broker listening
 * twice (plain and amqps): producers on one listener, consumers on the other,
 * one verdict over the pair; two send URLs spread over the senders (a wrong CA
 * for the send side only shows which sender went where); the unreachable URL
 * named in one line; what is refused, refused in one line.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { useBroker } from '../helpers/broker.js';
import { ensureCerts } from '../helpers/certs.js';
import { runCli, type CliRun } from '../helpers/cli.js';

const certs = ensureCerts();
const broker = useBroker({
  tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
});

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-sides-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

const plain = (address = ''): string => `${broker().url}${address ? `/${address}` : ''}`;
const tls = (): string => broker().tlsUrl!;

function run(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return runCli(['run', '--quiet', ...args], timeoutMs);
}

function oneLine(result: CliRun, code: number): string {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('salvo run with --send-url and --recv-url', () => {
  it('sends over plain AMQP and receives over amqps (its CA): PASS, every message counted once', async () => {
    const dir = outputDir();
    const result = await run([
      '--send-url',
      plain('sides-pair'),
      '--recv-url',
      tls(),
      '--recv-ca',
      certs.ca,
      '-c',
      '1000',
      '--output',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const written = readResult(dir);
    expect(written.totals).toMatchObject({ sent: 1000, accepted: 1000, received: 1000 });
    expect(written.verdict).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(written.plan.sides?.send.map((u) => [u.url, u.connections])).toEqual([[plain('sides-pair'), 1]]);
    expect(written.plan.sides?.receive.map((u) => [u.scheme, u.port, u.connections])).toEqual([
      ['amqps', Number(new URL(tls()).port), 1],
    ]);
    expect(written.environment.target).toBe(`send ${plain('sides-pair')} -> receive ${tls()}`);
  });

  it('without the CA on the receiving side, the receiver alone fails its TLS check', async () => {
    const line = oneLine(await run(['--send-url', plain('sides-noca'), '--recv-url', tls(), '-c', '10']), 3);
    expect(line).toMatch(
      /^salvo: receiver 1, connection 1: cannot connect to amqps:\/\/127\.0\.0\.1:\d+: TLS: unknown CA/,
    );
  });

  it('spreads two send URLs over the senders, recorded in result.json, one verdict for all', async () => {
    const dir = outputDir();
    const sendUrls = `${plain('sides-spread')},${tls()}`;
    const result = await run([
      '--send-url',
      sendUrls,
      '--recv-url',
      plain(),
      '--ca',
      certs.ca,
      '--senders',
      '2',
      '-c',
      '2000',
      '--output',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const written = readResult(dir);
    expect(written.totals).toMatchObject({ sent: 2000, accepted: 2000, received: 2000 });
    expect(written.plan.sides?.send.map((u) => [u.scheme, u.connections])).toEqual([
      ['amqp', 1],
      ['amqps', 1],
    ]);
    expect(written.plan.address).toBe('sides-spread');
  });

  it('the second sender goes to the second URL: a wrong --send-ca fails sender 2 on the amqps URL', async () => {
    const result = await run([
      '--send-url',
      `${plain('sides-which')},${tls()}`,
      '--recv-url',
      plain(),
      '--send-ca',
      certs.wrongCa,
      '--senders',
      '2',
      '-c',
      '10',
    ]);
    const line = oneLine(result, 3);
    expect(line).toMatch(
      /^salvo: sender 2, connection 1: cannot connect to amqps:\/\/127\.0\.0\.1:\d+: TLS: unknown CA: the broker's certificate does not chain to a CA in --send-ca:/,
    );
  });

  it('names the unreachable --recv-url in one line, without its password, exit 3', async () => {
    const result = await run([
      '--send-url',
      plain('sides-down'),
      '--recv-url',
      'amqp://alice:do-not-show@127.0.0.1:1/sides-down',
      '-c',
      '10',
    ]);
    expect(oneLine(result, 3)).toMatch(
      /^salvo: cannot connect to amqp:\/\/alice@127\.0\.0\.1:1\/sides-down \(--recv-url\): connection refused/,
    );
    expect(result.stderr + result.stdout).not.toContain('do-not-show');
  });

  it('runs request/reply: requesters on the send URL, responders on the receive URL', async () => {
    const dir = outputDir();
    const result = await run([
      '--send-url',
      plain('sides-rpc'),
      '--recv-url',
      tls(),
      '--ca',
      certs.ca,
      '--pattern',
      'rpc',
      '-c',
      '300',
      '--output',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(readResult(dir).totals).toMatchObject({ requests: 300, replies: 300, unanswered: 0 });
  });

  it('refuses --faults and a side without a URL, one line each, exit 2', async () => {
    const faults = await run(['--send-url', plain('q'), '--recv-url', tls(), '--faults', 'reset every 1s', '-c', '10']);
    expect(oneLine(faults, 2)).toBe(
      'salvo: --faults puts one proxy in front of one URL: not with --send-url/--recv-url (put a toxiproxy in ' +
        'front of each node and give its URLs instead)',
    );
    const alone = await run(['--recv-url', tls(), '-c', '10']);
    expect(oneLine(alone, 2)).toBe(
      'salvo: --recv-url needs --send-url or the URL argument for the sending side, got neither',
    );
  });

  it("checks a side's own --recv-sasl-mechanisms against its URL, naming that flag, before connecting", async () => {
    const result = await run([
      '--send-url',
      plain('sides-sasl'),
      '--recv-url',
      tls(),
      '--recv-sasl-mechanisms',
      'PLAIN',
    ]);
    expect(oneLine(result, 2)).toBe('salvo: --recv-sasl-mechanisms: PLAIN needs user:password in the URL');
  });

  it('--print-plan shows both sides and their spread', async () => {
    const result = await runCli([
      'run',
      '--send-url',
      plain('sides-print'),
      '--recv-url',
      `${plain()},${tls()}`,
      '--receivers',
      '2',
      '--print-plan',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as RunResult['plan'];
    expect(printed.sides?.receive.map((u) => u.connections)).toEqual([1, 1]);
  });
});
