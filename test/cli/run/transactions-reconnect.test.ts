/**
 * Transactions through connection resets: a connection lost with a
 * transaction open rolls that transaction back (the broker does), so its
 * batch is rolled back, not lost, and is sent again whole in a new
 * transaction with the same sequence numbers. The verdict must find nothing
 * lost, no ghost and no partial batch. On the embedded broker and on Artemis,
 * each through a fault proxy that this test resets on its own clock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../src/faults/index.js';
import type { RunResult } from '../../../src/results/result.js';
import { useBroker } from '../../helpers/broker.js';
import { startCli } from '../../helpers/cli.js';

const RUN_BOUND_MS = 60_000;

async function throughResets(targetHost: string, targetPort: number, address: string): Promise<void> {
  const proxy = await FaultProxy.start({ targetHost, targetPort });
  const dir = mkdtempSync(join(tmpdir(), 'salvo-tx-reconnect-'));
  const { child, done } = startCli([
    'run',
    `amqp://127.0.0.1:${proxy.port}/${address}`,
    '-c',
    '6000',
    '--rate',
    '1500',
    '--tx-size',
    '10',
    '--tx-rollback-ratio',
    '0.2',
    '--recv-tx-size',
    '10',
    '--reconnect',
    '--drain-timeout',
    '3s',
    '--json',
    '--output',
    dir,
  ]);
  let resets = 0;
  const timer = setInterval(() => {
    if (!proxy.inject({ kind: 'reset' }).effect.startsWith('0 ')) resets++;
  }, 700);
  const kill = setTimeout(() => child.kill('SIGKILL'), RUN_BOUND_MS);
  const run = await done.finally(async () => {
    clearInterval(timer);
    clearTimeout(kill);
    await proxy.stop();
  });
  const result = JSON.parse(run.stdout) as RunResult;
  expect(resets, 'the test reset live connections').toBeGreaterThanOrEqual(3);
  const t = result.totals;
  expect(t.reconnects).toBeGreaterThan(0);
  // A reset that hit the sender landed in an open transaction (its messages went again with their own numbers:
  // resent) or on a commit in flight (in doubt: it may or may not have happened). Which, is chance: measured here,
  // resent 17 / 0 / 22 with in doubt 20 / 20 / 0 in three runs. The verdict below holds either way.
  expect(result.verdict!.resent! + result.verdict!.inDoubt!, 'a reset hit the sending transactions').toBeGreaterThan(0);
  expect(t.batchesCommitted).toBeGreaterThan(400);
  // Every committed message arrived (a commit in doubt may or may not have delivered its batch).
  expect(result.verdict!.received!).toBeGreaterThanOrEqual(t.committed - result.verdict!.inDoubt!);
  expect(result.verdict).toMatchObject({
    mode: 'transactional',
    ok: true,
    lost: 0,
    duplicated: 0,
    ghost: 0,
    partialBatch: 0,
    unexpected: 0,
  });
  expect(run.code, run.stderr).toBe(0);
}

describe('salvo run --tx-size --reconnect through connection resets (embedded broker)', {
  timeout: RUN_BOUND_MS + 10_000,
}, () => {
  const broker = useBroker();
  it('a reset every 700 ms: rolled-back batches resent whole, lost 0, ghost 0, partial 0, exit 0', async () => {
    const url = new URL(broker().url);
    await throughResets(url.hostname, Number(url.port), `tx-reconnect-${process.pid}`);
  });
});

const artemis = process.env.SALVO_ARTEMIS_URL;
if (artemis === undefined)
  console.warn(
    '\n!!! SKIPPING transactions through resets against Artemis: SALVO_ARTEMIS_URL is not set (scripts/brokers/artemis.sh start)\n',
  );
describe.runIf(artemis !== undefined)(
  'salvo run --tx-size --reconnect through connection resets against Artemis (skipped without SALVO_ARTEMIS_URL)',
  { timeout: RUN_BOUND_MS + 10_000 },
  () => {
    it('against Artemis, a reset every 700 ms: rolled-back batches resent whole, lost 0, ghost 0, partial 0, exit 0', async () => {
      const url = new URL(artemis!);
      await throughResets(url.hostname, Number(url.port), `salvo.tx.reconnect.${process.pid}`);
    });
  },
);
