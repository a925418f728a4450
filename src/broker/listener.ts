/**
 * The embedded broker's listeners: the plain TCP port and, with TLS options,
 * the TLS port, each a rhea container listener with the broker's connection
 * options; and SASL PLAIN against the configured users. What a connection
 * does once open (rhea's events, routed to the links) is broker.ts's.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import type { Container } from 'rhea';
import { SalvoError } from '../errors.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { BrokerOptions, BrokerTlsOptions } from './options.js';

/** The TLS listener's files, read. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/** A listener's accept event: 'secureConnection' for TLS, once the handshake is done. */
export type AcceptEvent = 'connection' | 'secureConnection';

/** Where the listeners are bound (the options may say port 0: any free port). */
export interface BoundListeners {
  readonly ports: { plain: number; tls?: number };
  readonly url: string;
  readonly tlsUrl: string | undefined;
}

type ListenOptions = Parameters<Container['listen']>[0];
/** The connection guard's idle time-out and frame-size limit, advertised by both listeners. */
type GuardListenOptions = ReturnType<ConnectionGuard['listenOptions']>;

/** With users configured, SASL PLAIN is required (ANONYMOUS off) and checked against them. */
export function enablePlainSasl(container: Container, users: Record<string, string> | undefined): void {
  if (!users || Object.keys(users).length === 0) return;
  const mechanisms = container.sasl_server_mechanisms as unknown as {
    enable_plain(check: (user: string, password: string) => boolean): void;
  };
  mechanisms.enable_plain((user, password) => passwordMatches(users[user], password));
}

/** Reads every TLS file before any port opens, so a bad path leaves nothing listening; one usage error per file. */
export function readTlsFiles(tls: BrokerTlsOptions | undefined): TlsFiles | undefined {
  return (
    tls && {
      cert: readPem(tls.certFile, '--tls-cert'),
      key: readPem(tls.keyFile, '--tls-key'),
      ca: tls.caFile ? readPem(tls.caFile, '--tls-ca') : undefined,
    }
  );
}

/**
 * Opens the plain listener, then the TLS one; `track` gets each server as soon
 * as it exists, so that a failure later still finds it to close. Rejects with a
 * usage error naming the address when a port cannot be bound.
 */
export async function openListeners(
  container: Container,
  options: BrokerOptions,
  files: TlsFiles | undefined,
  guardOptions: GuardListenOptions,
  track: (server: Server, event: AcceptEvent) => void,
): Promise<BoundListeners> {
  const common = sharedOptions(options, guardOptions);
  const plain = container.listen({ ...common, port: options.port });
  track(plain, 'connection');
  const port = await listening(plain, `${options.host}:${options.port}`);
  const url = `amqp://${formatHost(options.host)}:${port}`;
  const tls = options.tls;
  if (!tls || !files) return { ports: { plain: port }, url, tlsUrl: undefined };
  const secure = container.listen({
    ...common,
    ...files,
    port: tls.port,
    transport: 'tls',
    requestCert: tls.requireClientCert,
    rejectUnauthorized: tls.requireClientCert,
    // rhea adds EXTERNAL to the offer for sockets whose client certificate verified.
    ...(tls.saslExternal === true && { enable_sasl_external: true }),
  } as ListenOptions);
  track(secure, 'secureConnection');
  const tlsPort = await listening(secure, `${options.host}:${tls.port}`);
  return { ports: { plain: port, tls: tlsPort }, url, tlsUrl: `amqps://${formatHost(options.host)}:${tlsPort}` };
}

/** The rhea connection options both listeners share. */
function sharedOptions(options: BrokerOptions, guardOptions: GuardListenOptions) {
  return {
    host: options.host,
    tcp_no_delay: true,
    credit_window: 0,
    autoaccept: false,
    treat_modified_as_released: false,
    offered_capabilities: options.offerAnonymousRelay === false ? [] : ['ANONYMOUS-RELAY'],
    container_id: 'salvo-broker',
    properties: { product: 'salvo' },
    ...(options.sessionBufferSize ? { session_buffer_size: options.sessionBufferSize } : {}),
    ...guardOptions,
  };
}

function passwordMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SalvoError('usage', `${option}: cannot read ${file} (${reason})`);
  }
}

function listening(server: Server, where: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve((server.address() as AddressInfo).port));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'address already in use' : (error.code ?? error.message);
      reject(new SalvoError('usage', `broker cannot listen on ${where}: ${reason}`));
    });
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
