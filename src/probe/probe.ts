/**
 * `salvo probe`: connect once, run every capability check in order, and
 * return the matrix. A check that throws becomes status 'error' with its
 * message; the others still run. If a check costs the connection (a broker
 * that closes it on an unknown request), the probe reconnects for the next.
 * At the end it drains the queues it used, where the broker keeps them.
 */
import type { Connection } from 'rhea';
import { connect, disconnect } from '../amqp/connect.js';
import type { TlsOptions } from '../amqp/connect.js';
import type { SaslMechanism } from '../amqp/sasl.js';
import { describeError } from '../errors.js';
import { parseAmqpUrl, redactUrl } from '../plan/url.js';
import { defaultAddressPrefix, newRunId, probeAddress } from './addresses.js';
import { CHECKS } from './checks/index.js';
import { AttachRefused, ProbeSession } from './links.js';
import type { ProbeReceiver } from './links.js';
import { PROBE_SCHEMA } from './types.js';
import type { BrokerIdentity, CapabilityResult, Check, ProbeContext, ProbeReport } from './types.js';

export const DEFAULT_STEP_TIMEOUT_MS = 5000;

/** A check gets this many step timeouts in all, as a last-resort bound. */
const STEPS_PER_CHECK = 8;
/** Draining stops once no message has come for this long. */
const DRAIN_QUIET_MS = 250;

export interface ProbeOptions {
  tls?: TlsOptions;
  /** Only these SASL mechanisms (--sasl-mechanisms); default: from the URL. */
  saslMechanisms?: readonly SaslMechanism[];
  /** Bound on each wait (connect, attach, outcome, arrival); default 5000. */
  stepTimeoutMs?: number;
  /** Prepended to every address; default `/queue/` for RabbitMQ, '' otherwise. */
  addressPrefix?: string;
  /** The checks to run, in order; default all of CHECKS. */
  checks?: readonly Check[];
  /** Called as each check finishes, e.g. for progress on stderr. */
  onResult?: (result: CapabilityResult) => void;
}

/**
 * Probes the broker at `url` (`amqp[s]://[user:pass@]host[:port]`; a path is
 * ignored). Rejects with SalvoError 'usage' for a bad URL and 'unreachable'
 * when it cannot connect or authenticate; otherwise resolves with the report.
 */
export async function probe(url: string, options: ProbeOptions = {}): Promise<ProbeReport> {
  const parsed = parseAmqpUrl(url, { option: 'URL' });
  const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  // A connection gets at least a second whatever the step limit: a loaded machine is slow to accept.
  const open = (): Promise<Connection> =>
    connect(parsed, {
      tls: options.tls,
      timeoutMs: Math.max(stepTimeoutMs, 1000),
      ...(options.saslMechanisms && { saslMechanisms: options.saslMechanisms }),
    });
  let connection = await open();
  const broker = identityOf(connection);
  const prefix =
    options.addressPrefix ?? defaultAddressPrefix(connection.properties as Record<string, unknown> | undefined);
  const runId = newRunId();
  const used = new Set<string>();
  const capabilities: CapabilityResult[] = [];

  for (const check of options.checks ?? CHECKS) {
    let result: CapabilityResult;
    if (!connection.is_open()) {
      try {
        connection = await open();
      } catch (error) {
        result = {
          name: check.name,
          status: 'error',
          detail: `connection lost; reconnect failed: ${describeError(error)}`,
        };
        capabilities.push(result);
        options.onResult?.(result);
        continue;
      }
    }
    const sessions: ProbeSession[] = [];
    const context: ProbeContext = {
      connection,
      url: parsed,
      stepTimeoutMs,
      address: (capability) => {
        const address = probeAddress(prefix, runId, capability);
        used.add(address);
        return address;
      },
      session: () => {
        const session = new ProbeSession(connection, stepTimeoutMs);
        sessions.push(session);
        return session;
      },
    };
    result = await runIsolated(check, context, stepTimeoutMs * STEPS_PER_CHECK);
    for (const session of sessions) session.close();
    capabilities.push(result);
    options.onResult?.(result);
  }

  if (connection.is_open()) await drain(connection, [...used], stepTimeoutMs);
  await disconnect(connection);
  return { schema: PROBE_SCHEMA, url: redactUrl(url), broker, capabilities };
}

/** One check, whatever it does: an exception or an overrun becomes its result. */
async function runIsolated(check: Check, context: ProbeContext, budgetMs: number): Promise<CapabilityResult> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check did not finish within ${budgetMs} ms`)), budgetMs);
  });
  try {
    const outcome = await Promise.race([check.run(context), overrun]);
    return { name: check.name, ...outcome };
  } catch (error) {
    if (error instanceof AttachRefused) return { name: check.name, status: 'refused', detail: error.message };
    return { name: check.name, status: 'error', detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Takes whatever is left on the probe's queues (e.g. messages a selector kept back). */
async function drain(connection: Connection, addresses: string[], stepTimeoutMs: number): Promise<void> {
  if (addresses.length === 0) return;
  const session = new ProbeSession(connection, stepTimeoutMs);
  try {
    const opened = await Promise.allSettled(
      addresses.map((address) => session.openReceiver({ source: { address }, credit_window: 100 })),
    );
    const receivers = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const deadline = Date.now() + stepTimeoutMs;
    await Promise.all(receivers.map((receiver) => untilQuiet(receiver, deadline)));
  } catch {
    // Cleanup is best effort.
  } finally {
    session.close();
  }
}

async function untilQuiet(receiver: ProbeReceiver, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const message = await receiver.next(Math.min(DRAIN_QUIET_MS, Math.max(1, deadline - Date.now())));
    if (message === undefined) return;
  }
}

function identityOf(connection: Connection): BrokerIdentity {
  const properties = (connection.properties ?? {}) as Record<string, unknown>;
  const identity: BrokerIdentity = {};
  if (typeof properties.product === 'string') identity.product = properties.product;
  if (typeof properties.version === 'string') identity.version = properties.version;
  if (typeof connection.container_id === 'string') identity.containerId = connection.container_id;
  return identity;
}
