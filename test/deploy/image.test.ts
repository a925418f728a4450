/**
 * The container image (Dockerfile, built by scripts/image/build.sh) as a pod
 * runs it: salvo is the entrypoint, the user is not root, and a run passes
 * with the root file system read-only, every capability dropped and the
 * broker URL given only in the environment (--url-env, as from a Secret), on
 * the container's own loopback and against a broker on the host's loopback.
 *
 * Needs a Docker daemon (scripts/image/dockerd.sh start) and the image:
 * SALVO_IMAGE names it (.ci/run builds salvo:dev); skipped without it outside CI.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBroker } from '../helpers/broker.js';
import { ROOT } from '../helpers/paths.js';

const image = process.env.SALVO_IMAGE ?? (process.env.CI === 'true' ? 'salvo:dev' : undefined);

interface Docker {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<Docker> {
  const options = { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } };
  return new Promise((resolve) => {
    execFile('docker', args, options, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** `docker run` as the chart's pod runs the container: read-only root, no capabilities, results on a volume. */
const AS_IN_A_POD = [
  'run',
  '--rm',
  '--read-only',
  '--tmpfs',
  '/tmp',
  '--tmpfs',
  '/data/results:uid=65534,gid=65534',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
];

interface Result {
  totals: { sent: number; received: number };
  verdict: { ok: boolean; lost: number; unexpected: number; duplicated: number };
}

describe.skipIf(image === undefined)(`the image ${image ?? '(SALVO_IMAGE not set)'}`, () => {
  const tag = image ?? '';

  it('runs salvo as its entrypoint, as a user that is not root', async () => {
    const inspect = await docker(['image', 'inspect', '--format', '{{json .Config}}', tag]);
    expect(inspect.code, inspect.stderr).toBe(0);
    const config = JSON.parse(inspect.stdout) as { User: string; Entrypoint: string[] };
    expect(config.User).toBe('65534:65534');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/salvo']);
    const version = await docker(['run', '--rm', '--network', 'none', tag, '--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const id = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'id', tag, '-u']);
    expect(id.stdout.trim()).toBe('65534');
  });

  it('passes a run on its own loopback with a read-only root and no capabilities', async () => {
    const run = await docker([...AS_IN_A_POD, '--network', 'none', tag, 'run', '-c', '2000', '--json'], 90_000);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Result;
    expect(result.totals.sent).toBe(2000);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, unexpected: 0, duplicated: 0 });
  }, 120_000);

  it('reaches a broker on the host loopback with the URL in its environment only', async () => {
    const password = 'pod-secret#5';
    await withBroker({ users: { shard: password } }, async (broker) => {
      const url = `${broker.url.replace('amqp://', `amqp://shard:${encodeURIComponent(password)}@`)}/image`;
      const run = await docker(
        [
          ...AS_IN_A_POD,
          '--network',
          'host',
          '--env',
          'SALVO_URL',
          tag,
          'run',
          '--url-env',
          'SALVO_URL',
          '-c',
          '1000',
          '--json',
        ],
        90_000,
        // `--env SALVO_URL` copies the variable from docker's own environment: the URL is in no argument.
        { SALVO_URL: url },
      );
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as Result;
      expect(result.verdict).toMatchObject({ ok: true, lost: 0 });
      expect(run.stdout + run.stderr).not.toContain(password);
      const stats = await broker.stats();
      expect(stats.queues.map((q) => q.address)).toContain('image');
    });
  }, 120_000);
});
