/**
 * The brokers the conformance suite runs against. The embedded broker always
 * runs; Artemis, RabbitMQ and ActiveMQ Classic run when their URL is given in the environment
 * or their default port answers. With CI=true (or an explicit URL) a broker
 * that does not answer is a failure, not a skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import type { TlsOptions } from '../../src/amqp/connect.js';
import type { CapabilityStatus } from '../../src/probe/index.js';
import { parseAmqpUrl } from '../../src/plan/url.js';
import { ROOT } from '../helpers/paths.js';

export type TargetName = 'embedded' | 'artemis' | 'rabbitmq' | 'activemq';

export interface ExternalTarget {
  name: Exclude<TargetName, 'embedded'>;
  label: string;
  url: string;
  tlsUrl: string;
  tls: TlsOptions;
  /** How to start it, for messages. */
  start: string;
  /** Whether it must answer: CI=true, or its URL came from the environment. */
  required: boolean;
  /** Why it is required, for messages. */
  requiredBecause?: string;
}

export type Availability =
  | { kind: 'up'; target: ExternalTarget }
  | { kind: 'missing'; target: ExternalTarget; reason: string };

/** What each target's own probe must say (any of the listed statuses). */
export const EXPECTED_PROBE: Readonly<Record<TargetName, Readonly<Record<string, readonly CapabilityStatus[]>>>> = {
  embedded: {
    connection: ['yes'],
    'at-least-once': ['yes'],
    'at-most-once': ['yes'],
    durable: ['yes'],
    'anonymous-relay': ['yes'],
    dynamic: ['yes'],
    selector: ['yes'],
    'selector-depth': ['yes'],
    transactions: ['yes'],
    'round-trip': ['yes'],
    'fan-out': ['yes'],
    'shared-subscriptions': ['yes'],
    // docs/header.md: the embedded broker expires messages, and keeps arrival order whatever their priority.
    ttl: ['yes'],
    priority: ['ignored'],
  },
  artemis: {
    connection: ['yes'],
    'at-least-once': ['yes'],
    'at-most-once': ['yes'],
    durable: ['yes'],
    'anonymous-relay': ['yes'],
    dynamic: ['yes'],
    selector: ['yes'],
    'selector-depth': ['yes'],
    transactions: ['yes'],
    'round-trip': ['yes'],
    'fan-out': ['yes'],
    'shared-subscriptions': ['yes'],
    ttl: ['yes'],
    priority: ['yes'],
  },
  // RabbitMQ 3.10 with rabbitmq_amqp1_0: a selector is echoed and then ignored,
  // the coordinator and dynamic sources end the session with amqp:not-implemented.
  rabbitmq: {
    connection: ['yes'],
    'at-least-once': ['yes'],
    'at-most-once': ['yes'],
    durable: ['yes'],
    selector: ['ignored'],
    'selector-depth': ['n/a'],
    transactions: ['refused'],
    dynamic: ['refused', 'no'],
    // /topic/ gives every consuming link a queue of its own: fan-out, but no competing consumers on a subscription.
    'fan-out': ['yes'],
    'shared-subscriptions': ['no'],
    // Priority needs a queue declared with x-max-priority, which an AMQP 1.0 client cannot declare.
    ttl: ['yes'],
    priority: ['ignored'],
  },
  // ActiveMQ Classic 6.3 (scripts/brokers/activemq.sh, tcpNoDelay on): a selector finds no match behind a
  // page of 200 that holds none (maxPageSize), so selector-depth is no. It also refuses a second connection
  // with a container id already connected (the salvo run scenarios, runs.ts).
  activemq: {
    connection: ['yes'],
    'at-least-once': ['yes'],
    'at-most-once': ['yes'],
    durable: ['yes'],
    'anonymous-relay': ['yes'],
    dynamic: ['yes'],
    selector: ['yes'],
    'selector-depth': ['no'],
    transactions: ['yes'],
    'round-trip': ['yes'],
    // Virtual topics: queue://Consumer.<sub>.VirtualTopic.<topic> per subscription (src/amqp/topic-terminus.ts).
    'fan-out': ['yes'],
    'shared-subscriptions': ['yes'],
    // Priority needs prioritizedMessages on the destination (off by default).
    ttl: ['yes'],
    priority: ['ignored'],
  },
};

const BROKER_CA = process.env.SALVO_BROKER_CA ?? join(ROOT, '.brokers', 'certs', 'ca.pem');

function external(
  name: ExternalTarget['name'],
  label: string,
  env: string,
  defaults: { url: string; tlsUrl: string },
): ExternalTarget {
  const fromEnv = process.env[env];
  const ci = process.env.CI === 'true';
  const target: ExternalTarget = {
    name,
    label,
    url: fromEnv ?? defaults.url,
    tlsUrl: process.env[`${env.replace(/_URL$/, '')}_TLS_URL`] ?? defaults.tlsUrl,
    tls: existsSync(BROKER_CA) ? { ca: readFileSync(BROKER_CA) } : {},
    start: `bash scripts/brokers/${name}.sh install && bash scripts/brokers/${name}.sh start`,
    required: ci || fromEnv !== undefined,
  };
  if (ci) target.requiredBecause = 'CI=true';
  else if (fromEnv !== undefined) target.requiredBecause = `${env} is set`;
  return target;
}

export const EXTERNAL_TARGETS: readonly ExternalTarget[] = [
  external('artemis', 'ActiveMQ Artemis', 'SALVO_ARTEMIS_URL', {
    url: 'amqp://salvo:salvo@127.0.0.1:5673',
    tlsUrl: 'amqps://salvo:salvo@127.0.0.1:5674',
  }),
  external('rabbitmq', 'RabbitMQ', 'SALVO_RABBITMQ_URL', {
    url: 'amqp://salvo:salvo@127.0.0.1:5675',
    tlsUrl: 'amqps://salvo:salvo@127.0.0.1:5676',
  }),
  external('activemq', 'ActiveMQ Classic', 'SALVO_ACTIVEMQ_URL', {
    url: 'amqp://salvo:salvo@127.0.0.1:5677',
    tlsUrl: 'amqps://salvo:salvo@127.0.0.1:5678',
  }),
];

/** Whether something accepts TCP connections at the URL's host and port. */
export function portAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const { host, port } = parseAmqpUrl(url, { option: 'target URL' });
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function discover(): Promise<Availability[]> {
  return Promise.all(
    EXTERNAL_TARGETS.map(async (target): Promise<Availability> => {
      if (await portAnswers(target.url)) return { kind: 'up', target };
      const where = target.url.replace(/\/\/[^@/]*@/, '//');
      return { kind: 'missing', target, reason: `${where} does not answer (start it: ${target.start})` };
    }),
  );
}
