/**
 * `salvo run`'s connection flags beside the shared TLS and SASL ones
 * (security-options.ts): `--password-env VAR` (or SALVO_PASSWORD) for a URL
 * that names a user and no password, and, with `--send-url` / `--recv-url`,
 * one side's own TLS and SASL settings: `--send-ca`, `--recv-ca`, ... Each
 * side flag replaces the shared flag of the same name for that side only;
 * what a side does not name, it takes from the shared flags.
 */
import type { Command } from 'commander';
import { SalvoError } from '../errors.js';
import type { EnvPassword, Side, TlsFlagNames } from '../plan/index.js';
import { resolveSecurity, type Security, type SecurityFlags } from './security-options.js';

/** The shared flags a side may replace, as `--send-<name>` / `--recv-<name>`. */
const SIDE_FLAGS = [
  ['ca', 'Ca', '<file>', 'PEM file of CAs'],
  ['cert', 'Cert', '<file>', 'client certificate (PEM)'],
  ['key', 'Key', '<file>', 'client private key (PEM)'],
  ['key-password-env', 'KeyPasswordEnv', '<var>', 'the variable holding the password of its --key'],
  ['servername', 'Servername', '<name>', 'SNI and expected certificate host name'],
  ['sasl-mechanisms', 'SaslMechanisms', '<list>', 'SASL mechanisms to use'],
] as const;

const PREFIX: Readonly<Record<Side, string>> = { send: 'send', receive: 'recv' };

type SideFlagName = `${'send' | 'recv'}${(typeof SIDE_FLAGS)[number][1]}`;

export type SideSecurityFlags = { passwordEnv?: string } & Partial<Record<SideFlagName, string>>;

/** The option names above, so that a command keeps them out of its plan options. */
export const SIDE_SECURITY_FLAGS: readonly string[] = [
  'passwordEnv',
  ...(['send', 'recv'] as const).flatMap((prefix) => SIDE_FLAGS.map(([, camel]) => `${prefix}${camel}`)),
];

/** The environment variable a URL's missing password is read from when --password-env is not given. */
export const PASSWORD_VARIABLE = 'SALVO_PASSWORD';

export function addPasswordOption(command: Command): Command {
  return command.option(
    '--password-env <var>',
    `the password of the URL's user from this environment variable (default: ${PASSWORD_VARIABLE}, when set and ` +
      'the URL names a user but no password)',
  );
}

export function addSideSecurityOptions(command: Command): Command {
  for (const side of ['send', 'receive'] as const) {
    const prefix = PREFIX[side];
    for (const [name, , argument, what] of SIDE_FLAGS)
      command.option(`--${prefix}-${name} ${argument}`, `--${prefix}-url only: ${what}, instead of --${name}`);
  }
  return command;
}

/**
 * --password-env VAR (its value; a missing variable is a usage error naming it), else SALVO_PASSWORD when set;
 * undefined when neither. The value is never shown, only where it came from.
 */
export function envPassword(name: string | undefined, env: NodeJS.ProcessEnv = process.env): EnvPassword | undefined {
  if (name !== undefined) {
    const value = env[name];
    if (value === undefined || value === '')
      throw new SalvoError('usage', `--password-env: ${name} is not set in the environment`);
    return { value, from: `--password-env ${name}`, strict: true };
  }
  const fallback = env[PASSWORD_VARIABLE];
  if (fallback === undefined || fallback === '') return undefined;
  return { value: fallback, from: PASSWORD_VARIABLE, strict: false };
}

/** Each side's settings, where it names any of its own; a side that names none takes the shared ones. */
export function resolveSideSecurity(
  flags: SecurityFlags & SideSecurityFlags,
  env: NodeJS.ProcessEnv = process.env,
): Partial<Record<Side, Security>> {
  const sides: Partial<Record<Side, Security>> = {};
  for (const side of ['send', 'receive'] as const) {
    const own = sideFlags(flags, side);
    if (Object.keys(own).length === 0) continue;
    const merged: SecurityFlags = { ...flags, ...own };
    // A side's own --*-key-password-env replaces a typed --key-password too.
    if (own.keyPasswordEnv !== undefined) delete merged.keyPassword;
    sides[side] = resolveSecurity(merged, env);
  }
  return sides;
}

/** The flag that set `name` for a side: `--recv-sasl-mechanisms` when given, else the shared `--sasl-mechanisms`. */
export function sideFlagName(flags: SideSecurityFlags, side: Side, name: (typeof SIDE_FLAGS)[number][0]): string {
  const entry = SIDE_FLAGS.find(([flag]) => flag === name);
  const own = entry ? flags[`${PREFIX[side]}${entry[1]}` as SideFlagName] : undefined;
  return own === undefined ? `--${name}` : `--${PREFIX[side]}-${name}`;
}

/** The TLS flags a side's connect failures name: its own where it gave them, else the shared ones. */
export function sideTlsFlags(flags: SideSecurityFlags, side: Side): TlsFlagNames {
  return {
    ca: sideFlagName(flags, side, 'ca'),
    cert: sideFlagName(flags, side, 'cert'),
    servername: sideFlagName(flags, side, 'servername'),
  };
}

/** `--recv-ca` and the like, as the shared flags' names (`ca`), only those given. */
function sideFlags(flags: SideSecurityFlags, side: Side): Partial<SecurityFlags> {
  const own: Record<string, string> = {};
  for (const [name, camel] of SIDE_FLAGS) {
    const value = flags[`${PREFIX[side]}${camel}` as SideFlagName];
    if (value !== undefined) own[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return own as Partial<SecurityFlags>;
}
