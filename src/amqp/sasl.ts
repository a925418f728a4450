/**
 * Which SASL mechanisms a client connection offers to use, from the URL's
 * user info, the client certificate and `--sasl-mechanisms`.
 *
 * Without a restriction: `user:password@` gives PLAIN, anything else
 * ANONYMOUS (a bare `user@` as its trace name). With one, exactly the listed
 * mechanisms are enabled, each only if it can work (PLAIN needs a password,
 * EXTERNAL a client certificate on amqps); the broker's offer order picks
 * among them. Nothing here holds on to a password beyond rhea's mechanism.
 */
import rhea from 'rhea';
import { SalvoError } from '../errors.js';
import { parseSaslMechanisms, SASL_MECHANISMS, type SaslMechanism } from '../plan/sasl-mechanisms.js';

export { parseSaslMechanisms, SASL_MECHANISMS, type SaslMechanism };

/** What decides the choice: the URL's credentials and whether a client certificate goes with TLS. */
export interface SaslCredentials {
  user?: string;
  password?: string;
  tls: boolean;
  clientCertificate: boolean;
}

/**
 * The mechanisms salvo will use, in the order given. A listed mechanism that
 * cannot work with these credentials is a usage error, so that a run does not
 * fail later against the broker for a reason salvo knew up front.
 */
export function enabledMechanisms(
  credentials: SaslCredentials,
  allowed?: readonly SaslMechanism[],
  option = '--sasl-mechanisms',
): SaslMechanism[] {
  if (allowed === undefined)
    return [credentials.password !== undefined && credentials.user !== undefined ? 'PLAIN' : 'ANONYMOUS'];
  for (const mechanism of allowed) {
    if (mechanism === 'PLAIN' && (credentials.user === undefined || credentials.password === undefined)) {
      throw new SalvoError('usage', `${option}: PLAIN needs user:password in the URL`);
    }
    if (mechanism === 'EXTERNAL' && !(credentials.tls && credentials.clientCertificate)) {
      throw new SalvoError('usage', `${option}: EXTERNAL needs an amqps:// URL and --cert with --key`);
    }
  }
  return [...allowed];
}

interface ClientMechanisms {
  enable_anonymous(name?: string): void;
  enable_plain(user: string, password: string): void;
  enable_external(): void;
}

/** rhea's client mechanism table for `enabled` (from enabledMechanisms). */
export function rheaMechanisms(credentials: SaslCredentials, enabled: readonly SaslMechanism[]): ClientMechanisms {
  const mechanisms = (rhea.sasl as unknown as { client_mechanisms(): ClientMechanisms }).client_mechanisms();
  for (const mechanism of enabled) {
    if (mechanism === 'PLAIN') mechanisms.enable_plain(credentials.user ?? '', credentials.password ?? '');
    else if (mechanism === 'EXTERNAL') mechanisms.enable_external();
    else mechanisms.enable_anonymous(credentials.user);
  }
  return mechanisms;
}

/** The one rhea would pick: the first of the broker's offer that salvo enabled. */
export function chosenMechanism(
  offered: readonly string[] | undefined,
  enabled: readonly SaslMechanism[],
): SaslMechanism | undefined {
  if (offered === undefined) return enabled.length === 1 ? enabled[0] : undefined;
  return offered.find((name): name is SaslMechanism => (enabled as readonly string[]).includes(name));
}
