/**
 * The chart's Indexed Job run for real (scripts/k8s/one-node-run.sh): a
 * one-node cluster on this machine (kube-apiserver, kube-controller-manager,
 * kube-scheduler, kubelet, containerd), three pods on the host network against
 * `salvo broker` on loopback. What a user relies on: the Job completes with
 * every index, and shard 0's log holds the one merged verdict, PASS, over every
 * shard's messages (not only its own part), with the table of all shards.
 *
 * Opt-in, it takes a minute or two (more the first time, when kubelet & co. are
 * built): SALVO_K8S_NODE=1, with SALVO_IMAGE naming the image in the Docker
 * daemon (default salvo:dev). .ci/run sets both.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

const SHARDS = 3;
const COUNT = 3000;
const RUN_TIMEOUT_S = 300;

interface JobStatus {
  status: {
    succeeded?: number;
    failed?: number;
    completedIndexes?: string;
    conditions?: { type: string; status: string }[];
  };
}

function runOneNode(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const image = process.env.SALVO_IMAGE ?? 'salvo:dev';
  const env = {
    ...process.env,
    ONE_NODE_OUT: out,
    SHARDS: String(SHARDS),
    COUNT: String(COUNT),
    RUN_TIMEOUT: String(RUN_TIMEOUT_S),
  };
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts', 'k8s', 'one-node-run.sh'), image],
      // The script bounds every wait; this only stops a hang outside them (a first build takes ~10 min more).
      { cwd: ROOT, env, timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      },
    );
  });
}

/** The value of a summary row ("  Received   3,000 messages ...") in this block, as a number. */
function rowCount(block: string, row: string): number {
  const match = new RegExp(`^  ${row} +([0-9,]+)`, 'm').exec(block);
  if (match === null) throw new Error(`no ${row} row in:\n${block}`);
  return Number(match[1].replaceAll(',', ''));
}

// Skipped unless SALVO_K8S_NODE=1: it needs root, containerd and the node binaries (minutes to build); .ci/run sets it.
describe.skipIf(process.env.SALVO_K8S_NODE !== '1')('the Indexed Job on a one-node cluster', () => {
  const out = mkdtempSync(join(tmpdir(), 'salvo-one-node-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it(
    'completes every index, and shard 0 logs one merged PASS over all the shards',
    async () => {
      const run = await runOneNode(out);
      expect(run.code, run.stderr.slice(-4000)).toBe(0);

      const job = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')) as JobStatus;
      const complete = job.status.conditions?.find((c) => c.type === 'Complete');
      expect(complete?.status).toBe('True');
      expect(job.status.succeeded).toBe(SHARDS);
      expect(job.status.failed ?? 0).toBe(0);
      expect(job.status.completedIndexes).toBe(`0-${SHARDS - 1}`);

      const log = readFileSync(join(out, 'shard-0.log'), 'utf8');
      // Shard 0 prints its own part first, then the merge: the run's verdict comes from the latter.
      const marker = `Shard 0 of ${SHARDS} (plan `;
      expect(log).toContain(marker);
      const [ownPart, merged] = log.split(marker);
      expect(rowCount(ownPart, 'Sent')).toBeLessThan(COUNT);
      expect(rowCount(merged, 'Sent')).toBe(COUNT);
      expect(rowCount(merged, 'Received')).toBe(COUNT);
      expect(merged).toMatch(/^Verdict \(at-least-once, every message of the run\): PASS$/m);
      expect(merged).toMatch(/^ {2}lost +0 /m);
      const table = merged.slice(merged.indexOf(`Shards (${SHARDS}, plan `));
      for (let i = 0; i < SHARDS; i++) expect(table).toMatch(new RegExp(`^ +${i} \\S+ +[0-9,]+`, 'm'));
    },
    31 * 60_000,
  );
});
