/**
 * One way to open a client connection to a broker URL, for every command:
 *
 *   const connection = await connect(parseAmqpUrl(text), { tls: await readTlsFiles(flags) });
 *
 * - TCP_NODELAY on, no reconnect, SASL from the URL: `user:password@` gives
 *   PLAIN, a bare `user@` gives ANONYMOUS with that trace name, no user gives
 *   ANONYMOUS (SASL is always spoken, so the server's offer can be recorded:
 *   see `offeredSaslMechanisms` in rhea-internals).
 * - amqps: Node's TLS with the given CA / client certificate; the server
 *   certificate is verified (chain and host name) unless
 *   `rejectUnauthorized: false`.
 * - The promise settles once: with the connection when the peer's open frame
 *   arrives, or with SalvoError('unreachable', one line) on a refused socket,
 *   a TLS or SASL failure, a close during open, or `timeoutMs` without an open.
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
import { destroySocket, observeSaslMechanisms } from './rhea-internals.js';

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
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export function connect(url: AmqpUrl, options: ConnectOptions = {}): Promise<Connection> {
  observeSaslMechanisms();
  const shown = endpointOf(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const containerId = options.containerId ?? `salvo-${Math.random().toString(36).slice(2, 10)}`;
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
    const onOpen = (): void => finish();
    const onError = (context: EventContext): void => finish(reasonOf(context.error ?? context.connection.error) || 'closed by the peer');
    const onDisconnected = (context: EventContext): void => finish(reasonOf(context.error) || 'connection closed by the peer');
    const timer = setTimeout(() => finish(`no answer within ${formatMs(timeoutMs)}`), timeoutMs);

    try {
      connection = container.connect(connectionOptions(url, options, containerId));
    } catch (error) {
      finish(reasonOf(error));
      return;
    }
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
  verify?: boolean;
}): Promise<TlsOptions> {
  const tls: TlsOptions = { rejectUnauthorized: files.verify !== false };
  if (files.ca !== undefined) tls.ca = await readPem(files.ca, '--ca');
  if (files.cert !== undefined) tls.cert = await readPem(files.cert, '--cert');
  if (files.key !== undefined) tls.key = await readPem(files.key, '--key');
  if (files.keyPassword !== undefined) tls.passphrase = files.keyPassword;
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new SalvoError('usage', '--cert and --key go together');
  }
  if (tls.key !== undefined) checkKey(tls.key, files.key ?? '', tls.passphrase);
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

function connectionOptions(url: AmqpUrl, options: ConnectOptions, containerId: string): ConnectionOptions {
  const common = {
    host: url.host,
    port: url.port,
    container_id: containerId,
    reconnect: false,
    tcp_no_delay: true,
    sasl_mechanisms: saslMechanisms(url),
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
  } as ConnectionOptions;
}

interface ClientMechanisms {
  enable_anonymous(name?: string): void;
  enable_plain(user: string, password: string): void;
}

function saslMechanisms(url: AmqpUrl): ClientMechanisms {
  const mechanisms = (rhea.sasl as unknown as { client_mechanisms(): ClientMechanisms }).client_mechanisms();
  if (url.user !== undefined && url.password !== undefined) mechanisms.enable_plain(url.user, url.password);
  else mechanisms.enable_anonymous(url.user);
  return mechanisms;
}

const SASL_CODES: Readonly<Record<number, string>> = { 1: 'auth', 2: 'sys', 3: 'sys-perm', 4: 'sys-temp' };

/** One line for anything a socket, TLS or rhea can fail with. */
function reasonOf(error: unknown): string {
  if (error === undefined || error === null) return '';
  const errno = error as NodeJS.ErrnoException & { condition?: string; description?: string };
  switch (errno.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'host not found';
    case 'ECONNRESET': return 'connection reset by the peer';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'host unreachable';
    case 'ETIMEDOUT': return 'timed out';
  }
  const text = (errno.message ?? errno.description ?? String(error)).split('\n')[0].trim();
  const sasl = /^Failed to authenticate: (\d+)/.exec(text);
  if (sasl) return `authentication failed (SASL outcome ${sasl[1]}: ${SASL_CODES[Number(sasl[1])] ?? 'unknown'})`;
  if (errno.condition === 'amqp:unauthorized-access' || /authenticat|No suitable mechanism/i.test(text)) {
    return `authentication failed (${text})`;
  }
  if (typeof errno.code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|ALTNAME|VERIFY|ERR_OSSL/.test(errno.code)) return `TLS: ${text}`;
  const condition = errno.condition ? ` (${errno.condition})` : '';
  return text === '' ? `closed${condition}` : `${text}${condition}`;
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

/** A key that will not load is the user's mistake: say so before connecting. */
function checkKey(key: Buffer, file: string, passphrase: string | undefined): void {
  try {
    createPrivateKey({ key, passphrase });
  } catch (error) {
    // OpenSSL 3 asks for a missing passphrase through a callback that Node cancels.
    const encrypted = /ENCRYPTED/.test(key.toString('latin1'));
    const why = !encrypted ? 'not a PEM private key' : passphrase === undefined ? 'it is encrypted: give --key-password' : 'wrong --key-password';
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
