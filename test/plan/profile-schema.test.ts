/**
 * Profile mistakes as a user meets them: one line with file, line, column, field, what was expected and what was found.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/plan/profile.js';
import { resolvePlan } from '../../src/plan/index.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

function mistake(text: string): string {
  try {
    parseProfile(text, 'p.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the profile was accepted');
}

describe('profile schema errors', () => {
  it.each([
    [
      'wrong type',
      'count: 5k\nrate: true\n',
      '--profile p.yaml:2:7: "rate": expected a positive number of messages per second or a string such as "5k", got true',
    ],
    [
      'a value no parser takes',
      'duration: soon\n',
      '--profile p.yaml:1:11: "duration": expected a duration such as "30s", "500ms", "5m" or a number of seconds, got "soon"',
    ],
    [
      'boolean',
      'count: 1\nmsg-durable: yes please\n',
      '--profile p.yaml:2:14: "msg-durable": expected true or false, got "yes please"',
    ],
    [
      'list for a number',
      'count: [1, 2]\n',
      '--profile p.yaml:1:8: "count": expected a number or a string such as "5k", got a list',
    ],
    [
      'unknown key, near a known one',
      'count: 1\ncont: 5\n',
      '--profile p.yaml:2:1: unknown option "cont" (did you mean "count"?)',
    ],
    [
      'bad nested ramp',
      'phases:\n  - duration: 10s\n    rate: 100\n  - duration: 20s\n    ramp: 1000-x\n',
      '--profile p.yaml:5:11: "phases[1].ramp": expected a rate ramp FROM-TO in messages per second, such as "1000-5000" or "1k-5k", got "1000-x"',
    ],
    [
      'unknown key in a phase',
      'phases:\n  - duration: 10s\n    rmap: 1000-5000\n',
      '--profile p.yaml:3:5: "phases[0]": unknown key "rmap" (did you mean "ramp"?)',
    ],
    [
      'phase without a duration',
      'phases:\n  - rate: 100\n',
      '--profile p.yaml:2:5: "phases[0].duration": expected a duration such as "30s", "500ms", "5m" or a number of seconds, none given',
    ],
    [
      'phase with rate and ramp',
      'phases:\n  - duration: 1s\n    rate: 100\n    ramp: 1-2\n',
      '--profile p.yaml:2:5: "phases[0]": expected exactly one of rate or ramp',
    ],
    ['enum', 'foreign: maybe\n', '--profile p.yaml:1:10: "foreign": expected accept or release, got "maybe"'],
    [
      'the first mistake in the file',
      'rate: x\ncount: y\n',
      '--profile p.yaml:1:7: "rate": expected a positive number of messages per second or a string such as "5k", got "x"',
    ],
    [
      'not YAML',
      'count: 5\n  bad: indent\n',
      '--profile p.yaml:1:8: not valid YAML: Nested mappings are not allowed in compact mappings',
    ],
  ])('%s', (_name, text, message) => {
    expect(mistake(text)).toBe(message);
  });

  it('lists the known keys when no key is near', () => {
    const message = mistake('colour: green\n');
    expect(message).toMatch(
      /^--profile p\.yaml:1:1: unknown option "colour" \(known: description, url, count, .*, phases, ca, .*\)$/,
    );
  });

  it('joins a faults list into one spec', () => {
    expect(parseProfile('faults:\n  - reset every 1s\n  - latency 5ms\n', 'p.yaml')).toEqual({
      faults: 'reset every 1s; latency 5ms',
    });
  });

  it('the CLI prints the mistake in one line and exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'salvo-schema-')), 'x.yaml');
    writeFileSync(file, '# a comment\ncount: 1k\nrate: true\n');
    const run = await runCli(['run', '--profile', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `salvo: --profile ${file}:3:7: "rate": expected a positive number of messages per second or a string such as "5k", got true\n`,
    );
  });
});

describe('phases', () => {
  it('one fixed rate becomes duration, warm-up and rate', () => {
    const plan = resolvePlan(
      parseProfile(
        'phases:\n  - {name: warm-up, duration: 2s, rate: 1k, warmup: true}\n  - {name: steady, duration: 8s, rate: 1000}\n',
        'p.yaml',
      ),
    );
    expect(plan).toMatchObject({ durationMs: 10_000, warmupMs: 2_000, rateHz: 1000 });
    expect(plan.phases?.map((p) => [p.name, p.durationMs, p.fromHz, p.toHz, p.warmup])).toEqual([
      ['warm-up', 2000, 1000, 1000, true],
      ['steady', 8000, 1000, 1000, false],
    ]);
  });

  it('refuses phases beside duration, rate or warm-up, and warm-up after a measured phase', () => {
    expect(() =>
      resolvePlan({ ...parseProfile('phases:\n  - {duration: 2s, rate: 5}\n', 'p.yaml'), rate: '10' }),
    ).toThrow(`--rate cannot be given with a profile's phases (they set duration, warm-up and rate), got --rate "10"`);
    expect(() =>
      resolvePlan(
        parseProfile('phases:\n  - {duration: 2s, rate: 5}\n  - {duration: 2s, rate: 5, warmup: true}\n', 'p.yaml'),
      ),
    ).toThrow('phases: only leading phases can be warm-up, got warmup: true on phase 2 (phase 2)');
  });

  it('a ramp resolves into the plan and runs: the senders follow each phase', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-phases-'));
    const file = join(dir, 'ramp.yaml');
    writeFileSync(
      file,
      'phases:\n  - {name: steady, duration: 1s, rate: 100}\n  - {name: ramp, duration: 2s, ramp: 100-500}\n',
    );
    const shown = await runCli(['run', '--profile', file, '--print-plan']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).phases).toEqual([
      { name: 'steady', durationMs: 1000, fromHz: 100, toHz: 100, warmup: false },
      { name: 'ramp', durationMs: 2000, fromHz: 100, toHz: 500, warmup: false },
    ]);
    const run = await runCli(['run', '--profile', file, '--json', '--output', join(dir, 'out')]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { totals: { sent: number }; timeseries: { t: number; sent: number }[] };
    // 100 in the first second, then a ramp from 100 to 500 msg/s over two: 200 + 400 by the integral.
    expect(result.totals.sent).toBeGreaterThanOrEqual(695);
    expect(result.totals.sent).toBeLessThanOrEqual(705);
    // Sent by the end of each second against the schedule's integral: 100, then the ramp's 100..300 msg/s
    // (+200) and 300..500 (+400). Counted so, a message a stall carried over a second's edge still counts
    // for the phase it was due in; an open loop never sends early, so only a little rounding goes above.
    let sentSoFar = 0;
    const bySecondEnd = result.timeseries.filter((p) => p.t < 3).map((p) => (sentSoFar += p.sent));
    for (const [second, due] of [100, 300, 700].entries()) {
      expect(bySecondEnd[second], `sent by the end of second ${second}`).toBeGreaterThanOrEqual(due - 20);
      expect(bySecondEnd[second], `sent by the end of second ${second}`).toBeLessThanOrEqual(due + 5);
    }
    // And the ramp's shape: its second second carries about twice its first.
    const perSecond = result.timeseries.filter((p) => p.t < 3).map((p) => p.sent);
    expect(perSecond[2]).toBeGreaterThan(1.5 * perSecond[1]);
  });
});

describe('--print-plan', () => {
  it('prints the resolved plan, flags over the profile, the password removed, without running', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'salvo-print-')), 'never');
    const run = await runCli([
      'run',
      'amqp://user:secret@127.0.0.1:1/q',
      '--profile',
      'profiles/throughput.yaml',
      '--senders',
      '3',
      '--output',
      output,
      '--print-plan',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('secret');
    const plan = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(plan).toMatchObject({
      count: 200_000,
      senders: 3,
      bodySize: 100,
      credit: 1000,
      address: 'q',
      outputDir: output,
    });
    expect(plan.target).toEqual({
      kind: 'url',
      url: 'amqp://user@127.0.0.1:1/q',
      scheme: 'amqp',
      host: '127.0.0.1',
      port: 1,
      user: 'user',
    });
    // Nothing ran: no broker at port 1 was needed, and no result folder was made.
    expect(readdirSync(join(output, '..'))).toEqual([]);
  });

  it('every shipped profile resolves, and the ten the issue names are there', async () => {
    const files = readdirSync(join(ROOT, 'profiles'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    for (const name of [
      'quickstart',
      'throughput',
      'latency-fixed-rate',
      'transactional',
      'rpc',
      'selector',
      'tls',
      'at-least-once-faults',
      'soak',
      'ci-regression',
    ]) {
      expect(files).toContain(`${name}.yaml`);
    }
    for (const file of files) {
      const run = await runCli(['run', '--profile', join('profiles', file), '--print-plan']);
      expect(run.code, `${file}: ${run.stderr}`).toBe(0);
      expect(JSON.parse(run.stdout), file).toHaveProperty('runId');
    }
  }, 90_000); // a CLI start per profile, on a shared 2-core machine
});
