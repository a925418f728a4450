/**
 * The chart's container arguments are a command line salvo accepts: the
 * rendered args, with `$(JOB_COMPLETION_INDEX)` and `$(POD_IP)` filled in as
 * Kubernetes fills them, given to `salvo run --print-plan` with the URL in
 * SALVO_URL (as the Secret puts it there) and the rendered profile. So a
 * renamed flag on either side fails here, not in a user's cluster.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { helmPresent, type Manifest, render } from './chart.js';

const inCi = process.env.CI === 'true';

interface Rendered {
  args: string[];
  profile: string;
}

async function rendered(release: string, sets: string[]): Promise<Rendered> {
  const docs = await render(release, sets);
  const job = docs.find((d) => d.kind === 'Job') as Manifest & {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  const configMap = docs.find((d) => d.kind === 'ConfigMap') as Manifest & { data: Record<string, string> };
  return { args: job.spec.template.spec.containers[0].args, profile: configMap.data['profile.yaml'] };
}

describe.skipIf(!helmPresent() && !inCi)("the chart's command line", () => {
  it('is one salvo run takes', async () => {
    const { args, profile } = await rendered('chart-args', ['shards=3']);
    const dir = mkdtempSync(join(tmpdir(), 'salvo-chart-args-'));
    const profileFile = join(dir, 'profile.yaml');
    writeFileSync(profileFile, profile);
    const filled = args.map((a) =>
      a
        .replace('$(JOB_COMPLETION_INDEX)', '1')
        .replace('$(POD_IP)', '127.0.0.1')
        .replace('/etc/salvo/profile/profile.yaml', profileFile)
        .replace(/^\/data\/results/, join(dir, 'results')),
    );
    expect(filled.join(' ')).not.toContain('$(');
    const run = await runCli([...filled, '--print-plan'], 20_000, {
      SALVO_URL: 'amqp://127.0.0.1:5672/chart',
      JOB_COMPLETION_INDEX: '1',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"chart-args"');
    expect(run.stdout).toContain('amqp://127.0.0.1:5672/chart');
  });
});
