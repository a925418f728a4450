/**
 * Workload profiles: YAML files with the same option names as `salvo run`
 * (kebab-case, as typed on the command line). Flags given on the command line
 * win over the profile. Unknown keys are errors, not silently ignored.
 */
import { readFileSync } from 'node:fs';
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
};

const BOOLEAN_KEYS = new Set<keyof PlanInput>(['msgDurable', 'linkAtLeastOnce', 'linkAtMostOnce', 'reconnect']);

export function loadProfile(file: string): PlanInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanError(`--profile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return parseProfile(text, file);
}

export function parseProfile(text: string, file: string): PlanInput {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new PlanError(`--profile ${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new PlanError(`--profile ${file}: expected a mapping of option: value`);
  }
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === 'description') continue;
    const name = KEYS[key];
    if (!name) throw new PlanError(`--profile ${file}: unknown option "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    if (BOOLEAN_KEYS.has(name) ? typeof value !== 'boolean' : typeof value !== 'string' && typeof value !== 'number') {
      throw new PlanError(`--profile ${file}: "${key}" must be ${BOOLEAN_KEYS.has(name) ? 'true or false' : 'a number or string'}, got ${JSON.stringify(value)}`);
    }
    input[name] = value;
  }
  return input as PlanInput;
}
