/** The test PKI from scripts/certs.sh, made on first use (idempotent; the global setup makes it up front). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_DIR, ROOT } from './paths.js';

export const CLIENT_KEY_PASSWORD = 'salvo-pass';

export interface Certs {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  /** Encrypted with CLIENT_KEY_PASSWORD. */
  clientKey: string;
  clientKeyPlain: string;
  wrongCa: string;
  /** server.pem's key and names, expired. */
  serverExpired: string;
  /** client-key-plain.pem's key, signed by the wrong CA: a client certificate the broker refuses. */
  clientWrongCa: string;
}

export function ensureCerts(dir = CERT_DIR): Certs {
  const file = (name: string): string => join(dir, name);
  if (
    !existsSync(file('wrong-ca.pem')) ||
    !existsSync(file('client-key-plain.pem')) ||
    !existsSync(file('client-wrong-ca.pem'))
  ) {
    execFileSync('bash', [join(ROOT, 'scripts', 'certs.sh'), dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
  }
  return {
    dir,
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server-key.pem'),
    clientCert: file('client.pem'),
    clientKey: file('client-key.pem'),
    clientKeyPlain: file('client-key-plain.pem'),
    wrongCa: file('wrong-ca.pem'),
    serverExpired: file('server-expired.pem'),
    clientWrongCa: file('client-wrong-ca.pem'),
  };
}

export function pem(path: string): Buffer {
  return readFileSync(path);
}
