/**
 * Messages a run did not send, found on a shared queue: counted as foreign (never as
 * received), and either consumed (--foreign accept, the default) or left on the queue for
 * their owners (--foreign release).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { closeClients, connect, numbered, openSender, queueName, sendAll } from '../../helpers/amqp.js';
import { queueStats, withBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';

afterEach(closeClients);

async function runWithForeign(
  policy: 'accept' | 'release' | undefined,
): Promise<{ result: RunResult; depthAfter: number; stdout: string }> {
  return withBroker({}, async (broker) => {
    const address = queueName('foreign');
    const leftover = await openSender(await connect(broker.url), address);
    expect((await sendAll(leftover, numbered(50, 'other-run'))).accepted).toBe(50);
    const dir = mkdtempSync(join(tmpdir(), 'salvo-foreign-'));
    const args = ['run', `${broker.url}/${address}`, '-c', '500', '--drain-timeout', '2s', '--output', dir];
    if (policy) args.push('--foreign', policy);
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    return { result, depthAfter: (await queueStats(broker, address)).depth, stdout: run.stdout };
  });
}

describe('foreign messages', () => {
  test('by default they are consumed and counted apart, never as received', async () => {
    const { result, depthAfter, stdout } = await runWithForeign(undefined);
    expect(result.plan.foreign).toBe('accept');
    expect(result.totals).toMatchObject({ sent: 500, accepted: 500, received: 500, foreign: 50 });
    expect(depthAfter).toBe(0);
    expect(stdout).toMatch(/Foreign\s+50 messages not sent by this run/);
  });

  test('--foreign release leaves them on the queue for their owners', async () => {
    const { result, depthAfter } = await runWithForeign('release');
    expect(result.totals).toMatchObject({ sent: 500, accepted: 500, received: 500, foreign: 50 });
    expect(depthAfter).toBe(50);
  });

  test('a bad policy is one line and exit 2', async () => {
    const run = await runCli(['run', '-c', '10', '--foreign', 'keep']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('salvo: --foreign must be accept or release, got "keep"');
  });
});
