/**
 * Workload profiles: YAML files with the same option names as `salvo run`
 * (kebab-case, as typed on the command line). Flags given on the command line
 * win over the profile. Unknown keys are errors, not silently ignored.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { PlanError } from './errors.js';
import type { PlanInput } from './plan.js';

const KEYS: Record<string, keyof PlanInput> = {
  url: 'url',
  count: 'count',
  duration: 'duration',
  warmup: 'warmup',
  senders: 'senders',
  receivers: 'receivers',
  connections: 'connections',
  links: 'links',
  addresses: 'addresses',
  'body-size': 'bodySize',
  'msg-durable': 'msgDurable',
  'link-at-least-once': 'linkAtLeastOnce',
  'link-at-most-once': 'linkAtMostOnce',
  credit: 'credit',
  'max-in-flight': 'maxInFlight',
  rate: 'rate',
  'drain-timeout': 'drainTimeout',
  foreign: 'foreign',
  faults: 'faults',
  'restart-command': 'restartCommand',
  'faults-via': 'faultsVia',
  reconnect: 'reconnect',
  'reconnect-give-up': 'reconnectGiveUp',
  'tx-size': 'txSize',
  'tx-action': 'txAction',
  'tx-rollback-ratio': 'txRollbackRatio',
  'recv-tx-size': 'recvTxSize',
  'recv-tx-action': 'recvTxAction',
  'recv-tx-rollback-ratio': 'recvTxRollbackRatio',
  seed: 'seed',
  'metrics-port': 'metricsPort',
  'metrics-host': 'metricsHost',
  'msg-property': 'msgProperty',
  'recv-selector': 'recvSelector',
  pattern: 'pattern',
  responders: 'responders',
  'rpc-in-flight': 'rpcInFlight',
  'reply-to': 'replyTo',
  'rpc-timeout': 'rpcTimeout',
};

const BOOLEAN_KEYS = new Set<keyof PlanInput>(['msgDurable', 'linkAtLeastOnce', 'linkAtMostOnce', 'reconnect']);

/**
 * TLS and SASL settings a profile may hold (profileSecurity reads them): not
 * plan options, so they never reach result.json. File paths are relative to
 * the profile's folder. A key password has no place in a file: only the name
 * of the variable holding it (`key-password-env`).
 */
export interface ProfileSecurity {
  ca?: string;
  cert?: string;
  key?: string;
  keyPasswordEnv?: string;
  servername?: string;
  verifyHost?: boolean;
  saslMechanisms?: string;
}

const SECURITY_KEYS: Record<string, keyof ProfileSecurity> = {
  ca: 'ca',
  cert: 'cert',
  key: 'key',
  'key-password-env': 'keyPasswordEnv',
  servername: 'servername',
  'verify-host': 'verifyHost',
  'sasl-mechanisms': 'saslMechanisms',
};
const SECURITY_FILES = new Set<keyof ProfileSecurity>(['ca', 'cert', 'key']);

export function loadProfile(file: string): PlanInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanError(`--profile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return parseProfile(text, file);
}

/** The TLS and SASL settings of a profile (see ProfileSecurity); {} when it has none. */
export function loadProfileSecurity(file: string): ProfileSecurity {
  const document = parseDocument(readFileSync(file, 'utf8'), file);
  const security: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    const name = SECURITY_KEYS[key];
    if (!name) continue;
    const boolean = name === 'verifyHost';
    if (boolean ? typeof value !== 'boolean' : typeof value !== 'string') {
      throw new PlanError(`--profile ${file}: "${key}" must be ${boolean ? 'true or false' : 'a string'}, got ${JSON.stringify(value)}`);
    }
    security[name] = SECURITY_FILES.has(name) && !isAbsolute(value as string) ? resolve(dirname(file), value as string) : value;
  }
  return security as ProfileSecurity;
}

export function parseProfile(text: string, file: string): PlanInput {
  const document = parseDocument(text, file);
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === 'description' || SECURITY_KEYS[key]) continue;
    if (key === 'key-password') throw new PlanError(`--profile ${file}: a key password does not belong in a file; name its variable with key-password-env`);
    const name = KEYS[key];
    if (!name) throw new PlanError(`--profile ${file}: unknown option "${key}" (known: ${[...Object.keys(KEYS), ...Object.keys(SECURITY_KEYS)].join(', ')})`);
    // A list of NAME=VALUE or a map of name: value; src/plan/properties.ts checks the entries.
    if (name === 'msgProperty' && typeof value === 'object' && value !== null) {
      input[name] = value;
      continue;
    }
    if (BOOLEAN_KEYS.has(name) ? typeof value !== 'boolean' : typeof value !== 'string' && typeof value !== 'number') {
      throw new PlanError(`--profile ${file}: "${key}" must be ${BOOLEAN_KEYS.has(name) ? 'true or false' : 'a number or string'}, got ${JSON.stringify(value)}`);
    }
    input[name] = value;
  }
  return input as PlanInput;
}

function parseDocument(text: string, file: string): object {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new PlanError(`--profile ${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new PlanError(`--profile ${file}: expected a mapping of option: value`);
  }
  return document;
}
