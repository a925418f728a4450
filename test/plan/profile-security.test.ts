/** TLS and SASL settings in a workload profile: read apart from the plan, paths relative to the profile. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile, loadProfileSecurity, parseProfile } from '../../src/plan/profile.js';
import { ROOT } from '../helpers/paths.js';

function profileFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'salvo-profile-')), 'p.yaml');
  writeFileSync(file, text);
  return file;
}

describe('profile TLS and SASL settings', () => {
  it('are kept out of the plan and read with file paths relative to the profile', () => {
    const file = profileFile(
      'count: 10\nca: certs/ca.pem\nkey: /abs/key.pem\nkey-password-env: PW\nverify-host: false\nsasl-mechanisms: EXTERNAL\n',
    );
    expect(loadProfile(file)).toEqual({ count: 10 });
    expect(loadProfileSecurity(file)).toEqual({
      ca: join(file, '..', 'certs', 'ca.pem'),
      key: '/abs/key.pem',
      keyPasswordEnv: 'PW',
      verifyHost: false,
      saslMechanisms: 'EXTERNAL',
    });
  });

  it('refuse a key password written in the file, and values of the wrong type', () => {
    expect(() => parseProfile('key-password: hunter2\n', 'p.yaml')).toThrow(
      '--profile p.yaml:1:1: a key password does not belong in a file; name its variable with key-password-env',
    );
    expect(() => loadProfileSecurity(profileFile('verify-host: no thanks\n'))).toThrow(
      /p\.yaml:1:14: "verify-host": expected true or false, got "no thanks"$/,
    );
  });

  it('the bundled tls.yaml points at certificates scripts/certs.sh makes in .certs/local', () => {
    const security = loadProfileSecurity(join(ROOT, 'profiles', 'tls.yaml'));
    expect(security).toMatchObject({
      ca: join(ROOT, '.certs', 'local', 'ca.pem'),
      keyPasswordEnv: 'SALVO_KEY_PASSWORD',
    });
  });
});
