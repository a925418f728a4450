/**
 * One way to open a client connection to a broker URL, for every command:
 *
 *   const connection = await connect(parseAmqpUrl(text), { tls: await readTlsFiles(flags) });
 *
 * - TCP_NODELAY on, no reconnect, SASL from the URL: `user:password@` gives
 *   PLAIN, a bare `user@` gives ANONYMOUS with that trace name, no user gives
 *   ANONYMOUS; `saslMechanisms` restricts (and may add EXTERNAL): see sasl.ts.
 *   SASL is always spoken, so the server's offer can be recorded (see
 *   `offeredSaslMechanisms` in rhea-patches).
 * - amqps: Node's TLS with the given CA (else Node's roots) / client
 *   certificate; the server certificate is verified, chain and host name,
 *   the name only skipped with `verifyHost: false`, and nothing verified only
 *   with `rejectUnauthorized: false` (the probe's API; no CLI flag).
 * - The promise settles once: with the connection once the peer's open frame
 *   has arrived and no close followed it, or with SalvoError('unreachable',
 *   one line naming the cause: see connect-failure.ts) on a refused socket, a
 *   TLS or SASL failure, a close during open, or `timeoutMs` without an open.
 * - A broker that refuses a connection still answers the open, then closes at
 *   once with its reason (ActiveMQ Classic: a container id already connected,
 *   amqp:invalid-field). Such an open carries the connection property
 *   `amqp:connection-establishment-failed` (the convention Qpid JMS reads):
 *   then the close is waited for; otherwise the open is trusted one event-loop
 *   turn later, so that a close read in the same chunk still fails the connect
 *   with the broker's condition and description, never a later attach.
 *
 * Each connection gets its own rhea container, whose `error` and
 * `disconnected` events are swallowed so that an unhandled AMQP error can
 * never throw out of rhea's event handling; a caller that cares listens on
 * the connection (connection-level listeners take precedence).
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import rhea from 'rhea';
import type { Connection, ConnectionOptions, EventContext } from 'rhea';
import { SalvoError } from '../errors.js';
import type { AmqpUrl } from '../plan/url.js';
import type { TlsFlagNames } from '../plan/targets.js';
import { explainFailure, explainTimeout, type AttemptFacts } from './connect-failure.js';
import { destroySocket, observeSaslMechanisms, offeredSaslMechanisms } from './rhea-patches/index.js';
import { enabledMechanisms, rheaMechanisms, type SaslCredentials, type SaslMechanism } from './sasl.js';

export interface TlsOptions {
  /** PEM CA bundle the server certificate must chain to (default: Node's roots). */
  ca?: Buffer;
  /** PEM client certificate and key, for brokers that ask for one. */
  cert?: Buffer;
  key?: Buffer;
  /** Password of an encrypted `key`. */
  passphrase?: string;
  /**
   * SNI and the name the certificate must carry. Default: the URL's host; for
   * an IP literal no SNI is sent ('') and the certificate must name the IP.
   */
  servername?: string;
  /** false: the chain is verified, the host name is not (default true). */
  verifyHost?: boolean;
  /** false connects even if the certificate does not verify (default true). */
  rejectUnauthorized?: boolean;
}

export interface ConnectOptions {
  /** Used only for amqps URLs. */
  tls?: TlsOptions;
  /** Bound on TCP + TLS + SASL + open; default 5000. */
  timeoutMs?: number;
  /** Our container id in the open frame; default `salvo-<random>`. */
  containerId?: string;
  /** Only these SASL mechanisms (--sasl-mechanisms); default: from the URL. */
  saslMechanisms?: readonly SaslMechanism[];
  /** The flags a failure's line names (a side's own, `--recv-ca`); default: `--ca`, `--cert`, `--servername`. */
  tlsFlags?: TlsFlagNames;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Connection property of an open that the broker follows with a close (a refused connection). */
const ESTABLISHMENT_FAILED = 'amqp:connection-establishment-failed';

export function connect(url: AmqpUrl, options: ConnectOptions = {}): Promise<Connection> {
  observeSaslMechanisms();
  const shown = endpointOf(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const containerId = options.containerId ?? `salvo-${Math.random().toString(36).slice(2, 10)}`;
  const credentials = saslCredentials(url, options);
  let enabled: SaslMechanism[];
  try {
    enabled = enabledMechanisms(credentials, options.saslMechanisms);
  } catch (error) {
    return Promise.reject(error);
  }
  const facts: AttemptFacts = {
    tls: url.tls,
    caGiven: options.tls?.ca !== undefined,
    ...(url.tls && options.tls?.cert && { clientCertificate: options.tls.cert }),
    handshakeDone: false,
    opened: false,
    enabled,
    restricted: options.saslMechanisms !== undefined,
    ...(url.user !== undefined && { user: url.user }),
    ...(options.tlsFlags && { tlsFlags: options.tlsFlags }),
  };
  const container = rhea.create_container({ id: containerId });
  container.on('error', () => undefined);
  container.on('disconnected', () => undefined);

  return new Promise<Connection>((resolve, reject) => {
    let connection: Connection | undefined;
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connection?.removeListener('connection_open', onOpen);
      connection?.removeListener('connection_error', onError);
      connection?.removeListener('connection_close', onError);
      connection?.removeListener('disconnected', onDisconnected);
      if (error === undefined && connection) {
        resolve(connection);
        return;
      }
      abort(connection);
      reject(new SalvoError('unreachable', `cannot connect to ${shown}: ${error}`));
    };
    // What the attempt got to, read only when it fails.
    const explain = (error: unknown): string => {
      const offer = connection && offeredSaslMechanisms(connection);
      return explainFailure(error, offer ? { ...facts, saslOffer: offer } : facts);
    };
    const onOpen = (): void => {
      facts.opened = true;
      if (establishmentFailed(connection?.properties)) return; // its close, with the reason, is on its way
      setImmediate(() => finish());
    };
    const onError = (context: EventContext): void =>
      finish(explain(context.error ?? context.connection.error) || 'closed by the peer');
    const onDisconnected = (context: EventContext): void => finish(explain(context.error));
    const timer = setTimeout(() => finish(explainTimeout(formatMs(timeoutMs), facts)), timeoutMs);

    try {
      connection = container.connect(
        connectionOptions(url, options, containerId, rheaMechanisms(credentials, enabled)),
      );
    } catch (error) {
      finish(explain(error));
      return;
    }
    tlsSocketOf(connection)?.once('secureConnect', () => {
      facts.handshakeDone = true;
    });
    connection.on('connection_open', onOpen);
    connection.on('connection_error', onError);
    connection.on('connection_close', onError);
    connection.on('disconnected', onDisconnected);
  });
}

/**
 * Closes a connection and waits (at most `timeoutMs`) for the peer's close,
 * then drops the socket. Never rejects.
 */
export function disconnect(connection: Connection, timeoutMs = 1000): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      connection.removeListener('connection_close', done);
      connection.removeListener('connection_error', done);
      connection.removeListener('disconnected', done);
      destroySocket(connection);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    connection.on('connection_close', done);
    connection.on('connection_error', done);
    connection.on('disconnected', done);
    if (!connection.is_remote_open()) {
      done(); // the peer closed or the socket is gone: nothing to wait for
      return;
    }
    try {
      connection.close();
    } catch {
      done();
    }
  });
}

/**
 * Reads the TLS files named on a command line; an unreadable file is a
 * usage error naming its option. `verify: false` maps to rejectUnauthorized.
 */
export async function readTlsFiles(files: {
  ca?: string;
  cert?: string;
  key?: string;
  keyPassword?: string;
  /** Where the password came from, for the bad-password line (default '--key-password'). */
  keyPasswordFrom?: string;
  verify?: boolean;
  verifyHost?: boolean;
}): Promise<TlsOptions> {
  const tls: TlsOptions = { rejectUnauthorized: files.verify !== false };
  if (files.verifyHost === false) tls.verifyHost = false;
  if (files.ca !== undefined) tls.ca = await readPem(files.ca, '--ca');
  if (files.cert !== undefined) tls.cert = await readPem(files.cert, '--cert');
  if (files.key !== undefined) tls.key = await readPem(files.key, '--key');
  if (files.keyPassword !== undefined) tls.passphrase = files.keyPassword;
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new SalvoError('usage', '--cert and --key go together');
  }
  if (tls.key !== undefined)
    checkKey(tls.key, files.key ?? '', tls.passphrase, files.keyPasswordFrom ?? '--key-password');
  return tls;
}

/** The TLS socket under an amqps connection, for protocol, cipher and peer certificate. */
export function tlsSocketOf(connection: Connection): TLSSocket | undefined {
  return connection.get_tls_socket() as TLSSocket | undefined;
}

/** `amqp://host:port`: what error messages name (no user, no address). */
export function endpointOf(url: AmqpUrl): string {
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return `${url.scheme}://${host}:${url.port}`;
}

function connectionOptions(
  url: AmqpUrl,
  options: ConnectOptions,
  containerId: string,
  sasl: object,
): ConnectionOptions {
  const common = {
    host: url.host,
    port: url.port,
    container_id: containerId,
    reconnect: false,
    tcp_no_delay: true,
    sasl_mechanisms: sasl,
  };
  if (!url.tls) return { ...common, transport: 'tcp' } as ConnectionOptions;
  const tls = options.tls ?? {};
  // No SNI for an IP literal (RFC 6066; Node warns). rhea fills in the host
  // when servername is undefined, so '' says "none"; Node then checks the
  // certificate against the IP itself.
  const servername = tls.servername ?? (isIP(url.host) === 0 ? url.host : '');
  return {
    ...common,
    transport: 'tls',
    ...(tls.ca && { ca: tls.ca }),
    ...(tls.cert && { cert: tls.cert }),
    ...(tls.key && { key: tls.key }),
    ...(tls.passphrase !== undefined && { passphrase: tls.passphrase }),
    servername,
    rejectUnauthorized: tls.rejectUnauthorized !== false,
    // Chain verification stays Node's; only the name check is left out.
    ...(tls.verifyHost === false && { checkServerIdentity: () => undefined }),
  } as ConnectionOptions;
}

function saslCredentials(url: AmqpUrl, options: ConnectOptions): SaslCredentials {
  return {
    ...(url.user !== undefined && { user: url.user }),
    ...(url.password !== undefined && { password: url.password }),
    tls: url.tls,
    clientCertificate: options.tls?.cert !== undefined,
  };
}

/** The open says the broker will close at once (`amqp:connection-establishment-failed: true`). */
function establishmentFailed(properties: Readonly<Record<string, unknown>> | undefined): boolean {
  return properties?.[ESTABLISHMENT_FAILED] === true;
}

function abort(connection: Connection | undefined): void {
  if (!connection) return;
  try {
    connection.close();
  } catch {
    // already gone
  }
  destroySocket(connection);
}

/**
 * A key that will not load is said before connecting: a missing or broken
 * file is a usage error, a wrong password a TLS failure (exit 3, as a
 * refused certificate would be).
 */
function checkKey(key: Buffer, file: string, passphrase: string | undefined, passwordFrom: string): void {
  try {
    createPrivateKey({ key, passphrase });
  } catch {
    // OpenSSL 3 asks for a missing passphrase through a callback that Node cancels.
    const encrypted = /ENCRYPTED/.test(key.toString('latin1'));
    if (encrypted && passphrase !== undefined) {
      throw new SalvoError('unreachable', `TLS: bad key password: ${passwordFrom} does not decrypt --key ${file}`);
    }
    const why = !encrypted ? 'not a PEM private key' : 'it is encrypted: give --key-password or --key-password-env';
    throw new SalvoError('usage', `--key: cannot load ${file} (${why})`);
  }
}

async function readPem(file: string, option: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SalvoError('usage', `${option}: cannot read ${file} (${reason})`);
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
