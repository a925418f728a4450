/**
 * `salvo verify --only restart --restart-command ...` on ActiveMQ Artemis:
 * durable messages survive a kill -9 and start. Serial: the restart cuts
 * every connection to Artemis, so no other file may share it.
 */
import { describe, expect, it } from 'vitest';
import { runVerify } from './run-verify.js';

const artemis = process.env.SALVO_ARTEMIS_URL ?? (process.env.CI === 'true' ? 'amqp://127.0.0.1:5673' : undefined);

describe.runIf(artemis !== undefined)(
  `salvo verify --only restart on ActiveMQ Artemis (${artemis ?? 'SKIPPED'})`,
  () => {
    it('the restart promise is kept: a restart felt, lost 0, exit 0', { timeout: 190_000 }, async () => {
      const { run, result } = await runVerify(
        [artemis!, '--quick', '--only', 'restart', '--restart-command', 'bash scripts/brokers/artemis.sh restart'],
        180_000,
      );
      const restart = result!.promises.find((p) => p.id === 'restart')!;
      expect(restart.status, restart.evidence).toBe('kept');
      expect(restart.scenarios[0].counts['broker-restart']).toBe(1);
      expect(restart.scenarios[0].counts.lost).toBe(0);
      expect(restart.evidence).toMatch(/^1 restart, [1-9]\d* disconnects?; lost 0 of /);
      expect(run.code, run.stderr).toBe(0);
    });
  },
);
