/**
 * --shards with --send-url / --recv-url and the password from --password-env: two shard processes against one
 * embedded broker requiring SASL PLAIN, producers on its plain listener, consumers on its amqps one. Shard 0
 * merges one verdict over both shards and both sides; the password is in no shard's output, nor in the merged
 * result (what shards send each other is the redacted result, keyed by a plan hash without the password).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { useBroker } from '../helpers/broker.js';
import { ensureCerts } from '../helpers/certs.js';
import { runCli } from '../helpers/cli.js';

const certs = ensureCerts();
const PASSWORD = 'shard#secret,42';
const broker = useBroker({
  users: { alice: PASSWORD },
  tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
});

/** Every file under dir, as text. */
function everything(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? everything(path) : readFileSync(path, 'utf8')))
    .join('\n');
}

describe('shards with --send-url / --recv-url', () => {
  it('merge one PASS over both sides; the password is in no output', async () => {
    const send = `${broker().url.replace('amqp://', 'amqp://alice@')}/sides-shards`;
    const receive = broker().tlsUrl!.replace('amqps://', 'amqps://alice@');
    const runId = `sides-shards-${process.pid}`;
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'salvo-sides-shards-')));
    const runs = await Promise.all(
      [0, 1].map((index) =>
        runCli(
          [
            'run',
            '--send-url',
            send,
            '--recv-url',
            receive,
            '--ca',
            certs.ca,
            '--password-env',
            'SALVO_TEST_SHARD_PW',
            '--senders',
            '2',
            '--receivers',
            '2',
            '--shards',
            '2',
            '--shard-index',
            String(index),
            '--run-id',
            runId,
            '-c',
            '1000',
            '--output',
            dirs[index],
          ],
          90_000,
          { SALVO_TEST_SHARD_PW: PASSWORD, SALVO_PASSWORD: '' },
        ),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(join(dirs[0], 'merged', 'result.json'), 'utf8')) as RunResult;
    expect(merged.complete).toBe(true);
    expect(merged.totals).toMatchObject({ sent: 1000, accepted: 1000, received: 1000 });
    expect(merged.checks.every((check) => check.ok)).toBe(true);
    for (const text of [...runs.flatMap((r) => [r.stdout, r.stderr]), ...dirs.map(everything)])
      expect(text).not.toContain(PASSWORD);
  }, 120_000);
});
