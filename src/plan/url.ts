import { PlanError } from './errors.js';

/** A broker URL taken apart: `amqp[s]://[user[:password]@]host[:port][/address]`. */
export interface AmqpUrl {
  scheme: 'amqp' | 'amqps';
  host: string; // IPv6 literals without brackets, ready for net.connect
  port: number;
  user?: string;
  password?: string;
  /**
   * The path minus its first '/', percent-decoded: `amqp://h//queue/x` gives `/queue/x`. Empty when the URL names
   * none and no default was given.
   */
  address: string;
  /** Present when the URL named no address and `address` is the caller's default. */
  addressDefaulted?: true;
  tls: boolean;
}

export interface ParseUrlOptions {
  /** What the URL is called in error messages (default `URL`: it is a positional argument). */
  option?: string;
  /**
   * The address to use when the URL names none (`amqp://host:port`, as broker scripts print it). Absent: the
   * address stays empty (a probe picks its own addresses).
   */
  defaultAddress?: string;
}

export const DEFAULT_PORTS: Readonly<Record<AmqpUrl['scheme'], number>> = { amqp: 5672, amqps: 5671 };

const SHAPE = 'amqp[s]://[user:pass@]host[:port][/address]';
const MAX_PORT = 65_535;

/**
 * Parses and checks a broker URL; throws PlanError with a one-line reason.
 *
 * User and password are taken apart by hand, not by WHATWG URL: people paste
 * passwords as they are (`hunter#2`, `p@ss/w`), and URL would read such a `#`
 * as a fragment and a `/` as the path, then print the rest of the password in
 * the error. Percent escapes (RFC 3986 user info) are decoded where they are
 * well formed; anything else is taken literally.
 */
export function parseAmqpUrl(text: string, options: ParseUrlOptions = {}): AmqpUrl {
  const option = options.option ?? 'URL';
  const shown = JSON.stringify(redactUrl(text));
  function fail(why: string): never {
    throw new PlanError(`${option} ${why}, got ${shown}`);
  }

  const scheme = schemeOf(text);
  if (scheme === null) fail(`must start with amqp:// or amqps:// (${SHAPE})`);
  const rest = text.slice(text.indexOf('://') + 3);
  const { userinfo, tail } = splitUserinfo(rest);
  checkAuthority(authorityOf(`${scheme}://${tail}`), fail);

  let url: URL;
  try {
    url = new URL(`${scheme}://${tail}`);
  } catch {
    return fail(`must look like ${SHAPE}`);
  }
  if (url.search !== '' || url.hash !== '') fail('must not have a query or fragment');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');

  const named = decoded(url.pathname.replace(/^\//, ''), fail);
  const defaulted = named === '' && options.defaultAddress !== undefined;

  const parsed: AmqpUrl = {
    scheme,
    host,
    port: url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port),
    address: defaulted ? (options.defaultAddress ?? '') : named,
    ...(defaulted ? { addressDefaulted: true as const } : {}),
    tls: scheme === 'amqps',
  };
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (user !== '') parsed.user = lenientlyDecoded(user);
    if (colon >= 0 && colon < userinfo.length - 1) parsed.password = lenientlyDecoded(userinfo.slice(colon + 1));
  }
  return parsed;
}

/**
 * The URL with its password removed (`amqp://user@host/q`), for anything
 * printed or written to disk. Works on text that does not parse too, because
 * error messages about a bad URL must not leak the password either: when no
 * user info can be told apart, everything from the first `:` to the last `@`
 * goes.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url;
  const head = url.slice(0, start + 3);
  const rest = url.slice(start + 3);
  const { userinfo, tail } = splitUserinfo(rest);
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? url : `${head}${userinfo.slice(0, colon)}@${tail}`;
  }
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return url;
  // Only when what precedes the '@' could be credentials, not `host/path@...`.
  if (!looksLikeUserinfo(rest.slice(0, at))) return url;
  return `${head}${rest.slice(0, colon)}${rest.slice(at)}`;
}

/** What follows an `@` that ends user info: a host, an optional port, then the end or a path. */
const HOST_AFTER_AT = /^(\[[0-9A-Fa-f:.]*\]|[^\s@/?#:[\]]+)(:\d*)?([/?#]|$)/;

/**
 * Splits `user:pass@host:port/path` (the text after `://`) at the `@` that ends the user
 * info: the last `@` followed by something that reads as a host (then a port, the end or
 * a path), with credentials-like text before it. So passwords may hold `@`, `/`, `#`,
 * `?` and `:` unencoded; an address that holds an `@` must write it %40 when the URL
 * carries credentials.
 */
function splitUserinfo(rest: string): { userinfo: string | null; tail: string } {
  for (let at = rest.lastIndexOf('@'); at >= 0; at = at > 0 ? rest.lastIndexOf('@', at - 1) : -1) {
    const before = rest.slice(0, at);
    if (looksLikeUserinfo(before) && HOST_AFTER_AT.test(rest.slice(at + 1))) {
      return { userinfo: before, tail: rest.slice(at + 1) };
    }
  }
  return { userinfo: null, tail: rest };
}

/** `user:anything` or `user`, where the user part holds no `/`, `?` or `#` (that would be a host's path). */
function looksLikeUserinfo(text: string): boolean {
  const colon = text.indexOf(':');
  return !/[/?#]/.test(colon < 0 ? text : text.slice(0, colon));
}

/** Percent escapes decoded where well formed; a stray `%` is a literal. */
function lenientlyDecoded(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
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
