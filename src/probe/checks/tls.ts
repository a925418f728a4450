/** tls: for amqps, the negotiated protocol and cipher, the server certificate, and whether it verified. */
import type { PeerCertificate } from 'node:tls';
import { tlsSocketOf } from '../../amqp/connect.js';
import type { Check } from '../types.js';

export const tlsCheck: Check = {
  name: 'tls',
  async run({ connection, url }) {
    if (!url.tls) return { status: 'n/a', detail: 'plain TCP (amqp://)' };
    const socket = tlsSocketOf(connection);
    if (!socket) return { status: 'error', detail: 'amqps connection without a TLS socket' };
    const certificate = socket.getPeerCertificate();
    const verified = socket.authorized ? 'yes' : `no (${String(socket.authorizationError ?? 'not checked')})`;
    const parts = [
      socket.getProtocol() ?? 'unknown protocol',
      socket.getCipher()?.name ?? 'unknown cipher',
      `subject ${subjectOf(certificate)}`,
      `verified ${verified}`,
    ];
    return { status: 'yes', detail: parts.join(', ') };
  },
};

function subjectOf(certificate: PeerCertificate | undefined): string {
  const subject = certificate?.subject as unknown as Record<string, string | string[]> | undefined;
  if (!subject || Object.keys(subject).length === 0) return '(none)';
  return Object.entries(subject)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}
