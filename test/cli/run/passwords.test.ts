/**
 * Passwords never appear in anything `salvo run` shows or writes: error lines, the
 * summary, the progress line, result.json, the .hlog files. Random passwords of printable
 * characters (fast-check, fixed seed), percent-encoded as RFC 3986 asks, and a few typed
 * as people paste them, against an embedded broker that requires exactly that password.
 * The same for the password of a TLS client key, given as --key-password or as the value
 * of the variable --key-password-env names.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { useBroker, withBroker } from '../../helpers/broker.js';
import { ensureCerts } from '../../helpers/certs.js';
import { runCli } from '../../helpers/cli.js';
import { CLI, ROOT } from '../../helpers/paths.js';

const printable = fc
  .string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 10,
    maxLength: 24,
  })
  .filter((p) => new Set(p).size >= 5);
const RANDOM = fc.sample(printable, { seed: 42, numRuns: 3 });
const TYPED = ['hunter#2-secret', 'p@ss/w?rd:x#y'];

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-pw-'));
}

/** Everything the run left in its output folder, as text. */
function writtenFiles(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

function urlWith(brokerUrl: string, password: string, encode: boolean): string {
  const typed = encode ? encodeURIComponent(password) : password;
  return brokerUrl.replace('amqp://', `amqp://alice:${typed}@`) + '/pw';
}

describe('passwords never appear', () => {
  const cases = [
    ...RANDOM.map((p) => ({ password: p, encode: true })),
    ...TYPED.map((p) => ({ password: p, encode: false })),
  ];

  test.each(cases)(
    'a run with password %j: nothing printed or written contains it',
    async ({ password, encode }) => {
      await withBroker({ users: { alice: password } }, async (broker) => {
        const dir = outputDir();
        const run = await runCli(['run', urlWith(broker.url, password, encode), '-c', '300', '--output', dir]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toContain('amqp://alice@');
        for (const text of [run.stdout, run.stderr, writtenFiles(dir)]) expect(text).not.toContain(password);
        expect(writtenFiles(dir)).not.toContain(encodeURIComponent(password));
      });
    },
    30_000,
  );

  test('a wrong password: one line, exit 3, and neither password in it', async () => {
    await withBroker({ users: { alice: 'the-right-one#1' } }, async (broker) => {
      const wrong = 'not:the@right/one#2';
      const run = await runCli(['run', urlWith(broker.url, wrong, false), '-c', '10', '--output', outputDir()]);
      expect(run.code).toBe(3);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toContain(wrong);
      expect(run.stderr).not.toContain('the-right-one');
    });
  });

  test('the live progress line (on a terminal) does not contain it', async () => {
    const password = 'tty#secret@42';
    await withBroker({ users: { alice: password } }, async (broker) => {
      const dir = outputDir();
      // script(1) gives the run a terminal, so the progress line is drawn.
      const command = [
        process.execPath,
        CLI,
        'run',
        urlWith(broker.url, password, false),
        '-d',
        '3s',
        '--rate',
        '500',
        '--output',
        dir,
      ]
        .map((arg) => `'${arg.replace(/'/g, "'\\''")}'`)
        .join(' ');
      const output = await new Promise<string>((resolve) => {
        execFile('script', ['-qec', command, '/dev/null'], { cwd: ROOT, timeout: 20_000 }, (_error, stdout) =>
          resolve(stdout),
        );
      });
      expect(output).toMatch(/sent \d/);
      expect(output).not.toContain(password);
    });
  }, 30_000);
});

describe('key passwords never appear', () => {
  const certs = ensureCerts();
  const broker = useBroker({
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true },
  });
  const keyPassword = 'k3y#pa$$:w0rd@tls';
  // The client key encrypted with this test's own password, so that no fixed test password is what is searched for.
  const keyFile = join(outputDir(), 'client-key.pem');
  writeFileSync(
    keyFile,
    createPrivateKey(readFileSync(certs.clientKeyPlain)).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: keyPassword,
    }),
  );
  const url = (): string => `${broker().tlsUrl!.replace('127.0.0.1', 'localhost')}/key-pw`;
  const tlsArgs = ['--ca', certs.ca, '--cert', certs.clientCert, '--key', keyFile];

  test.each<{ how: string; args: string[]; env: Record<string, string> }>([
    { how: '--key-password', args: ['--key-password', keyPassword], env: {} },
    { how: '--key-password-env', args: ['--key-password-env', 'SALVO_KEY_PW'], env: { SALVO_KEY_PW: keyPassword } },
  ])('a run with $how: nothing printed or written contains it', async ({ args, env }) => {
    const dir = outputDir();
    const run = await runCli(['run', url(), '-c', '300', '--output', dir, ...tlsArgs, ...args], 30_000, env);
    expect(run.code, run.stderr).toBe(0);
    for (const text of [run.stdout, run.stderr, writtenFiles(dir)]) expect(text).not.toContain(keyPassword);
  });

  test('a wrong key password in the variable: one line, exit 3, neither password in it', async () => {
    const wrong = 'wr0ng#key@pw';
    const run = await runCli(
      ['run', url(), '-c', '10', '--output', outputDir(), ...tlsArgs, '--key-password-env', 'SALVO_KEY_PW'],
      30_000,
      { SALVO_KEY_PW: wrong },
    );
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain(wrong);
    expect(run.stderr).not.toContain(keyPassword);
  });

  test("the live progress line (on a terminal) does not contain the variable's value", async () => {
    const dir = outputDir();
    const command = [
      process.execPath,
      CLI,
      'run',
      url(),
      '-d',
      '3s',
      '--rate',
      '500',
      '--output',
      dir,
      ...tlsArgs,
      '--key-password-env',
      'SALVO_KEY_PW',
    ]
      .map((arg) => `'${arg.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const output = await new Promise<string>((resolve) => {
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { cwd: ROOT, timeout: 20_000, env: { ...process.env, SALVO_KEY_PW: keyPassword } },
        (_error, stdout) => resolve(stdout),
      );
    });
    expect(output).toMatch(/sent \d/);
    expect(output).not.toContain(keyPassword);
    expect(writtenFiles(dir)).not.toContain(keyPassword);
  }, 30_000);
});
