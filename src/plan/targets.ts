/**
 * Where a run connects: the URL argument (both sides), or `--send-url` and
 * `--recv-url` apart (producers on one cluster node, consumers on another),
 * each a list that the side's connections take in turn. The password of a
 * URL that names a user but no password comes from `--password-env VAR` or
 * SALVO_PASSWORD (the CLI reads the variable; here it is only applied).
 * Pure: the plan's other options are passed in.
 */
import { PlanError } from './errors.js';
import { parseAmqpUrl, redactUrl } from './url.js';

export interface EmbeddedTarget {
  kind: 'embedded';
}

export interface UrlTarget {
  kind: 'url';
  url: string; // password removed
  scheme: 'amqp' | 'amqps';
  host: string;
  port: number;
  user?: string;
  /** Needed to connect; redactPlan drops it before the plan is written anywhere. */
  password?: string;
  /** Present when the URL named no address: the run uses PLAN_DEFAULTS.address, and its summary says so. */
  addressDefaulted?: true;
}

/** One URL of a side, with how many of the side's connections use it (a record of the spread, for result.json). */
export interface SideUrl extends UrlTarget {
  connections: number;
}

/**
 * --send-url / --recv-url: each side's URLs. Connection k of a side (counted worker by worker, then connection by
 * connection, from 0, over the whole run whatever the shards) uses URL k mod n.
 */
export interface PlannedSides {
  send: SideUrl[];
  receive: SideUrl[];
}

export type Side = keyof PlannedSides;

/**
 * The TLS flags a connect failure's line names: `--ca`, `--cert`, `--servername`, or a side's own (`--recv-ca`) when
 * that side gave it.
 */
export interface TlsFlagNames {
  ca: string;
  cert: string;
  servername: string;
}

/** A password read from the environment and where it came from, named in errors (its value never is). */
export interface EnvPassword {
  value: string;
  /** `--password-env VAR` (strict: a URL must want it) or `SALVO_PASSWORD` (used only where a user lacks one). */
  from: string;
  strict: boolean;
}

/** What the endpoints need from the rest of the input, already checked. */
export interface TargetInput {
  url?: string;
  sendUrl?: string | readonly string[];
  recvUrl?: string | readonly string[];
  password?: EnvPassword;
  faults?: string;
  /** Connections of each side: workers x connections per worker (0: the side does not run). */
  sendConnections: number;
  receiveConnections: number;
  defaultAddress: string;
}

export interface ResolvedTargets {
  target: EmbeddedTarget | UrlTarget;
  address: string;
  sides?: PlannedSides;
}

const OPTION = { send: '--send-url', receive: '--recv-url' } as const;

/** The run's target, address and (with --send-url / --recv-url) sides; PlanError on the first problem. */
export function resolveTargets(input: TargetInput): ResolvedTargets {
  const send = urlList(input.sendUrl);
  const receive = urlList(input.recvUrl);
  if (send.length === 0 && receive.length === 0) {
    if (input.url === undefined) {
      if (input.password?.strict) throw new PlanError(`${input.password.from} needs a URL with a user, got no URL`);
      return { target: { kind: 'embedded' }, address: input.defaultAddress };
    }
    const parsed = parsedUrl(input.url, 'URL');
    applyPassword([parsed], input.password);
    const address = agreedAddress([parsed], input.defaultAddress);
    return { target: targetOf(parsed, address.defaulted), address: address.name };
  }
  if (input.faults !== undefined)
    throw new PlanError(
      '--faults puts one proxy in front of one URL: not with --send-url/--recv-url (put a toxiproxy in front of each ' +
        'node and give its URLs instead)',
    );
  const base = input.url === undefined ? undefined : parsedUrl(input.url, 'URL');
  const sides = {
    send: sideUrls('send', send, base, input.sendConnections),
    receive: sideUrls('receive', receive, base, input.receiveConnections),
  };
  const all = [...(base ? [base] : []), ...sides.send, ...sides.receive];
  applyPassword(all, input.password);
  const address = agreedAddress(all, input.defaultAddress);
  const first = base ?? sides.send[0] ?? sides.receive[0];
  const target = targetOf(first, address.defaulted);
  return {
    target,
    address: address.name,
    sides: {
      send: spread(sides.send, input.sendConnections, address.defaulted),
      receive: spread(sides.receive, input.receiveConnections, address.defaulted),
    },
  };
}

/**
 * A single URL with the environment's password written in (percent-encoded), for a command that takes the URL as
 * text (`salvo probe`); the same rules as a run's: --password-env strict, SALVO_PASSWORD only filling in.
 */
export function urlWithPassword(text: string, password: EnvPassword | undefined, option = 'URL'): string {
  if (password === undefined) return text;
  const parsed = parsedUrl(text, option);
  applyPassword([{ ...parsed }], password);
  if (parsed.user === undefined || parsed.password !== undefined) return text;
  const start = text.indexOf('://') + 3;
  const at = text.indexOf('@', start);
  return `${text.slice(0, at)}:${encodeURIComponent(password.value)}${text.slice(at)}`;
}

/** The plan's sides as they may be printed or written: no password. */
export function redactSides(sides: PlannedSides): PlannedSides {
  const without = (list: SideUrl[]): SideUrl[] => list.map(({ password: _dropped, ...url }) => url);
  return { send: without(sides.send), receive: without(sides.receive) };
}

/**
 * Which URL (index into the side's list) connection `connection` of worker `workerOrdinal` of a side uses: the side's
 * connections counted worker by worker, taken round-robin.
 */
export function sideUrlIndex(
  workerOrdinal: number,
  connection: number,
  connectionsPerWorker: number,
  urls: number,
): number {
  return (workerOrdinal * connectionsPerWorker + connection) % urls;
}

/**
 * A repeatable, comma-separated list of URLs. A comma splits only before the next `amqp://` or `amqps://`: a password
 * may hold a comma.
 */
export function urlList(raw: string | readonly string[] | undefined): string[] {
  if (raw === undefined) return [];
  const items = typeof raw === 'string' ? [raw] : raw;
  return items
    .flatMap((item) => item.split(/,(?=\s*amqps?:\/\/)/i))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

interface ParsedUrl {
  option: string;
  text: string;
  scheme: 'amqp' | 'amqps';
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** '' when the URL names none. */
  address: string;
}

function parsedUrl(text: string, option: string): ParsedUrl {
  const parsed = parseAmqpUrl(text, { option });
  return {
    option,
    text,
    scheme: parsed.scheme,
    host: parsed.host,
    port: parsed.port,
    ...(parsed.user !== undefined && { user: parsed.user }),
    ...(parsed.password !== undefined && { password: parsed.password }),
    address: parsed.address,
  };
}

/** A side's URLs; none given: the URL argument's, or a usage error when the side runs. */
function sideUrls(side: Side, given: string[], base: ParsedUrl | undefined, connections: number): ParsedUrl[] {
  const option = OPTION[side];
  const urls = given.map((text) => parsedUrl(text, option));
  if (urls.length === 0) {
    if (base !== undefined) return [base];
    if (connections === 0) return [];
    const other = side === 'send' ? '--recv-url' : '--send-url';
    throw new PlanError(`${other} needs ${option} or the URL argument for the ${sideName(side)} side, got neither`);
  }
  if (connections > 0 && urls.length > connections) {
    const workers = side === 'send' ? '--senders' : '--receivers';
    throw new PlanError(
      `${option} names ${urls.length} URLs but the ${sideName(side)} side has ${connections} connection` +
        `${connections === 1 ? '' : 's'} (${workers} x --connections): each URL needs at least one`,
    );
  }
  return urls;
}

function sideName(side: Side): string {
  return side === 'send' ? 'sending' : 'receiving';
}

/**
 * One password for every URL that names a user and no password. `--password-env` is strict: a URL that carries its
 * own password, or no URL with a user, is a usage error. SALVO_PASSWORD only fills in.
 */
function applyPassword(urls: ParsedUrl[], password: EnvPassword | undefined): void {
  if (password === undefined) return;
  if (password.strict) {
    const own = urls.find((url) => url.password !== undefined);
    if (own) throw new PlanError(`${password.from} and a password in ${own.option}: give one of them`);
    if (!urls.some((url) => url.user !== undefined))
      throw new PlanError(`${password.from} needs a user in the URL (amqp://USER@host), got none`);
  }
  for (const url of urls) if (url.user !== undefined && url.password === undefined) url.password = password.value;
}

/** The one address the URLs name (the same queue on every node), or the default when none names one. */
function agreedAddress(urls: ParsedUrl[], fallback: string): { name: string; defaulted: boolean } {
  const named = urls.filter((url) => url.address !== '');
  const first = named[0];
  if (first === undefined) return { name: fallback, defaulted: true };
  const other = named.find((url) => url.address !== first.address);
  if (other)
    throw new PlanError(
      `every URL must name the same address or none: ${first.option} names ${JSON.stringify(first.address)}, ` +
        `${other.option} ${JSON.stringify(other.address)}`,
    );
  return { name: first.address, defaulted: false };
}

function targetOf(url: ParsedUrl, addressDefaulted: boolean): UrlTarget {
  const target: UrlTarget = {
    kind: 'url',
    url: redactUrl(url.text),
    scheme: url.scheme,
    host: url.host,
    port: url.port,
  };
  if (url.user !== undefined) target.user = url.user;
  if (url.password !== undefined) target.password = url.password;
  if (addressDefaulted) target.addressDefaulted = true;
  return target;
}

/** Each URL with the number of the side's connections that take it (URL i: connections k with k mod n = i). */
function spread(urls: ParsedUrl[], connections: number, addressDefaulted: boolean): SideUrl[] {
  return urls.map((url, i) => ({
    ...targetOf(url, addressDefaulted),
    connections: Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0),
  }));
}
