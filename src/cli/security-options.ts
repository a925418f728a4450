/**
 * The TLS and SASL flags `salvo run` and `salvo probe` share, and what they
 * come to. The key password can come from an environment variable
 * (`--key-password-env VAR`), so that it is in neither the shell's history
 * nor the process list; either way it is only ever handed to Node's TLS.
 */
import type { Command } from 'commander';
import { parseSaslMechanisms, type SaslMechanism } from '../amqp/sasl.js';
import { SalvoError } from '../errors.js';
import type { ProfileSecurity } from '../plan/input.js';

export interface SecurityFlags {
  ca?: string;
  cert?: string;
  key?: string;
  keyPassword?: string;
  keyPasswordEnv?: string;
  servername?: string;
  /** commander's `--no-verify-host`: true unless given. */
  verifyHost: boolean;
  saslMechanisms?: string;
}

/** The flag names above, so that a command can keep them out of its other options. */
export const SECURITY_FLAGS = [
  'ca',
  'cert',
  'key',
  'keyPassword',
  'keyPasswordEnv',
  'servername',
  'verifyHost',
  'saslMechanisms',
] as const;

export interface Security {
  /** What readTlsFiles takes. */
  files: {
    ca?: string;
    cert?: string;
    key?: string;
    keyPassword?: string;
    keyPasswordFrom?: string;
    verifyHost?: boolean;
  };
  servername?: string;
  saslMechanisms?: SaslMechanism[];
}

export function addSecurityOptions(command: Command): Command {
  return command
    .option(
      '--ca <file>',
      "amqps: PEM file of CAs the broker certificate must chain to (default: Node's bundled roots); always checked",
    )
    .option('--cert <file>', 'amqps: client certificate (PEM), with --key')
    .option('--key <file>', 'amqps: client private key (PEM)')
    .option(
      '--key-password <password>',
      'amqps: password of an encrypted --key (shows in ps and shell history: prefer --key-password-env)',
    )
    .option('--key-password-env <var>', 'amqps: take the password of --key from this environment variable')
    .option(
      '--servername <name>',
      'amqps: SNI and the host name the broker certificate must carry (default: the URL host)',
    )
    .option('--no-verify-host', "amqps: check the certificate's chain but not its host name")
    .option(
      '--sasl-mechanisms <list>',
      'use only these: ANONYMOUS, PLAIN (user:password in the URL), EXTERNAL (the client certificate)',
    );
}

/**
 * A profile's TLS and SASL settings under the command line's: a flag typed
 * wins, and a typed --key-password replaces the profile's key-password-env.
 */
export function withProfile<F extends SecurityFlags>(
  flags: F,
  profile: ProfileSecurity,
  typed: (name: string) => boolean,
): F {
  const merged: Record<string, unknown> = { ...(flags as object) };
  for (const [name, value] of Object.entries(profile)) {
    if (!typed(name) && !(name === 'keyPasswordEnv' && typed('keyPassword'))) merged[name] = value;
  }
  return merged as unknown as F;
}

/** Flags -> settings; usage errors (one line) for a missing variable or an unknown mechanism. */
export function resolveSecurity(flags: SecurityFlags, env: NodeJS.ProcessEnv = process.env): Security {
  const files: Security['files'] = {
    ...(flags.ca !== undefined && { ca: flags.ca }),
    ...(flags.cert !== undefined && { cert: flags.cert }),
    ...(flags.key !== undefined && { key: flags.key }),
    ...keyPassword(flags, env),
    ...(flags.verifyHost === false && { verifyHost: false }),
  };
  return {
    files,
    ...(flags.servername !== undefined && { servername: flags.servername }),
    ...(flags.saslMechanisms !== undefined && { saslMechanisms: parseSaslMechanisms(flags.saslMechanisms) }),
  };
}

function keyPassword(flags: SecurityFlags, env: NodeJS.ProcessEnv): { keyPassword?: string; keyPasswordFrom?: string } {
  if (flags.keyPasswordEnv === undefined)
    return flags.keyPassword === undefined ? {} : { keyPassword: flags.keyPassword };
  if (flags.keyPassword !== undefined)
    throw new SalvoError('usage', '--key-password and --key-password-env: give one of them');
  const name = flags.keyPasswordEnv;
  const value = env[name];
  // The variable's name is fine to show; its value never is.
  if (value === undefined || value === '')
    throw new SalvoError('usage', `--key-password-env: ${name} is not set in the environment`);
  return { keyPassword: value, keyPasswordFrom: `the password in ${name}` };
}
