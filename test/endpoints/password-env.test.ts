/**
 * The URL's password from the environment: `--password-env VAR`, or
 * SALVO_PASSWORD when the URL names a user and no password, against an
 * embedded broker that requires SASL PLAIN with exactly that password. The
 * password is in none of the outputs: stdout, stderr, result.json, the .hlog
 * files, report.html, --print-plan.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { useBroker } from '../helpers/broker.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'env#pass@9,word';
const broker = useBroker({ users: { alice: PASSWORD } });

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-pwenv-'));
}

/** Every file the run wrote (result.json, report.html, the .hlog files), as text. */
function written(dir: string): string {
  const files = readdirSync(dir);
  expect(files).toContain('report.html');
  return files.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
}

/** `amqp://alice@127.0.0.1:P/<address>`: a user, no password. */
function withUser(address: string): string {
  return `${broker().url.replace('amqp://', 'amqp://alice@')}/${address}`;
}

function run(args: string[], env: Record<string, string>): Promise<CliRun> {
  // SALVO_PASSWORD from the test runner's own environment must not leak in.
  return runCli(['run', ...args], 60_000, { SALVO_PASSWORD: '', ...env });
}

function expectNowhere(result: CliRun, dir?: string): void {
  for (const text of [result.stdout, result.stderr, ...(dir ? [written(dir)] : [])]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
  }
}

describe('the password from the environment', () => {
  it('--password-env VAR: the run authenticates and passes; the password is in no output', async () => {
    const dir = outputDir();
    const result = await run([withUser('pw-env'), '-c', '500', '--password-env', 'SALVO_TEST_PW', '--output', dir], {
      SALVO_TEST_PW: PASSWORD,
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult).totals).toMatchObject({
      sent: 500,
      received: 500,
    });
    expect(result.stdout).toContain('amqp://alice@');
    expectNowhere(result, dir);
  });

  it('SALVO_PASSWORD fills in a URL with a user and no password, on both sides apart', async () => {
    const dir = outputDir();
    const result = await run(
      ['--send-url', withUser('pw-fallback'), '--recv-url', withUser(''), '-c', '500', '--output', dir],
      { SALVO_PASSWORD: PASSWORD },
    );
    expect(result.code, result.stderr).toBe(0);
    const plan = (JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult).plan;
    expect(plan.sides?.receive[0]).toMatchObject({ user: 'alice' });
    expect(plan.sides?.receive[0]).not.toHaveProperty('password');
    expectNowhere(result, dir);
  });

  it('the live metrics (--metrics-port) do not carry it while the run goes on', async () => {
    const dir = outputDir();
    const { child, done } = startCli(
      [
        'run',
        withUser('pw-metrics'),
        '-d',
        '4s',
        '--rate',
        '500',
        '--password-env',
        'SALVO_TEST_PW',
        '--metrics-port',
        '0',
        '--quiet',
        '--output',
        dir,
      ],
      { SALVO_TEST_PW: PASSWORD, SALVO_PASSWORD: '' },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await until(
      () => /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(stderr)?.[1],
      15_000,
      'metrics',
    );
    const page = await until(
      async () => {
        const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
        return /^salvo_sent_total\{[^}]*\} [1-9]/m.test(text) ? text : undefined;
      },
      20_000,
      'messages counted in the metrics',
      200,
    );
    expect(page).not.toContain(PASSWORD);
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expectNowhere(result, dir);
  }, 60_000);

  it('salvo probe takes it the same way, and shows it nowhere', async () => {
    const url = broker().url.replace('amqp://', 'amqp://alice@');
    const probe = await runCli(['probe', url, '--password-env', 'SALVO_TEST_PW', '--json', '--timeout', '5s'], 60_000, {
      SALVO_TEST_PW: PASSWORD,
      SALVO_PASSWORD: '',
    });
    expect(probe.code, probe.stderr).toBe(0);
    const report = JSON.parse(probe.stdout) as { capabilities: { name: string; detail: string }[] };
    expect(report.capabilities.find((c) => c.name === 'sasl')?.detail).toBe('offered PLAIN; used PLAIN');
    expectNowhere(probe);
    const fallback = await runCli(['probe', url, '--timeout', '5s'], 60_000, { SALVO_PASSWORD: PASSWORD });
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stdout).toContain('used PLAIN');
    expectNowhere(fallback);
  });

  it('--print-plan does not show it', async () => {
    const result = await run([withUser('pw-print'), '--password-env', 'SALVO_TEST_PW', '--print-plan'], {
      SALVO_TEST_PW: PASSWORD,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ target: { user: 'alice' } });
    expectNowhere(result);
  });

  it('a missing variable is one usage line naming it, exit 2', async () => {
    const result = await run([withUser('pw-missing'), '-c', '10', '--password-env', 'SALVO_TEST_NOT_SET'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('salvo: --password-env: SALVO_TEST_NOT_SET is not set in the environment\n');
  });

  it('a wrong password is one line naming the SASL failure, exit 3, neither password in it', async () => {
    const wrong = 'wrong#secret-77';
    const result = await run([withUser('pw-wrong'), '-c', '10', '--password-env', 'SALVO_TEST_PW'], {
      SALVO_TEST_PW: wrong,
    });
    expect(result.code).toBe(3);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^salvo: (sender|receiver) 1, connection 1: cannot connect to amqp:\/\/127\.0\.0\.1:\d+: SASL: wrong credentials: the broker refused PLAIN for user "alice"/,
    );
    expect(result.stderr).not.toContain(wrong);
    expectNowhere(result);
  });

  it('--password-env with a URL that has its own password: one usage line, exit 2', async () => {
    const url = withUser('pw-both').replace('alice@', 'alice:inline-secret@');
    const result = await run([url, '-c', '10', '--password-env', 'SALVO_TEST_PW'], { SALVO_TEST_PW: PASSWORD });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('salvo: --password-env SALVO_TEST_PW and a password in URL: give one of them\n');
  });
});
