/**
 * The failure lines for what the embedded broker cannot make happen (a Java
 * broker's TLS alerts, a clock skew, a timeout mid-handshake), from the errors
 * Node and rhea raise in those cases, and which of them a reconnect retries.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainFailure, explainTimeout, type AttemptFacts } from '../../src/amqp/connect-failure.js';
import { isTransientConnectFailure } from '../../src/amqp/reconnect.js';
import { ensureCerts } from '../helpers/certs.js';

const certs = ensureCerts();
const tlsFacts: AttemptFacts = {
  tls: true,
  caGiven: true,
  handshakeDone: false,
  enabled: ['ANONYMOUS'],
  restricted: false,
};
const withCert: AttemptFacts = { ...tlsFacts, clientCertificate: readFileSync(certs.clientWrongCa) };

/** What Node raises for a TLS alert from the peer (OpenSSL's text, as Node 20 passes it on). */
function alert(reason: string, code: string): NodeJS.ErrnoException {
  const error = new Error(
    `80CC8479FF7E0000:error:0A000416:SSL routines:ssl3_read_bytes:${reason}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 46\n`,
  ) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

function nodeError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('explainFailure', () => {
  it('names the client certificate a broker refuses with an alert (Artemis: certificate unknown)', () => {
    expect(
      explainFailure(alert('sslv3 alert certificate unknown', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), withCert),
    ).toBe(
      'TLS: client certificate refused: the broker answered "certificate unknown" to the client certificate O=salvo, CN=salvo-client, issued by O=salvo, CN=salvo WRONG test CA',
    );
  });

  it('reads a handshake failure without a client certificate as one being required', () => {
    expect(
      explainFailure(alert('sslv3 alert handshake failure', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), tlsFacts),
    ).toBe('TLS: client certificate required: the broker asks for one (give --cert and --key)');
  });

  it('says a certificate not valid yet is a clock matter, and a plain port is not TLS', () => {
    expect(explainFailure(nodeError('CERT_NOT_YET_VALID', 'certificate is not yet valid'), tlsFacts)).toBe(
      "TLS: not yet valid: the broker's certificate is not valid yet (check both clocks)",
    );
    expect(explainFailure(nodeError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), tlsFacts)).toBe(
      'TLS: the port does not speak TLS (a plain AMQP port? amqp:// does not use TLS)',
    );
  });

  it('tells a timeout or a close during the TLS handshake from one after it', () => {
    expect(explainTimeout('5 s', tlsFacts)).toBe(
      'no answer within 5 s to the TLS handshake (a plain AMQP port? amqp:// does not use TLS)',
    );
    expect(explainTimeout('5 s', { ...tlsFacts, handshakeDone: true })).toBe('no answer within 5 s');
    expect(explainTimeout('5 s', { ...tlsFacts, handshakeDone: true, opened: true })).toBe(
      "the broker's open said the connection failed (amqp:connection-establishment-failed), and no close with its reason came within 5 s",
    );
    expect(explainFailure(undefined, { ...tlsFacts, handshakeDone: true, saslOffer: ['PLAIN'] })).toBe(
      'connection closed by the peer',
    );
    expect(explainFailure(undefined, { ...tlsFacts, handshakeDone: true })).toBe(
      'TLS: the broker closed the connection right after the TLS handshake, before SASL (does it require a client certificate? give --cert and --key)',
    );
  });

  it('names the SASL outcome of a fault on the broker side, and the mechanism refused', () => {
    const sasl = (text: string): Error => Object.assign(new Error(text), { condition: 'amqp:unauthorized-access' });
    expect(explainFailure(sasl('Failed to authenticate: 4'), tlsFacts)).toBe(
      'SASL: the broker could not authenticate anyone just now (outcome 4: sys-temp; a fault on its side)',
    );
    expect(explainFailure(sasl('Failed to authenticate: 1'), { ...tlsFacts, saslOffer: ['ANONYMOUS', 'PLAIN'] })).toBe(
      'SASL: wrong credentials: the broker refused ANONYMOUS (outcome 1: auth; give user:password in the URL for PLAIN)',
    );
    expect(
      explainFailure(sasl('Failed to authenticate: 1'), {
        ...withCert,
        enabled: ['EXTERNAL'],
        restricted: true,
        saslOffer: ['EXTERNAL'],
      }),
    ).toBe('SASL: wrong credentials: the broker refused EXTERNAL for the client certificate (outcome 1: auth)');
  });

  it('a refusal is never retried by a reconnect; a reset is', () => {
    const lines = [
      explainFailure(alert('sslv3 alert certificate unknown', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), withCert),
      explainFailure(undefined, { ...withCert, handshakeDone: true }),
      explainFailure(nodeError('CERT_HAS_EXPIRED', 'certificate has expired'), tlsFacts),
      explainFailure(new Error('No suitable mechanism; server supports PLAIN'), { ...tlsFacts, saslOffer: ['PLAIN'] }),
    ];
    for (const line of lines)
      expect(isTransientConnectFailure(`cannot connect to amqps://h:5671: ${line}`), line).toBe(false);
    const reset = explainFailure(nodeError('ECONNRESET', 'socket hang up'), tlsFacts);
    expect(reset).toBe(
      'connection reset by the peer during the TLS handshake (a plain AMQP port? amqp:// does not use TLS)',
    );
    expect(isTransientConnectFailure(`cannot connect to amqps://h:5671: ${reset}`)).toBe(true);
  });
});
