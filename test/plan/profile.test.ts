import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../../src/plan/profile.js';
import { resolvePlan } from '../../src/plan/index.js';
import { ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/cli.js';

describe('profiles', () => {
  it('maps kebab-case options onto the plan', () => {
    const input = parseProfile('count: 5k\nbody-size: 1k\nmsg-durable: true\nrate: 200\n', 'p.yaml');
    const plan = resolvePlan({ ...input, runId: 'x' });
    expect(plan).toMatchObject({ count: 5000, bodySize: 1024, durable: true, rateHz: 200 });
  });

  it.each([
    ['colour: green\n', 'unknown option "colour"'],
    ['- 1\n- 2\n', 'expected a mapping of option: value'],
    ['count: [1, 2]\n', '"count": expected a number or a string such as "5k", got a list'],
    ['msg-durable: yes please\n', '"msg-durable": expected true or false, got "yes please"'],
    ['count: 5\n  bad: indent\n', 'not valid YAML'],
  ])('refuses %j', (text, message) => {
    expect(() => parseProfile(text, 'p.yaml')).toThrow(message);
  });

  it('every bundled profile resolves to a valid plan', () => {
    const dir = join(ROOT, 'profiles');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(() => resolvePlan(loadProfile(join(dir, file)))).not.toThrow();
  });

  it('lets command-line flags override the profile, and reports a missing file in one line', async () => {
    const run = await runCli([
      'run',
      '--profile',
      'profiles/throughput.yaml',
      '-c',
      '500',
      '--json',
      '--output',
      mkdtempSync(join(tmpdir(), 'salvo-profile-')),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).totals.sent).toBe(500);
    const missing = await runCli(['run', '--profile', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('salvo: --profile: cannot read nope.yaml (ENOENT)');
  });
});
