import { PlanError } from './errors.js';

/** A broker URL taken apart: `amqp[s]://[user[:password]@]host[:port]/address`. */
export interface AmqpUrl {
  scheme: 'amqp' | 'amqps';
  host: string; // IPv6 literals without brackets, ready for net.connect
  port: number;
  user?: string;
  password?: string;
  /** The path minus its first '/', percent-decoded: `amqp://h//queue/x` gives `/queue/x`. */
  address: string;
  tls: boolean;
}

export interface ParseUrlOptions {
  /** The option the URL came from, for error messages. */
  option?: string;
  /** A run needs an address; a probe of the broker does not. */
  requireAddress?: boolean;
}

export const DEFAULT_PORTS: Readonly<Record<AmqpUrl['scheme'], number>> = { amqp: 5672, amqps: 5671 };

const SHAPE = 'amqp[s]://[user:pass@]host[:port]/address';
const MAX_PORT = 65_535;

/** Parses and checks a broker URL; throws PlanError with a one-line reason. */
export function parseAmqpUrl(text: string, options: ParseUrlOptions = {}): AmqpUrl {
  const option = options.option ?? '--url';
  const shown = JSON.stringify(redactUrl(text));
  function fail(why: string): never {
    throw new PlanError(`${option} ${why}, got ${shown}`);
  }

  const scheme = schemeOf(text);
  if (scheme === null) fail(`must start with amqp:// or amqps:// (${SHAPE})`);
  checkAuthority(authorityOf(text), fail);

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`must look like ${SHAPE}`);
  }
  if (url.search !== '' || url.hash !== '') fail('must not have a query or fragment');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');

  const address = decoded(url.pathname.replace(/^\//, ''), fail);
  if (options.requireAddress === true && address === '') fail(`must end in an address (${SHAPE})`);

  const parsed: AmqpUrl = {
    scheme,
    host,
    port: url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port),
    address,
    tls: scheme === 'amqps',
  };
  if (url.username !== '') parsed.user = decoded(url.username, fail);
  if (url.password !== '') parsed.password = decoded(url.password, fail);
  return parsed;
}

/**
 * The URL with its password removed (`amqp://user@host/q`), for anything
 * printed or written to disk. Works on text that does not parse too, because
 * error messages about a bad URL must not leak the password either.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url;
  const authorityStart = start + 3;
  const authority = authorityOf(url);
  const at = authority.lastIndexOf('@'); // WHATWG URL: userinfo ends at the last '@'
  if (at < 0) return url;
  const colon = authority.indexOf(':');
  if (colon < 0 || colon > at) return url;
  return url.slice(0, authorityStart + colon) + url.slice(authorityStart + at);
}

function schemeOf(text: string): AmqpUrl['scheme'] | null {
  const match = /^(amqps?):\/\//i.exec(text);
  if (match === null) return null;
  return match[1]?.toLowerCase() === 'amqps' ? 'amqps' : 'amqp';
}

/** The text between `://` and the first `/`, `?` or `#`. */
function authorityOf(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return '';
  const rest = url.slice(start + 3);
  const end = rest.search(/[/?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}

// Host and port are checked by hand because WHATWG URL only says "Invalid
// URL" for either, and the user should be told which part is wrong.
function checkAuthority(authority: string, fail: (why: string) => never): void {
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const host = match?.[1] ?? '';
  const portText = match?.[2];
  if (host === '' || host === '[]') fail(`must name a host (${SHAPE})`);
  if (portText === undefined || portText === '') return;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= MAX_PORT)) fail(`port must be an integer from 1 to ${MAX_PORT}`);
}

function decoded(text: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail('has a malformed %-escape');
  }
}
