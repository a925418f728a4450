/**
 * TTL and priority on the real brokers CI starts (each skipped when its
 * variable is unset): the probe says whether the broker honours each, and a
 * salvo run with a ttl and a late consumer must agree with it. A broker that
 * honours ttl has messages expired and none lost or received past their ttl;
 * one that ignores it is found delivering them late, never passed because
 * nothing expired. Which broker does what is docs/header.md's table (and
 * test/conformance/targets.ts's EXPECTED_PROBE).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAddressPrefix } from '../../src/probe/addresses.js';
import { probe, type ProbeReport } from '../../src/probe/index.js';
import type { RunResult } from '../../src/results/result.js';
import { withAddress } from '../../src/verify/target-url.js';
import { runCli } from '../helpers/cli.js';

const BROKERS: [string, string | undefined][] = [
  ['ActiveMQ Artemis', process.env.SALVO_ARTEMIS_URL],
  ['RabbitMQ', process.env.SALVO_RABBITMQ_URL],
  ['ActiveMQ Classic', process.env.SALVO_ACTIVEMQ_URL],
];

const LATE_CONSUMER = ['--rate', '500', '--duration', '4s', '--warmup', '0s', '--recv-start-after', '2s'];

for (const [name, url] of BROKERS) {
  // Skipped where the broker's URL is not set (a developer's machine without it); .ci/run sets all three.
  describe.runIf(url !== undefined)(`ttl and priority on ${name} (${url ?? 'SKIPPED: no URL'})`, () => {
    let report: ProbeReport;
    const status = (check: string): string | undefined => report.capabilities.find((c) => c.name === check)?.status;

    it('the probe measures ttl and priority (honoured or ignored, never an error)', { timeout: 60_000 }, async () => {
      report = await probe(url!, { stepTimeoutMs: 5_000 });
      const shown = JSON.stringify(report.capabilities.filter((c) => c.name === 'ttl' || c.name === 'priority'));
      expect(['yes', 'ignored'], shown).toContain(status('ttl'));
      expect(['yes', 'ignored', 'no'], shown).toContain(status('priority'));
    });

    it('a run with a ttl and a late consumer agrees with the probe', { timeout: 90_000 }, async () => {
      expect(report, 'the probe ran first').toBeDefined();
      const address = `${defaultAddressPrefix({ ...report.broker })}header.ttl.${Date.now().toString(36)}`;
      const dir = mkdtempSync(join(tmpdir(), 'salvo-header-real-'));
      const args = ['run', withAddress(url!, address), ...LATE_CONSUMER, '--msg-ttl', '1s', '--credit', '100'];
      const done = await runCli([...args, '--output', dir, '--quiet'], 80_000);
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
      const v = result.verdict!;
      const seen = JSON.stringify({ expired: v.expired, lost: v.lost, past: v.receivedExpired, stderr: done.stderr });
      expect(v.lost, seen).toBe(0);
      if (status('ttl') === 'yes') {
        expect(v.expired, seen).toBeGreaterThan(0);
        expect(v.receivedExpired, seen).toBe(0);
      } else {
        expect(v.receivedExpired, seen).toBeGreaterThan(0);
        expect(v.expired, seen).toBe(0);
      }
      expect(done.code, seen).toBe(0);
    });
  });
}
