/**
 * `salvo --help` pages as a user reads them: `salvo run --help` under its
 * group headings, every visible option listed once (a flag added without a
 * heading would still show, under the last one: this catches a flag lost or
 * listed twice, not a flag in the wrong group).
 */
import { describe, expect, it } from 'vitest';
import { durationText } from '../../src/cli/options.js';
import { RUN_GROUPS, runCommand } from '../../src/cli/run-command.js';
import { runCli } from '../helpers/cli.js';

/** The lines of a help page that start an option: two spaces, then a flag. */
function optionLines(help: string): string[] {
  return help.split('\n').filter((line) => /^ {2}-/.test(line));
}

describe('salvo run --help', () => {
  it('shows the group headings in order and every option exactly once', async () => {
    const cli = await runCli(['run', '--help']);
    expect(cli.code).toBe(0);
    const headings = Object.values(RUN_GROUPS);
    const at = headings.map((heading) => cli.stdout.split('\n').indexOf(heading));
    expect(at.every((index) => index >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    const lines = optionLines(cli.stdout);
    const visible = runCommand().options.filter((option) => !option.hidden);
    for (const option of visible) {
      const flag = option.long ?? option.short ?? option.flags;
      // The flag column only: a description may name other flags.
      const listed = lines.filter((line) => line.trim().split(/ {2,}/)[0].split(/[ ,]+/).includes(flag));
      expect(listed, flag).toHaveLength(1);
    }
    // The visible options and --help, nothing else.
    expect(lines).toHaveLength(visible.length + 1);
  });
});

describe('salvo capacity --help', () => {
  it('groups its options as salvo run does', async () => {
    const cli = await runCli(['capacity', '--help']);
    expect(cli.code).toBe(0);
    const lines = cli.stdout.split('\n');
    for (const heading of ['Search:', 'Workload (each step, as salvo run takes it):', 'Output:'])
      expect(lines, heading).toContain(heading);
  });
});

describe('defaults in help', () => {
  it('shows durations as they are typed, and no default in quotes', async () => {
    const broker = await runCli(['broker', '--help']);
    expect(broker.stdout.replace(/\s+/g, ' ')).toContain('within this (0: never) (default: 10s)');
    const probe = await runCli(['probe', '--help']);
    expect(probe.stdout.replace(/\s+/g, ' ')).toContain('(default: 5s)');
    for (const command of ['run', 'broker', 'probe', 'capacity', 'calibrate', 'compare', 'report']) {
      const help = await runCli([command, '--help']);
      expect(help.stdout, command).not.toContain('(default: "');
    }
  });

  it('durationText picks the largest exact unit', () => {
    expect([0, 500, 1_000, 10_000, 60_000, 90_000, 3_600_000, 1_500].map(durationText)).toEqual([
      '0',
      '500ms',
      '1s',
      '10s',
      '1m',
      '90s',
      '1h',
      '1500ms',
    ]);
  });
});
