/**
 * `salvo run --threshold` as a CI gate: PASS / FAIL lines with the measured value, result.json's `thresholds`, exit 1
 * on a failing threshold, usage errors before the run, and thresholds from a profile.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { runCli } from '../../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-thresholds-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('salvo run --threshold', () => {
  it('passes a threshold the run meets: exit 0, a PASS line, its entry in result.json', async () => {
    const dir = outputDir();
    const run = await runCli(['run', '-c', '2000', '--output', dir, '--threshold', 'service.p99.9<60s']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Thresholds\n {2}PASS {2}service\.p99\.9<60s: measured \d[\d.]*(µs|ms|s)$/m);
    const { thresholds, latency } = readResult(dir);
    expect(thresholds).toEqual([
      {
        text: 'service.p99.9<60s',
        metric: 'service.p99.9',
        limit: 60_000_000,
        unit: 'us',
        measured: latency.service?.p999,
        pass: true,
      },
    ]);
  });

  it('fails the run on a threshold it cannot meet: exit 1, a FAIL line with the measured value', async () => {
    const dir = outputDir();
    const run = await runCli([
      'run',
      '-c',
      '2000',
      '--output',
      dir,
      '--threshold',
      'service.p50<1us',
      '--threshold',
      'acceptRate>1',
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}service\.p50<1us: measured \d[\d.]*(µs|ms|s)$/m);
    expect(run.stdout).toMatch(/^ {2}PASS {2}acceptRate>1: measured [\d,]+ msg\/s$/m);
    expect(run.stderr).toMatch(/^salvo: 1 threshold failed: service\.p50<1us \(measured \d[\d.]*(µs|ms|s)\)\n$/);
    const result = readResult(dir);
    // The delivery checks still passed: only the threshold failed the run.
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.thresholds?.map((t) => [t.metric, t.pass])).toEqual([
      ['service.p50', false],
      ['acceptRate', true],
    ]);
    expect(result.thresholds?.[0].measured).toBe(result.latency.service?.p50);
  });

  it('refuses a bad threshold in one line, exit 2, before anything runs', async () => {
    const run = await runCli(['run', '-c', '10', '--threshold', 'service.p99<10']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('salvo: --threshold "service.p99<10": expected a unit (us, ms or s)\n');
    expect(run.stdout).toBe('');
  });

  it('refuses a latency kind the run does not measure, naming why', async () => {
    const run = await runCli(['run', '-c', '10', '--threshold', 'corrected.p99<10ms']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^salvo: --threshold "corrected\.p99<10ms": only open-loop runs \(--rate or phases\) measure corrected[^\n]*\n$/,
    );
    const rpc = await runCli(['run', '-c', '10', '--threshold', 'roundTrip.p99<10ms']);
    expect(rpc.code).toBe(2);
    expect(rpc.stderr).toBe('salvo: --threshold "roundTrip.p99<10ms": only --pattern rpc measures roundTrip\n');
  });

  it('takes thresholds from a profile, and reports a bad one at its line', async () => {
    const dir = outputDir();
    const profile = join(dir, 'gate.yaml');
    writeFileSync(profile, 'count: 2000\nthresholds:\n  - service.p99<60s\n  - receiveRate>1\n');
    const run = await runCli(['run', '--profile', profile, '--output', join(dir, 'out')]);
    expect(run.code, run.stderr).toBe(0);
    expect(readResult(join(dir, 'out')).thresholds?.map((t) => [t.text, t.pass])).toEqual([
      ['service.p99<60s', true],
      ['receiveRate>1', true],
    ]);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'count: 10\nthresholds:\n  - service.p99<60s\n  - service.p99<10min\n');
    const refused = await runCli(['run', '--profile', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `salvo: --profile ${bad}:4:5: "thresholds[1]": unknown unit "min", expected us, ms or s, ` +
        'got "service.p99<10min"\n',
    );
  });
});
