/**
 * `salvo verify --quick` against the real brokers CI starts (skipped where
 * their variables are unset): every row agrees with what the probe found
 * (a refused feature "not offered", one accepted and ignored or faked
 * "broken"), every promise offered and run measured something, and the exit
 * code follows the rows.
 */
import { describe, expect, it } from 'vitest';
import type { CapabilityStatus } from '../../src/probe/index.js';
import { PROMISES } from '../../src/verify/promises.js';
import type { VerifyResult } from '../../src/verify/result.js';
import { runVerify } from './run-verify.js';

const BROKERS: [string, string | undefined][] = [
  ['ActiveMQ Artemis', process.env.SALVO_ARTEMIS_URL],
  ['RabbitMQ', process.env.SALVO_RABBITMQ_URL],
  ['ActiveMQ Classic', process.env.SALVO_ACTIVEMQ_URL],
];

/** The probe's check behind a promise whose feature a broker may lack. */
const CHECK_OF: Record<string, string> = {
  transactions: 'transactions',
  selectors: 'selector',
  'at-most-once': 'at-most-once',
  'large-messages': 'max-message-size',
  rpc: 'dynamic',
  // A ttl accepted and not honoured (an expired message delivered) breaks promise 15, as an ignored selector does.
  ttl: 'ttl',
};

const BOUND_MS = 240_000;

for (const [name, url] of BROKERS) {
  describe.runIf(url !== undefined)(`salvo verify --quick on ${name} (${url ?? 'SKIPPED: no URL'})`, () => {
    it('the rows follow the probe, and the exit code follows the rows', { timeout: BOUND_MS + 10_000 }, async () => {
      const { run, result } = await runVerify([url!, '--quick', '--json'], BOUND_MS);
      expect(result, run.stderr).toBeDefined();
      const r: VerifyResult = result!;
      const probed = (check: string): CapabilityStatus | undefined => r.probe.find((c) => c.name === check)?.status;
      for (const p of r.promises) {
        const check = CHECK_OF[p.id];
        const status = check === undefined ? undefined : probed(check);
        const row = `${p.id}: ${p.status}, ${p.evidence}`;
        if (p.status === 'not offered') expect(['refused', 'no', 'yes'], row).toContain(status);
        if (status === 'refused') expect(p.status, row).toBe('not offered');
        // Accepted and not applied, or faked: offered, and its run must find it broken.
        if (status === 'ignored' || status === 'fake') expect(p.status, row).toBe('broken');
        const spec = PROMISES.find((s) => s.id === p.id)!;
        if ((spec.scenarios || spec.onLinks) && !spec.needsRestartCommand && p.status !== 'not offered')
          expect(['kept', 'broken', 'not kept'], row).toContain(p.status);
      }
      // Priority is "kept" or "not kept", as the probe found it: higher first, or arrival order.
      const priority = r.promises.find((p) => p.id === 'priority');
      if (priority && probed('priority') === 'yes') expect(priority.status, priority.evidence).toBe('kept');
      if (priority && probed('priority') === 'ignored') expect(priority.status, priority.evidence).toBe('not kept');
      const failing = r.promises.some((p) => p.status === 'broken' || (p.status === 'not run' && !p.unsupported));
      expect(run.code, run.stderr).toBe(failing ? 1 : 0);
      expect(r.exitCode).toBe(run.code);
    });
  });
}
