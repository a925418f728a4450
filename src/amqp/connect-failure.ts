/**
 * Why a connection attempt failed, in one line a user can act on: socket
 * errors, TLS verification on either side, and the SASL exchange. Pure: the
 * connect helper gathers the facts (what was configured, how far the attempt
 * got), this turns them and the error into text.
 *
 * Causes are named first ("TLS: unknown CA: ...", "SASL: wrong credentials:
 * ...") so that scripts and people can tell them apart; no credential ever
 * goes into the text (the user name does, the password never).
 */
import { X509Certificate } from 'node:crypto';
import type { TlsFlagNames } from '../plan/targets.js';
import { chosenMechanism, type SaslMechanism } from './sasl.js';

export interface AttemptFacts {
  tls: boolean;
  /** --ca given; otherwise Node's bundled roots decide. */
  caGiven: boolean;
  /** The client certificate sent (PEM), if any. */
  clientCertificate?: Buffer;
  /** The TLS handshake completed (the client's side of it). */
  handshakeDone: boolean;
  /** The broker's open frame arrived: a close after it is the broker refusing the connection. */
  opened?: boolean;
  /** The broker's sasl-mechanisms frame, when one arrived. */
  saslOffer?: readonly string[];
  enabled: readonly SaslMechanism[];
  /** --sasl-mechanisms was given. */
  restricted: boolean;
  user?: string;
  /** The flags to name (a side's own, `--recv-ca`); absent: `--ca`, `--cert`, `--servername`. */
  tlsFlags?: TlsFlagNames;
}

const SHARED_TLS_FLAGS: TlsFlagNames = { ca: '--ca', cert: '--cert', servername: '--servername' };

type ErrorLike = NodeJS.ErrnoException & {
  condition?: string;
  description?: string;
  host?: string;
  cert?: { subjectaltname?: string; subject?: Record<string, string> };
};

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
]);
/** Alerts a broker sends when it will not take the client certificate it was given. */
const CLIENT_CERT_ALERTS = new RegExp(
  `^(${[
    'bad certificate',
    'certificate unknown',
    'unknown ca',
    'certificate expired',
    'certificate revoked',
    'unsupported certificate',
    'access denied',
    'decrypt error',
    'handshake failure',
  ].join('|')})$`,
);
const SASL_CODES: Readonly<Record<number, string>> = { 1: 'auth', 2: 'sys', 3: 'sys-perm', 4: 'sys-temp' };

/** One line for anything a socket, TLS or rhea can fail with; '' when there is nothing to say. */
export function explainFailure(error: unknown, facts: AttemptFacts): string {
  if (error === undefined || error === null) return closedWithoutError(facts);
  const e = error as ErrorLike;
  const text = firstLine(e.message ?? e.description ?? String(error));
  return (
    socketReason(e.code, facts) ??
    tlsReason(e, text, facts) ??
    saslReason(text, facts) ??
    refusedOpen(e, text, facts) ??
    otherReason(e, text)
  );
}

/** The attempt ran out of time: say which stage never answered. */
export function explainTimeout(timeout: string, facts: AttemptFacts): string {
  if (facts.opened)
    return `the broker's open said the connection failed (amqp:connection-establishment-failed), and no close with its reason came within ${timeout}`;
  if (facts.tls && !facts.handshakeDone)
    return `no answer within ${timeout} to the TLS handshake (a plain AMQP port? amqp:// does not use TLS)`;
  return `no answer within ${timeout}`;
}

function closedWithoutError(facts: AttemptFacts): string {
  if (!facts.tls || facts.saslOffer !== undefined) return 'connection closed by the peer';
  if (!facts.handshakeDone)
    return 'connection closed by the peer during the TLS handshake (a plain AMQP port? amqp:// does not use TLS)';
  // A Node or Go TLS server that rejects a client certificate checks it after the handshake and just closes.
  if (facts.clientCertificate) {
    return (
      `TLS: client certificate refused: the broker closed the connection right after the TLS handshake, before ` +
      `SASL (${describeCertificate(facts.clientCertificate)})`
    );
  }
  return (
    'TLS: the broker closed the connection right after the TLS handshake, before SASL (does it require a client ' +
    `certificate? give ${certFlags(facts)})`
  );
}

function socketReason(code: string | undefined, facts: AttemptFacts): string | undefined {
  const duringHandshake =
    facts.tls && !facts.handshakeDone ? ' during the TLS handshake (a plain AMQP port? amqp:// does not use TLS)' : '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset by the peer${duringHandshake}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'timed out';
  }
  return undefined;
}

function tlsReason(e: ErrorLike, text: string, facts: AttemptFacts): string | undefined {
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNKNOWN_CA.has(code)) {
    const ca = (facts.tlsFlags ?? SHARED_TLS_FLAGS).ca;
    const trusted = facts.caGiven
      ? `does not chain to a CA in ${ca}`
      : `does not chain to a CA Node trusts (give ${ca} with the CA that signed it)`;
    return `TLS: unknown CA: the broker's certificate ${trusted}: ${text}`;
  }
  if (code === 'CERT_HAS_EXPIRED') return "TLS: expired: the broker's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID')
    return "TLS: not yet valid: the broker's certificate is not valid yet (check both clocks)";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = certificateNames(e.cert);
    return (
      `TLS: host name mismatch: the broker's certificate is for ${names}, not ${e.host ?? 'the host asked for'}` +
      ` (${(facts.tlsFlags ?? SHARED_TLS_FLAGS).servername} NAME says which name to expect; --no-verify-host checks ` +
      'the chain only)'
    );
  }
  const alert = /\b(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+)/.exec(text)?.[1];
  if (
    alert === 'certificate required' ||
    (alert !== undefined && !facts.clientCertificate && /^(handshake failure|bad certificate)$/.test(alert))
  ) {
    return `TLS: client certificate required: the broker asks for one (give ${certFlags(facts)})`;
  }
  if (alert !== undefined && facts.clientCertificate && CLIENT_CERT_ALERTS.test(alert)) {
    return (
      `TLS: client certificate refused: the broker answered "${alert}" to ` +
      `${describeCertificate(facts.clientCertificate)}`
    );
  }
  if (alert !== undefined) return `TLS: the broker ended the handshake: ${alert}`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return 'TLS: the port does not speak TLS (a plain AMQP port? amqp:// does not use TLS)';
  }
  if (/CERT|SSL|TLS|VERIFY|ERR_OSSL/.test(code)) return `TLS: ${opensslReason(text)}`;
  return undefined;
}

function saslReason(text: string, facts: AttemptFacts): string | undefined {
  const outcome = /^Failed to authenticate: (\d+)/.exec(text);
  if (outcome) {
    const code = Number(outcome[1]);
    const named = `outcome ${code}: ${SASL_CODES[code] ?? 'unknown'}`;
    if (code !== 1) return `SASL: the broker could not authenticate anyone just now (${named}; a fault on its side)`;
    const used = chosenMechanism(facts.saslOffer, facts.enabled);
    if (used === 'PLAIN')
      return (
        `SASL: wrong credentials: the broker refused PLAIN for user ${JSON.stringify(facts.user ?? '')} ` + `(${named})`
      );
    if (used === 'EXTERNAL')
      return `SASL: wrong credentials: the broker refused EXTERNAL for the client certificate (${named})`;
    return (
      `SASL: wrong credentials: the broker refused ${used ?? 'the mechanism'} (${named}; give user:password in ` +
      `the URL for PLAIN)`
    );
  }
  if (text.startsWith('No suitable mechanism')) {
    const offered = facts.saslOffer ?? [];
    const offer = offered.length > 0 ? offered.join(', ') : 'nothing';
    const given = facts.restricted
      ? `--sasl-mechanisms allows only ${facts.enabled.join(', ')}`
      : `salvo would use ${facts.enabled.join(', ')}`;
    return `SASL: mechanism not offered: the broker offers ${offer}; ${given}${saslHint(offered, facts)}`;
  }
  if (/^SASL mechanism/.test(text)) return `SASL: ${text}`;
  return undefined;
}

function saslHint(offered: readonly string[], facts: AttemptFacts): string {
  if (offered.includes('PLAIN') && !facts.enabled.includes('PLAIN') && !facts.restricted)
    return ' (PLAIN needs user:password in the URL)';
  if (offered.includes('EXTERNAL') && !facts.enabled.includes('EXTERNAL') && facts.clientCertificate)
    return ' (--sasl-mechanisms EXTERNAL uses the client certificate)';
  return '';
}

/** Open answered, then closed with an error: the broker's own words and condition. */
function refusedOpen(e: ErrorLike, text: string, facts: AttemptFacts): string | undefined {
  if (!facts.opened || e.condition === undefined || e.condition === 'amqp:unauthorized-access') return undefined;
  return `the broker refused the connection: ${text || 'no description'} (${e.condition})`;
}

function otherReason(e: ErrorLike, text: string): string {
  if (e.condition === 'amqp:unauthorized-access')
    return `not authorized: ${text || 'the broker refused the connection'}`;
  const condition = e.condition ? ` (${e.condition})` : '';
  return text === '' ? `closed${condition}` : `${text}${condition}`;
}

/** `DNS:localhost, IP:127.0.0.1` from a peer certificate as Node hands it over; its CN when it has no SAN. */
function certificateNames(cert: ErrorLike['cert']): string {
  const san = cert?.subjectaltname?.replace(/IP Address:/g, 'IP:');
  if (san) return san;
  const cn = cert?.subject?.CN;
  return cn ? `CN=${cn}` : 'other names';
}

/** `CN=salvo-client, issued by CN=salvo WRONG test CA` (subjects as one line). */
function describeCertificate(pem: Buffer): string {
  try {
    const cert = new X509Certificate(pem);
    return `the client certificate ${oneLine(cert.subject)}, issued by ${oneLine(cert.issuer)}`;
  } catch {
    return 'the client certificate';
  }
}

function oneLine(distinguishedName: string): string {
  return distinguishedName
    .split('\n')
    .filter((part) => part !== '')
    .join(', ');
}

/** OpenSSL's "...:SSL routines:func:reason:file:line:..." -> "reason". */
function opensslReason(text: string): string {
  return /:SSL routines:[^:]*:([^:]+):/.exec(text)?.[1] ?? text;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** `--cert and --key`, or a side's own (`--recv-cert and --recv-key`). */
function certFlags(facts: AttemptFacts): string {
  const cert = (facts.tlsFlags ?? SHARED_TLS_FLAGS).cert;
  return `${cert} and ${cert.replace(/cert$/, 'key')}`;
}
