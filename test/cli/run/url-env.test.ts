/**
 * `salvo run --url-env VAR`: the broker URL, password and all, from the
 * environment (a Kubernetes Secret through secretKeyRef), so that it is in no
 * argument list. The run reaches the broker the variable names, the password
 * appears in nothing printed or written, and a missing variable or a URL given
 * twice is one usage line.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { withBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-url-env-'));
}

describe('--url-env', () => {
  test('takes the URL from the variable: the run reaches that broker, the password shown nowhere', async () => {
    const password = 'from-a-secret#7';
    await withBroker({ users: { alice: password } }, async (broker) => {
      const dir = outputDir();
      const url = `${broker.url.replace('amqp://', `amqp://alice:${encodeURIComponent(password)}@`)}/env`;
      const run = await runCli(['run', '--url-env', 'SALVO_TEST_URL', '-c', '200', '--output', dir], 30_000, {
        SALVO_TEST_URL: url,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('amqp://alice@');
      expect(run.stdout).toMatch(/lost 0, unexpected 0, corrupted 0 of 200 sent/);
      const written = readdirSync(dir)
        .map((name) => readFileSync(join(dir, name), 'utf8'))
        .join('\n');
      for (const text of [run.stdout, run.stderr, written]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(encodeURIComponent(password));
      }
      const stats = await broker.stats();
      expect(stats.queues.map((q) => q.address)).toContain('env');
    });
  }, 40_000);

  test('an unset or empty variable is one usage line naming it', async () => {
    const unset = await runCli(['run', '--url-env', 'SALVO_TEST_NO_SUCH_URL', '-c', '10'], 20_000);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toBe('salvo: --url-env: SALVO_TEST_NO_SUCH_URL is not set in the environment\n');
    const empty = await runCli(['run', '--url-env', 'SALVO_TEST_URL', '-c', '10'], 20_000, { SALVO_TEST_URL: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('salvo: --url-env: SALVO_TEST_URL is not set in the environment\n');
  });

  test('a URL argument as well is refused: one of them', async () => {
    const run = await runCli(['run', 'amqp://127.0.0.1:1/q', '--url-env', 'SALVO_TEST_URL', '-c', '10'], 20_000, {
      SALVO_TEST_URL: 'amqp://127.0.0.1:2/q',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('salvo: --url-env SALVO_TEST_URL and a URL argument: give one of them\n');
  });
});
