/**
 * The checker's self-test, through the CLI: the embedded broker drops,
 * duplicates or reorders accepted messages on purpose (--broker-chaos) and
 * the run's verdict must find exactly the counts the broker reports doing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { runCli, type CliRun } from '../../helpers/cli.js';

async function chaosRun(spec: string, extra: string[] = []): Promise<{ run: CliRun; result: RunResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-chaos-'));
  const run = await runCli([
    'run',
    '-c',
    '20000',
    '--broker-chaos',
    spec,
    '--seed',
    '7',
    '--drain-timeout',
    '2s',
    '--json',
    '--output',
    dir,
    ...extra,
  ]);
  return { run, result: JSON.parse(run.stdout) as RunResult };
}

describe('salvo run --broker-chaos', () => {
  it('drop=0.01,dup=0.01 --seed 7: lost = dropped, duplicated = duplicated, both above 0, exit 1', async () => {
    const { run, result } = await chaosRun('drop=0.01,dup=0.01');
    const chaos = result.brokerChaos!;
    expect(chaos.dropped).toBeGreaterThan(0);
    expect(chaos.duplicated).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ mode: 'at-least-once', ok: false, failed: ['lost'], attempted: 20000 });
    expect(result.verdict?.lost).toBe(chaos.dropped);
    expect(result.verdict?.duplicated).toBe(chaos.duplicated);
    expect(result.verdict?.reordered).toBe(0);
    expect(result.verdict?.received).toBe(20000 - chaos.dropped);
    expect(result.plan.brokerChaos).toEqual({ drop: 0.01, dup: 0.01, reorder: 0, seed: 7 });
    expect(run.code, run.stderr).toBe(1);
  });

  it('dup=0.01 at-least-once: duplicates reported (the exact count), nothing lost, exit 0', async () => {
    const { run, result } = await chaosRun('dup=0.01');
    expect(result.brokerChaos!.duplicated).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, duplicated: result.brokerChaos!.duplicated });
    expect(run.code, run.stderr).toBe(0);
  });

  it('dup=0.01 --link-at-most-once: duplicated fails the run with the exact count, exit 1', async () => {
    const { run, result } = await chaosRun('dup=0.01', ['--link-at-most-once']);
    expect(result.brokerChaos!.duplicated).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({
      mode: 'at-most-once',
      ok: false,
      failed: ['duplicated'],
      lost: 0,
      duplicated: result.brokerChaos!.duplicated,
    });
    expect(run.code, run.stderr).toBe(1);
  });

  it("reorder=0.01, one sender and one receiver: reordered = the broker's count, nothing lost, exit 0", async () => {
    const { run, result } = await chaosRun('reorder=0.01');
    expect(result.brokerChaos!.reordered).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({
      ok: true,
      lost: 0,
      duplicated: 0,
      received: 20000,
      reordered: result.brokerChaos!.reordered,
    });
    expect(run.code, run.stderr).toBe(0);
  });

  it("the summary prints the broker's counts next to the verdict", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-chaos-'));
    const run = await runCli([
      'run',
      '-c',
      '2000',
      '--broker-chaos',
      'dup=0.05',
      '--seed',
      '3',
      '--drain-timeout',
      '2s',
      '--output',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.match(
      /^ {2}broker chaos \(done on purpose\): dropped 0, duplicated (\d+) \(extra copies\), reordered 0$/m,
    );
    expect(line, run.stdout).not.toBeNull();
    expect(run.stdout).toMatch(new RegExp(`^ {2}duplicated +${line![1]} `, 'm'));
    // The broker counts copies it added, the verdict row says its extra copies: the two agree by name and number.
    expect(run.stdout).toMatch(new RegExp(`^ {2}duplicated +\\d+ +reported +messages, ${line![1]} extra copies;`, 'm'));
  });

  it('usage errors: a bad fault, a URL target, --seed alone: exit 2, one line', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--broker-chaos', 'dupe=0.1'],
        /^salvo: --broker-chaos: "dupe=0.1": unknown fault "dupe" \(drop, dup, reorder, leak\)\n$/,
      ],
      [
        ['amqp://127.0.0.1:1/q', '--broker-chaos', 'drop=0.1'],
        /^salvo: --broker-chaos needs the embedded broker \(no URL\)/,
      ],
      [
        ['--seed', '7'],
        /^salvo: --seed needs --broker-chaos, --faults, --tx-rollback-ratio or --recv-tx-rollback-ratio/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['run', '-c', '10', ...args]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
