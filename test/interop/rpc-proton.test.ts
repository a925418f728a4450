/**
 * --pattern rpc against Qpid Proton Python (the guide's request/response
 * examples, test/interop/proton/rr_server.py and rr_client.py), both ways,
 * on the embedded broker: salvo's requesters answered by a Proton server
 * salvo did not start (--responders 0), and the Proton client answered by
 * salvo's responders (--senders 0, bounded by --count).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { queueName } from '../helpers/amqp.js';
import { useBroker } from '../helpers/broker.js';
import { runCli, startCli } from '../helpers/cli.js';
import { describeWithProton, explain, runProton } from '../helpers/proton.js';

const BOUND_MS = 60_000;

describeWithProton('--pattern rpc with Qpid Proton Python', () => {
  const broker = useBroker();

  test('salvo requesters (--responders 0) against the Proton server: 300 requests, all answered by correlation id', {
    timeout: 2 * BOUND_MS,
  }, async () => {
    const address = queueName('rpc-proton-server');
    const server = runProton<{ handled: number; delivered: number; relay: boolean }>(
      'rr_server.py',
      ['--url', broker().url, '--address', address, '--count', '300'],
      BOUND_MS,
    );
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-proton-'));
    const run = await runCli(
      [
        'run',
        `${broker().url}/${address}`,
        '--pattern',
        'rpc',
        '--responders',
        '0',
        '-c',
        '300',
        '--rpc-in-flight',
        '5',
        '--drain-timeout',
        '5s',
        '--json',
        '--output',
        dir,
      ],
      BOUND_MS,
    );
    const served = await server;
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.totals).toMatchObject({ requests: 300, replies: 300, unmatched: 0, late: 0, received: 0 });
    expect(result.latency.roundTrip?.count).toBe(300);
    expect(served.code, explain(served)).toBe(0);
    // The server answered through the embedded broker's ANONYMOUS-RELAY, to salvo's dynamic reply nodes.
    expect(served.result).toMatchObject({ handled: 300, delivered: 300, relay: true });
  });

  test('the Proton client against salvo responders (--senders 0 -c 4): 4 replies, same bodies, matching correlation ids', {
    timeout: 2 * BOUND_MS,
  }, async () => {
    const address = queueName('rpc-proton-client');
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-responders-'));
    const salvo = startCli([
      'run',
      `${broker().url}/${address}`,
      '--pattern',
      'rpc',
      '--senders',
      '0',
      '--responders',
      '1',
      '-c',
      '4',
      '--drain-timeout',
      '30s',
      '--json',
      '--output',
      dir,
    ]);
    const killer = setTimeout(() => salvo.child.kill('SIGKILL'), BOUND_MS);
    try {
      const client = await runProton<{
        replies: { request: string; reply: string }[];
        correlations_ok: boolean;
        reply_to: string;
      }>('rr_client.py', ['--url', broker().url, '--address', address], BOUND_MS / 2);
      expect(client.code, explain(client)).toBe(0);
      expect(client.result?.replies).toHaveLength(4);
      // salvo's responders echo the body: the reply is the request.
      for (const { request, reply } of client.result?.replies ?? []) expect(reply).toBe(request);
      expect(client.result?.correlations_ok).toBe(true);
      expect(client.result?.reply_to).toMatch(/^salvo\.dynamic\./);
      const run = await salvo.done;
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as RunResult;
      expect(result.totals.received).toBe(4);
    } finally {
      clearTimeout(killer);
      salvo.child.kill('SIGKILL');
    }
  });
});
