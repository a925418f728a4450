/**
 * `salvo verify` through the CLI: the clean embedded broker keeps every
 * promise of the quick battery (exit 0, within bounds), verify.json's
 * schema, the table, and exit 2 for bad input and 3 for an unreachable URL,
 * each with one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINK_SCENARIOS } from '../../src/verify/link-checks/index.js';
import { PROMISES } from '../../src/verify/promises.js';
import { STATUSES, VERIFY_SCHEMA } from '../../src/verify/result.js';
import { runCli } from '../helpers/cli.js';
import { runVerify } from './run-verify.js';

/** The quick battery is meant to take about a minute; a busy 2-core host gets three. */
const QUICK_BOUND_MS = 180_000;

describe('salvo verify --quick on the clean embedded broker', { timeout: QUICK_BOUND_MS + 10_000 }, () => {
  it('every promise it runs is kept, exit 0; verify.json holds every promise, each run with its result', async () => {
    const { run, result } = await runVerify(['--quick', '--json'], QUICK_BOUND_MS);
    expect(run.code, run.stderr).toBe(0);
    expect(result).toBeDefined();
    // --json: stdout is verify.json and nothing else.
    expect(JSON.parse(run.stdout)).toEqual(result);
    const r = result!;
    expect(r).toMatchObject({ schema: VERIFY_SCHEMA, target: 'embedded broker', size: 'quick', seed: 1, exitCode: 0 });
    expect(r.broker.product).toBe('salvo');
    expect(r.probe.length).toBeGreaterThan(0);
    expect(r.promises.map((p) => [p.number, p.id])).toEqual(PROMISES.map((p) => [p.number, p.id]));
    for (const p of r.promises) {
      expect(STATUSES).toContain(p.status);
      const spec = PROMISES.find((s) => s.id === p.id)!;
      if (spec.needsRestartCommand) {
        expect(p).toMatchObject({ status: 'skipped', scenarios: [] });
        expect(p.evidence).toMatch(/--restart-command/);
      } else if (spec.onLinks) {
        // The embedded broker delivers in arrival order whatever the priority (docs/header.md).
        expect(p.status, `${p.id}: ${p.evidence}`).toBe(p.id === 'priority' ? 'not kept' : 'kept');
        expect(p.scenarios.map((s) => s.label)).toEqual(LINK_SCENARIOS[p.id].map((s) => s.label));
        for (const s of p.scenarios) expect(s.counts.attempted).toBeGreaterThan(0);
      } else if (!spec.scenarios) {
        expect(p).toMatchObject({ status: 'not run', unsupported: true, evidence: spec.notRunWhy });
      } else {
        expect(p.status, `${p.id}: ${p.evidence}`).toBe('kept');
        expect(p.scenarios.length).toBe(spec.scenarios('quick', undefined).length);
        for (const s of p.scenarios) {
          expect(s.status).toBe('kept');
          expect(s.counts.attempted).toBeGreaterThan(0);
          // Distinct messages: a selector's and a rolled-back transaction's are fewer than those sent.
          expect(s.counts.received).toBeGreaterThan(0);
          expect(s.counts.received).toBeLessThanOrEqual(s.counts.attempted);
          expect(existsSync(s.result!), s.result).toBe(true);
        }
      }
    }
    const ran = r.promises.filter((p) => p.scenarios.length > 0).length;
    expect(r.summary).toMatchObject({ kept: ran - 1, 'not kept': 1, broken: 0, 'not offered': 0 });
    expect(Object.values(r.summary).reduce((a, b) => a + b, 0)).toBe(PROMISES.length);
    // A faulted promise says what was injected and felt.
    expect(r.promises.find((p) => p.id === 'resets')!.evidence).toMatch(
      /^\d+ resets?, [1-9]\d* disconnects?; lost 0 of/,
    );
  });
});

describe('salvo verify: the table and --only / --skip', { timeout: 60_000 }, () => {
  it('prints one row per promise, the asked-for one kept, the others skipped with why, and the file', async () => {
    const { run, result, dir } = await runVerify(['--quick', '--only', '1', '--skip', 'order'], 50_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^VERIFY {2}embedded broker \(salvo[^)]*\): quick battery, seed 1$/m);
    expect(run.stdout).toMatch(
      /^ {3}1 {2}at-least-once, no faults +kept +\d+\.\ds {2}lost 0 of 2,000 sent, 2,000 received$/m,
    );
    expect(run.stdout).toMatch(/^ {3}6 {2}per-producer order, one queue, one consumer +skipped +not in --only$/m);
    expect(run.stdout).toContain(`Result     every promise offered and run was kept; ${dir}/verify.json`);
    // Progress on stderr, one line per promise run.
    expect(run.stderr).toMatch(/^verify: {2}1 at-least-once: kept \(\d+\.\ds\)\n$/);
    expect(result!.summary).toMatchObject({ kept: 1, skipped: PROMISES.length - 1 });
    expect(JSON.parse(readFileSync(`${dir}/verify.json`, 'utf8')).exitCode).toBe(0);
    // verify.html beside it: one row per promise, the run linked relative to the page.
    const html = readFileSync(`${dir}/verify.html`, 'utf8');
    expect(html.match(/<tr class="promise">/g)).toHaveLength(PROMISES.length);
    expect(html).toMatch(
      /<span class="status kept">kept<\/span><\/td><td class="num">\d+\.\d s<\/td><td>lost 0 of 2,000 sent, 2,000 received <a href="at-least-once\/1\/result.json">/,
    );
    expect(html).not.toMatch(/https?:|<script/);
  });
});

describe('salvo verify: bad input exits 2, an unreachable broker 3, each with one line', { timeout: 60_000 }, () => {
  it('usage errors name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--only', 'speed'], /^salvo: --only: unknown promise "speed" \(at-least-once, resets, /],
      [['--skip', '1,99'], /^salvo: --skip: unknown promise "99" /],
      [['--only', 'order', '--skip', '6'], /^salvo: --only and --skip leave no promise to run\n$/],
      [
        ['--only', 'restart'],
        /^salvo: --only and --skip leave nothing salvo can run: restart needs --restart-command \(and a URL\)\n$/,
      ],
      [['--broker-chaos', 'dupe=0.1'], /^salvo: --broker-chaos: "dupe=0.1": unknown fault "dupe"/],
      [
        ['--broker-chaos', 'lose-released=2'],
        /^salvo: --broker-chaos: "lose-released=2": expected lose-released=1 \(or 0\)\n$/,
      ],
      [['amqp://127.0.0.1:1', '--broker-chaos', 'drop=0.1'], /^salvo: --broker-chaos needs the embedded broker/],
      [['--restart-command', 'true'], /^salvo: --restart-command needs a URL/],
      [['--seed', 'x'], /^salvo: --seed must be an integer from 0 to 4294967295, got "x"\n$/],
      [['http://127.0.0.1:5672'], /^salvo: URL must start with amqp:\/\/ or amqps:\/\//],
      [['--quick', '--bogus'], /^salvo: unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['verify', ...args], 20_000);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    }
  });

  it('nothing listening at the URL: exit 3, one line, no verify.json', async () => {
    const { run, result } = await runVerify(['amqp://127.0.0.1:1', '--quick'], 30_000);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/^salvo: [^\n]*127\.0\.0\.1:1[^\n]*\n$/);
    expect(result).toBeUndefined();
  });
});
