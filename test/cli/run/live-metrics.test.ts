/**
 * `salvo run --metrics-port` as a Prometheus server sees it: scraped in the
 * middle of a real run on the embedded broker; a port in use and a host that
 * is no IP address are usage errors before anything runs.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../../src/coordinator/progress-line.js';
import { executeRun } from '../../../src/coordinator/run.js';
import { LiveMetrics } from '../../../src/metrics/prometheus.js';
import { resolvePlan } from '../../../src/plan/index.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { sleep, until, within } from '../../helpers/wait.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-metrics-'));
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The sample lines of a Prometheus text page. */
function samples(text: string): Sample[] {
  const parsed: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/gi)].map((m) => [m[1], m[2]]));
    parsed.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return parsed;
}

function value(page: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return page.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(await response.text());
}

describe('salvo run --metrics-port', () => {
  it("serves the run's counters, rates and latency quantiles under its run id while it runs", {
    timeout: 60_000,
  }, async () => {
    const dir = outputDir();
    const runId = 'metrics-live';
    // A fixed rate keeps the load light on a shared machine; 6 s leaves several complete seconds.
    const { child, done } = startCli([
      'run',
      '-d',
      '6s',
      '--rate',
      '2000',
      '--metrics-port',
      '0',
      '--run-id',
      runId,
      '--quiet',
      '--output',
      dir,
    ]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await until(
        () => /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(stderr)?.[1],
        15_000,
        'the metrics line on stderr',
      );
      // First scrape once messages flow and a measured second has its quantiles.
      const first = await until(
        async () => {
          const page = await scrape(url);
          const ready =
            (value(page, 'salvo_sent_total') ?? 0) > 0 &&
            value(page, 'salvo_latency_seconds', { kind: 'service', quantile: '0.99', window: 'cumulative' }) !==
              undefined;
          return ready ? page : undefined;
        },
        20_000,
        'counters and cumulative quantiles',
        200,
      );
      await sleep(1_500);
      const second = await scrape(url);

      for (const page of [first, second]) {
        expect(page.filter((s) => s.labels.run_id !== runId).map((s) => s.name)).toEqual([]);
        // A run without faults: nothing refused, in doubt, resent or reconnected, and the series say so (not absent).
        for (const name of [
          'salvo_rejected_total',
          'salvo_in_doubt_total',
          'salvo_resent_total',
          'salvo_reconnects_total',
        ]) {
          expect(value(page, name), name).toBe(0);
        }
        const sent = value(page, 'salvo_sent_total')!;
        expect(sent).toBeGreaterThan(0);
        expect(value(page, 'salvo_accepted_total')!).toBeLessThanOrEqual(sent);
        expect(value(page, 'salvo_received_distinct_total')!).toBeLessThanOrEqual(value(page, 'salvo_received_total')!);
        // In flight is bounded by --max-in-flight (default 1,000); what awaits receipt by what was sent.
        expect(value(page, 'salvo_in_flight')).toBeGreaterThanOrEqual(0);
        expect(value(page, 'salvo_in_flight')).toBeLessThanOrEqual(1_000);
        expect(value(page, 'salvo_pending_receipt')).toBeGreaterThanOrEqual(0);
        expect(value(page, 'salvo_pending_receipt')).toBeLessThanOrEqual(sent);
      }
      for (const name of [
        'salvo_sent_total',
        'salvo_accepted_total',
        'salvo_received_total',
        'salvo_elapsed_seconds',
      ]) {
        expect(value(second, name), name).toBeGreaterThan(value(first, name)!);
      }
      for (const window of ['second', 'cumulative']) {
        const [p50, p99, p999] = ['0.5', '0.99', '0.999'].map((quantile) =>
          value(second, 'salvo_latency_seconds', { kind: 'service', quantile, window }),
        );
        expect(p50, `service p50 ${window}`).toBeGreaterThan(0);
        expect(p99!).toBeGreaterThanOrEqual(p50!);
        expect(p999!).toBeGreaterThanOrEqual(p99!);
        expect(
          value(second, 'salvo_latency_seconds', { kind: 'endToEnd', quantile: '0.99', window }),
          `endToEnd p99 ${window}`,
        ).toBeGreaterThan(0);
      }
      expect(value(second, 'salvo_rate_per_second', { event: 'sent' })).toBeGreaterThan(0);
      expect(value(second, 'salvo_finished')).toBe(0);
      expect(value(second, 'salvo_process_cpu_seconds_total')).toBeGreaterThan(0);

      const run = await within(done, 40_000, 'the run to end');
      expect(run.code, stderr).toBe(0);
      expect(existsSync(join(dir, 'result.json'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("ends with the result's own figures: totals, quantile counts, the verdict", async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('metrics-final');
    const plan = resolvePlan({ runId: 'metrics-final', count: 3000, output: outputDir() });
    const { result } = await executeRun(plan, {
      progress: new ProgressLine(process.stderr, false),
      signal: new AbortController().signal,
      metrics,
    });
    const page = samples(await metrics.text());
    // A count run has no warm-up: the live counts (warm-up included) equal the totals.
    expect(result.totals).toMatchObject({ sent: 3000, accepted: 3000, received: 3000 });
    expect(value(page, 'salvo_sent_total')).toBe(result.totals.sent);
    expect(value(page, 'salvo_accepted_total')).toBe(result.totals.accepted);
    expect(value(page, 'salvo_received_total')).toBe(result.totals.received);
    expect(value(page, 'salvo_received_distinct_total')).toBe(3000);
    expect(value(page, 'salvo_pending_receipt')).toBe(0);
    expect(value(page, 'salvo_in_flight')).toBe(0);
    expect(value(page, 'salvo_latency_samples', { kind: 'service', window: 'cumulative' })).toBe(
      result.latency.service!.count,
    );
    // Seconds on the page, µs in result.json: the same figure, up to the float of the division.
    expect(
      value(page, 'salvo_latency_seconds', { kind: 'service', quantile: '0.99', window: 'cumulative' })! * 1e6,
    ).toBeCloseTo(result.latency.service!.p99, 3);
    expect(value(page, 'salvo_finished')).toBe(1);
    expect(value(page, 'salvo_ok')).toBe(1);
    expect(value(page, 'salvo_verdict_ok')).toBe(1);
    expect(value(page, 'salvo_verdict', { category: 'lost' })).toBe(0);
    expect(value(page, 'salvo_verdict', { category: 'duplicated' })).toBe(result.verdict!.duplicated);
  });

  it('counts faults and reconnects as they happen', { timeout: 60_000 }, async () => {
    const { child, done } = startCli([
      'run',
      '-d',
      '6s',
      '--rate',
      '1000',
      '--faults',
      'reset every 1s',
      '--metrics-port',
      '0',
      '--quiet',
      '--output',
      outputDir(),
    ]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await until(() => /^metrics: (\S+)$/m.exec(stderr)?.[1], 15_000, 'the metrics line on stderr');
      const page = await until(
        async () => {
          const scraped = await scrape(url);
          return (value(scraped, 'salvo_faults_injected_total', { kind: 'reset' }) ?? 0) >= 2 &&
            (value(scraped, 'salvo_reconnects_total') ?? 0) > 0
            ? scraped
            : undefined;
        },
        30_000,
        'resets and reconnects counted',
        250,
      );
      // Resets are due once a second from the start: never more than the seconds elapsed.
      expect(value(page, 'salvo_faults_injected_total', { kind: 'reset' })).toBeLessThanOrEqual(
        Math.floor(value(page, 'salvo_elapsed_seconds')!) + 1,
      );
      const run = await within(done, 40_000, 'the run to end');
      expect(run.code, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a port in use: one line, exit 2, nothing run', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const dir = join(outputDir(), 'never');
      const run = await runCli(['run', '-c', '100', '--metrics-port', String(port), '--output', dir], 20_000);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`salvo: --metrics-port ${port}: 127.0.0.1:${port} is already in use\n`);
      expect(existsSync(dir)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('refuses a host that is no IP address, from a flag or a profile', async () => {
    const flag = await runCli(['run', '-c', '100', '--metrics-port', '0', '--metrics-host', 'metrics.invalid'], 20_000);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(
      /^salvo: --metrics-host must be an IP address to listen on \(127\.0\.0\.1, ::1, a pod's IP, 0\.0\.0\.0\) or localhost, got "metrics\.invalid"\n$/,
    );
    const profile = join(outputDir(), 'named.yaml');
    writeFileSync(profile, 'count: 100\nmetrics-port: 9464\nmetrics-host: $(POD_IP)\n');
    const fromProfile = await runCli(['run', '--profile', profile], 20_000);
    expect(fromProfile.code).toBe(2);
    expect(fromProfile.stderr).toMatch(/^salvo: --metrics-host must be an IP address .*got "\$\(POD_IP\)"\n$/);
  });

  it('takes metrics-port from a profile', async () => {
    const dir = outputDir();
    const profile = join(dir, 'watched.yaml');
    writeFileSync(profile, 'count: 200\nmetrics-port: 0\n');
    const run = await runCli(['run', '--profile', profile, '--quiet', '--output', join(dir, 'out')], 40_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^metrics: http:\/\/127\.0\.0\.1:\d+\/metrics\n$/);
  });
});
