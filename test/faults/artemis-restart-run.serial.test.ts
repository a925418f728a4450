/**
 * The done-when: Artemis killed (-9) and started again in the middle
 * of an at-least-once run of durable messages loses nothing. Serial: the
 * restart cuts every connection to Artemis, so no other file may share it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';

const artemis = process.env.SALVO_ARTEMIS_URL ?? (process.env.CI === 'true' ? 'amqp://127.0.0.1:5673' : undefined);

describe.runIf(artemis !== undefined)(
  `salvo run --faults "broker-restart at 3s" on ActiveMQ Artemis (${artemis ?? 'SKIPPED: SALVO_ARTEMIS_URL is not set'})`,
  () => {
    it('durable messages, at-least-once, Artemis killed -9 and started again mid-run: lost 0, exit 0', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'salvo-artemis-restart-'));
      const address = `salvo.restart.${Math.random().toString(36).slice(2, 8)}`;
      const cli = await runCli(
        [
          'run',
          `${artemis}/${address}`,
          '-c',
          '12000',
          '--rate',
          '2000',
          '--msg-durable',
          '--faults',
          'broker-restart at 3s',
          '--restart-command',
          'bash scripts/brokers/artemis.sh restart',
          '--drain-timeout',
          '10s',
          '--quiet',
          '--output',
          dir,
        ],
        150_000,
      );
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
      const restart = result.faults!.find((f) => f.kind === 'broker-restart');
      expect(restart?.effect, JSON.stringify(result.faults)).toMatch(/^restarted/);
      expect(result.verdict).toMatchObject({
        mode: 'at-least-once',
        ok: true,
        attempted: 12000,
        received: 12000,
        lost: 0,
        unexpected: 0,
      });
      // The restart cut every connection: the clients came back by themselves.
      expect(result.totals.reconnects).toBeGreaterThanOrEqual(2);
      expect(cli.code, cli.stderr).toBe(0);
    }, 180_000);
  },
);
