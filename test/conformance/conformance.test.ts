/**
 * One conformance suite, run against every target: the embedded broker
 * always, ActiveMQ Artemis, RabbitMQ and ActiveMQ Classic when they run
 * (and always in CI).
 *
 * For each target the probe runs first (in-process) and decides which
 * scenarios apply: a scenario the target cannot do is skipped with the
 * probe's status and detail as the reason, never passed. The probe's own
 * verdicts are asserted against what each broker is known to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import { startEmbeddedBroker } from '../../src/broker/embedded.js';
import type { EmbeddedBroker } from '../../src/broker/embedded.js';
import type { TlsOptions } from '../../src/amqp/connect.js';
import { defaultAddressPrefix, probe } from '../../src/probe/index.js';
import type { CapabilityResult, ProbeReport } from '../../src/probe/index.js';
import { ensureCerts, pem } from '../helpers/certs.js';
import * as runs from './runs.js';
import * as scenarios from './scenarios.js';
import type { ScenarioTarget } from './scenarios.js';
import { EXPECTED_PROBE, discover } from './targets.js';
import type { TargetName } from './targets.js';

interface Probed {
  plain: ProbeReport;
  /** The probe of the amqps URL, or why there is none. */
  tls: ProbeReport | Error;
  target: ScenarioTarget;
  tlsTarget: ScenarioTarget;
}

interface SuiteTarget {
  name: TargetName;
  label: string;
  /** Resolves the URLs once the target runs (the embedded broker starts in beforeAll). */
  urls(): { url: string; tlsUrl: string; tls: TlsOptions };
}

const SCENARIOS: { name: string; needs: string; run: (target: ScenarioTarget) => Promise<void>; viaTls?: boolean }[] = [
  { name: 'reliable', needs: 'at-least-once', run: (t) => scenarios.reliable(t) },
  { name: 'best-effort', needs: 'at-most-once', run: (t) => scenarios.bestEffort(t) },
  { name: 'selector', needs: 'selector', run: (t) => scenarios.selector(t) },
  { name: 'selector behind a page of others', needs: 'selector-depth', run: (t) => scenarios.selectorBehindPage(t) },
  { name: 'dynamic request/response', needs: 'dynamic', run: (t) => scenarios.requestResponse(t) },
  { name: 'transactions: sends', needs: 'transactions', run: (t) => scenarios.transactionalSends(t) },
  { name: 'transactions: acceptances', needs: 'transactions', run: (t) => scenarios.transactionalAccepts(t) },
  { name: 'TLS', needs: 'tls', run: (t) => scenarios.tls(t), viaTls: true },
  { name: 'salvo run: two runs at once', needs: 'at-least-once', run: (t) => runs.concurrentRuns(t) },
  { name: 'salvo run: through connection resets', needs: 'at-least-once', run: (t) => runs.throughResets(t) },
];

const certs = ensureCerts();
let embedded: EmbeddedBroker | undefined;

const targets: SuiteTarget[] = [
  {
    name: 'embedded',
    label: 'embedded broker',
    urls: () => ({
      url: embedded!.url.replace('amqp://', 'amqp://salvo:salvo@'),
      tlsUrl: embedded!.tlsUrl!.replace('amqps://', 'amqps://salvo:salvo@'),
      tls: { ca: pem(certs.ca) },
    }),
  },
];

const availability = await discover();
const skipped: string[] = [];
for (const entry of availability) {
  const { target } = entry;
  if (entry.kind === 'up') {
    targets.push({
      name: target.name,
      label: target.label,
      urls: () => ({ url: target.url, tlsUrl: target.tlsUrl, tls: target.tls }),
    });
  } else if (target.required) {
    describe(target.label, () => {
      it(`is required (${target.requiredBecause})`, () => {
        throw new Error(`${target.label} is required (${target.requiredBecause}) but missing: ${entry.reason}`);
      });
    });
  } else {
    skipped.push(`${target.label}: ${entry.reason}`);
    describe(target.label, () => {
      // Outside CI a broker the developer did not start is skipped, loudly (warned below), never passed.
      it.skip(`not running: every scenario skipped (${entry.reason})`, () => undefined);
    });
  }
}
if (skipped.length > 0) {
  const rule = '!'.repeat(78);
  console.warn(
    `\n${rule}\n[salvo conformance] SKIPPED ${skipped.length} broker target(s); their scenarios did NOT run:\n` +
      skipped.map((line) => `  - ${line}`).join('\n') +
      `\n(In CI, with CI=true, a missing broker fails the suite.)\n${rule}\n`,
  );
}

beforeAll(async () => {
  embedded = await startEmbeddedBroker({
    users: { salvo: 'salvo' },
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
  });
});

afterAll(async () => {
  await embedded?.stop();
});

for (const suite of targets) {
  describe(suite.label, () => {
    let probed: Probed | undefined;

    beforeAll(async () => {
      const { url, tlsUrl, tls } = suite.urls();
      const plain = await probe(url);
      const secure = await probe(tlsUrl, { tls }).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
      const prefix = defaultAddressPrefix({ product: plain.broker.product });
      probed = { plain, tls: secure, target: { url, prefix }, tlsTarget: { url: tlsUrl, tls, prefix } };
    }, 60_000);

    it('probe: the capabilities this broker is known for', () => {
      const expected = EXPECTED_PROBE[suite.name];
      const results = resultsOf(probed!.plain);
      for (const [name, allowed] of Object.entries(expected)) {
        expect(allowed, `${name}: ${results[name]?.detail}`).toContain(results[name]?.status);
      }
      expect(results.tls).toEqual({ name: 'tls', status: 'n/a', detail: 'plain TCP (amqp://)' });
    });

    it('probe: TLS over amqps is verified', () => {
      const tls = probed!.tls;
      if (tls instanceof Error) throw tls;
      const result = resultsOf(tls).tls;
      expect(result.status).toBe('yes');
      expect(result.detail).toContain('verified yes');
    });

    for (const scenario of SCENARIOS) {
      it(`scenario: ${scenario.name}`, async (context) => {
        const report = scenario.viaTls ? probed!.tls : probed!.plain;
        if (report instanceof Error) throw report; // an amqps port that does not answer is a failure, not a skip
        const result = resultsOf(report)[scenario.needs];
        if (result?.status !== 'yes') await notApplicable(context, suite.label, scenario.needs, result);
        await scenario.run(scenario.viaTls ? probed!.tlsTarget : probed!.target);
      }, 120_000);
    }
  });
}

function resultsOf(report: ProbeReport): Record<string, CapabilityResult> {
  return Object.fromEntries(report.capabilities.map((result) => [result.name, result]));
}

/** Marks the scenario skipped, with the probe's verdict as the reason. */
async function notApplicable(
  context: TestContext,
  target: string,
  needs: string,
  result: CapabilityResult | undefined,
): Promise<never> {
  const reason = result
    ? `n/a on ${target}: probe says ${needs} ${result.status} (${result.detail})`
    : `n/a on ${target}: the probe has no ${needs} result`;
  await context.annotate(reason, 'notice');
  return context.skip(reason);
}
