/**
 * A real kube-apiserver (scripts/k8s/apiserver.sh start) asked to create
 * objects with dryRun=All and fieldValidation=Strict: nothing is stored, and
 * the answer is what `kubectl apply --server-side --dry-run=server` would
 * give (unknown fields 400, unsupported values 422, accepted 201).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';

export interface KubeApi {
  url: string;
  token: string;
  ca: string;
}

export interface DryRunAnswer {
  status: number;
  /** The Status object's message when refused; empty when accepted. */
  message: string;
}

/**
 * The server CI started: SALVO_K8S_API (+ SALVO_K8S_TOKEN_FILE, SALVO_K8S_CA), or in CI the state
 * scripts/k8s/apiserver.sh leaves (so a missing server fails there instead of skipping); else null.
 */
export function kubeApiFromEnv(): KubeApi | null {
  const state = join(ROOT, '.brokers', 'k8s');
  const url = process.env.SALVO_K8S_API ?? (process.env.CI === 'true' ? 'https://127.0.0.1:6443' : undefined);
  if (url === undefined) return null;
  return {
    url,
    token: readFileSync(process.env.SALVO_K8S_TOKEN_FILE ?? join(state, 'token'), 'utf8').trim(),
    ca: readFileSync(process.env.SALVO_K8S_CA ?? join(state, 'serving.crt'), 'utf8'),
  };
}

/** Where an object of this apiVersion and kind is created (the kinds salvo's manifests hold). */
const COLLECTIONS: Record<string, string> = {
  'v1/ConfigMap': 'api/v1/namespaces/NS/configmaps',
  'v1/Secret': 'api/v1/namespaces/NS/secrets',
  'v1/PersistentVolumeClaim': 'api/v1/namespaces/NS/persistentvolumeclaims',
  'v1/Pod': 'api/v1/namespaces/NS/pods',
  'v1/Service': 'api/v1/namespaces/NS/services',
  'batch/v1/Job': 'apis/batch/v1/namespaces/NS/jobs',
};

export function collectionOf(object: Record<string, unknown>, namespace = 'default'): string {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const path = COLLECTIONS[key];
  if (path === undefined) throw new Error(`no collection known for ${key}: add it to COLLECTIONS`);
  return path.replace('NS', namespace);
}

/** POST the object as JSON with a server-side dry run and strict field validation. */
export function dryRunCreate(api: KubeApi, object: Record<string, unknown>): Promise<DryRunAnswer> {
  const body = JSON.stringify(object);
  const url = new URL(`${api.url}/${collectionOf(object)}?dryRun=All&fieldValidation=Strict`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: api.ca,
        timeout: 15_000,
        headers: {
          authorization: `Bearer ${api.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const parsed = JSON.parse(text) as { kind?: string; message?: string };
          resolve({ status, message: parsed.kind === 'Status' ? (parsed.message ?? '') : '' });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${api.url} in 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
