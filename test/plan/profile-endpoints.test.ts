/** Where each side connects, the password's variable and tags, in a workload profile; mistakes by line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePlan } from '../../src/plan/index.js';
import { loadProfile, loadProfileSecurity, parseProfile } from '../../src/plan/profile.js';

function profileFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'salvo-profile-')), 'p.yaml');
  writeFileSync(file, text);
  return file;
}

describe('profile: send-url, recv-url, tag, password-env, per-side TLS', () => {
  it('give the plan each side and the tags; the side TLS keys and the variable go apart, paths relative', () => {
    const file = profileFile(
      [
        'send-url: amqp://alice@10.0.0.1:5672/orders',
        'recv-url: [amqps://alice@10.0.0.2:5671, amqps://alice@10.0.0.3:5671]',
        'receivers: 2',
        'tag: {cluster: eu-1, build: 7}',
        'password-env: BROKER_PW',
        'recv-ca: certs/ca.pem',
        'recv-servername: broker.internal',
        '',
      ].join('\n'),
    );
    const input = loadProfile(file);
    const plan = resolvePlan({ runId: 'p', ...input });
    expect(plan.sides?.receive.map((u) => u.host)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(plan.tags).toEqual({ build: '7', cluster: 'eu-1' });
    expect(loadProfileSecurity(file)).toEqual({
      passwordEnv: 'BROKER_PW',
      recvCa: join(file, '..', 'certs', 'ca.pem'),
      recvServername: 'broker.internal',
    });
  });

  it('report mistakes at their line: a tag that is not a list or mapping, a password written in the file', () => {
    expect(() => parseProfile('count: 10\ntag: 5\n', 'p.yaml')).toThrow(
      'p.yaml:2:6: "tag": expected a list of KEY=VALUE or a mapping of key: value, got 5',
    );
    expect(() => parseProfile('count: 10\npassword: hunter2\n', 'p.yaml')).toThrow(
      '--profile p.yaml:2:1: a password does not belong in a file; name its variable with password-env',
    );
    expect(() => parseProfile('send-url: []\n', 'p.yaml')).toThrow(
      /p\.yaml:1:11: "send-url": expected at least one URL/,
    );
  });
});
