/**
 * deploy/kubernetes as Kubernetes itself judges it: every document the chart
 * renders (under several sets of values) and every example is created with a
 * server-side dry run and strict field validation on a real kube-apiserver,
 * and must be accepted; a misspelled field and an unsupported value must be
 * refused, which shows the check can fail. The rendered Job is also read for
 * what a sharded run relies on (one pod per shard, no second pod for an
 * index, the URL only from a Secret).
 *
 * Needs helm (scripts/k8s/helm.sh install) and a running API server
 * (scripts/k8s/apiserver.sh start; .ci/run starts one): skipped without them
 * outside CI, failing in CI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART, examples, helm, helmPresent, KUBE_VERSION, type Manifest, render } from './chart.js';
import { dryRunCreate, kubeApiFromEnv } from './kube-api.js';

const inCi = process.env.CI === 'true';
const api = kubeApiFromEnv();
const haveHelm = helmPresent();

/** Values that render different documents: each must pass the server's checks. */
const VARIANTS: Record<string, string[]> = {
  defaults: [],
  'five shards, results on a new claim': ['shards=5', 'results.persistence.enabled=true'],
  'an existing claim, no TTL': [
    'results.persistence.enabled=true',
    'results.persistence.existingClaim=shared-results',
    'ttlSecondsAfterFinished=null',
  ],
  'one shard per node, TLS files, no metrics, extra flags': [
    'spread.oneShardPerNode=true',
    'spread.whenUnsatisfiable=ScheduleAnyway',
    'broker.tlsSecretName=broker-tls',
    'metrics.enabled=false',
    'extraArgs={--link-at-most-once,--body-size,1024}',
  ],
  'host network, no metrics, image never pulled (the one-node run)': [
    'hostNetwork=true',
    'metrics.enabled=false',
    'image.pullPolicy=Never',
  ],
};

function jobOf(docs: Manifest[]): Manifest & { spec: Record<string, never> } {
  const jobs = docs.filter((d) => d.kind === 'Job');
  expect(jobs).toHaveLength(1);
  return jobs[0] as Manifest & { spec: Record<string, never> };
}

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
}

interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: {
    restartPolicy: string;
    topologySpreadConstraints: { maxSkew: number; topologyKey: string }[];
    affinity?: unknown;
    containers: Container[];
  };
}

describe.skipIf(!haveHelm && !inCi)('the salvo chart, rendered offline by helm', () => {
  it('lints clean with --strict', async () => {
    const run = await helm(['lint', '--strict', CHART, '--kube-version', KUBE_VERSION]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders one Indexed Job of N pods that never runs an index twice, the URL from the Secret only', async () => {
    const docs = await render('run-7', ['shards=7']);
    const job = jobOf(docs);
    const spec = job.spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 7,
      parallelism: 7,
      backoffLimitPerIndex: 0,
      podReplacementPolicy: 'Failed',
    });
    const template = spec.template as PodTemplate;
    expect(template.spec.restartPolicy).toBe('Never');
    expect(template.spec.topologySpreadConstraints[0]).toMatchObject({
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
    });
    const [container] = template.spec.containers;
    const args = container.args;
    expect(args.slice(0, 3)).toEqual(['run', '--url-env', 'SALVO_URL']);
    expect(args[args.indexOf('--shards') + 1]).toBe('7');
    expect(args[args.indexOf('--run-id') + 1]).toBe('run-7');
    expect(args[args.indexOf('--metrics-host') + 1]).toBe('$(POD_IP)');
    // The URL reaches the pod from the Secret, and from nowhere else.
    const url = container.env.find((e) => e.name === 'SALVO_URL');
    expect(url?.valueFrom?.secretKeyRef).toEqual({ name: 'salvo-broker', key: 'url' });
    expect(url?.value).toBeUndefined();
    expect(JSON.stringify(args)).not.toMatch(/amqps?:\/\//);
    const configMap = docs.find((d) => d.kind === 'ConfigMap') as Manifest & { data: Record<string, string> };
    const profile = parse(configMap.data['profile.yaml']) as Record<string, unknown>;
    expect(profile).not.toHaveProperty('url');
    // Requests = limits: the Guaranteed QoS class, steady timing.
    expect(container.resources.requests).toEqual(container.resources.limits);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
  });

  it('puts pods on the node network only when asked, keeping the cluster DNS', async () => {
    const specOf = async (sets: string[]) =>
      ((jobOf(await render('h', sets)).spec as Record<string, unknown>).template as PodTemplate).spec as Record<
        string,
        unknown
      >;
    const plain = await specOf([]);
    expect(plain.hostNetwork).toBeUndefined();
    expect(plain.dnsPolicy).toBeUndefined();
    expect(await specOf(['hostNetwork=true'])).toMatchObject({
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
    });
  });

  it('passes extra flags as strings, numbers typed by --set included', async () => {
    const job = jobOf(await render('x', ['extraArgs={--body-size,1024}']));
    const template = (job.spec as Record<string, unknown>).template as PodTemplate;
    expect(template.spec.containers[0].args.slice(-2)).toEqual(['--body-size', '1024']);
  });

  it('the profile given as a file lands in the ConfigMap as written', async () => {
    const profile = join(CHART, '..', '..', '..', 'profiles', 'quickstart.yaml');
    const run = await helm([
      'template',
      'p',
      CHART,
      '--kube-version',
      KUBE_VERSION,
      '--set-file',
      `profile=${profile}`,
      '--show-only',
      'templates/configmap.yaml',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const configMap = parse(run.stdout) as { data: Record<string, string> };
    expect(configMap.data['profile.yaml'].trim()).toBe(readFileSync(profile, 'utf8').trim());
  });

  it('refuses values it does not know or cannot use, naming them', async () => {
    const typo = await helm(['template', 'x', CHART, '--kube-version', KUBE_VERSION, '--set', 'shard=3']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/additional properties 'shard' not allowed/);
    const none = await helm(['template', 'x', CHART, '--kube-version', KUBE_VERSION, '--set', 'shards=0']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/at '\/shards': minimum: got 0, want 1/);
    const old = await helm(['template', 'x', CHART, '--kube-version', '1.28.0']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toMatch(
      /chart requires kubeVersion: >=1\.29\.0-0 which is incompatible with Kubernetes v1\.28\.0/,
    );
  });
});

describe.skipIf((!haveHelm || api === null) && !inCi)('deploy/kubernetes against a real kube-apiserver', () => {
  it.each(Object.entries(VARIANTS))(
    'every document rendered with %s is accepted (dry run, strict)',
    async (_, sets) => {
      if (api === null) throw new Error('no API server: set SALVO_K8S_API (scripts/k8s/apiserver.sh start)');
      const docs = await render('salvo-check', sets);
      expect(docs.map((d) => d.kind)).toContain('Job');
      for (const doc of docs) {
        const answer = await dryRunCreate(api, doc);
        expect(answer, `${doc.kind} ${doc.metadata.name}`).toEqual({ status: 201, message: '' });
      }
    },
  );

  it('every example is accepted (dry run, strict)', async () => {
    if (api === null) throw new Error('no API server');
    const all = examples();
    expect(all.length).toBeGreaterThan(0);
    for (const { file, manifest } of all) {
      expect(await dryRunCreate(api, manifest), file).toEqual({ status: 201, message: '' });
    }
  });

  it('refuses the Job with an unsupported value (422) or a misspelled field (400), at its path', async () => {
    if (api === null) throw new Error('no API server');
    const job = jobOf(await render('salvo-bad'));
    const mutated = (change: (spec: Record<string, unknown>) => void): Manifest => {
      const copy = structuredClone(job) as Manifest & { spec: Record<string, unknown> };
      change(copy.spec);
      return copy;
    };

    const indexd = await dryRunCreate(
      api,
      mutated((spec) => {
        spec.completionMode = 'Indexd';
      }),
    );
    expect(indexd.status).toBe(422);
    expect(indexd.message).toMatch(
      /spec\.completionMode: Unsupported value: "Indexd": supported values: "NonIndexed", "Indexed"/,
    );

    const unknown = await dryRunCreate(
      api,
      mutated((spec) => {
        spec.completionsMode = spec.completionMode;
      }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.message).toMatch(/strict decoding error: unknown field "spec\.completionsMode"/);

    const nested = await dryRunCreate(
      api,
      mutated((spec) => {
        const template = spec.template as PodTemplate;
        (template.spec.containers[0] as unknown as Record<string, unknown>).imagePullPolcy = 'Always';
      }),
    );
    expect(nested.status).toBe(400);
    expect(nested.message).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/);

    // completions != parallelism is legal Kubernetes; a wrong type is not.
    const typed = await dryRunCreate(
      api,
      mutated((spec) => {
        spec.completions = '3';
      }),
    );
    expect(typed.status).toBe(400);
  });
});
