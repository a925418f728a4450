/** The chart deploy/kubernetes/salvo rendered by helm (scripts/k8s/helm.sh: offline, no cluster). */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/paths.js';

export const CHART = join(ROOT, 'deploy', 'kubernetes', 'salvo');
export const EXAMPLES = join(ROOT, 'deploy', 'kubernetes', 'examples');
const HELM = join(ROOT, 'scripts', 'k8s', 'helm.sh');
/** helm built by go install thinks it talks to Kubernetes 1.20 unless told (the chart wants >= 1.29). */
export const KUBE_VERSION = '1.37.1';

export type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string } };

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Whether helm is built here (scripts/k8s/helm.sh install). */
export function helmPresent(): boolean {
  return spawnSync('bash', [HELM, 'path'], { stdio: 'ignore' }).status === 0;
}

export function helm(args: string[]): Promise<HelmRun> {
  return new Promise((resolve) => {
    execFile('bash', [HELM, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `helm template` with these --set values; the documents it renders, or a failed run. */
export async function render(release: string, sets: string[] = []): Promise<Manifest[]> {
  const run = await helm([
    'template',
    release,
    CHART,
    '--namespace',
    'default',
    '--kube-version',
    KUBE_VERSION,
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  if (run.code !== 0) throw new Error(`helm template ${sets.join(' ')}: ${run.stderr.trim()}`);
  return documents(run.stdout);
}

export function documents(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
}

/** Every example manifest, each with the file it came from. */
export function examples(): { file: string; manifest: Manifest }[] {
  return readdirSync(EXAMPLES)
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((file) => documents(readFileSync(join(EXAMPLES, file), 'utf8')).map((manifest) => ({ file, manifest })));
}
