/**
 * An Endpoint (the plain, serialisable target a coordinator hands out) as
 * connect() takes it: the URL parts and the TLS files read. Workers and the
 * shards' control channel open their connections from one.
 */
import type { Endpoint } from '../protocol/worker-messages.js';
import type { AmqpUrl } from '../plan/url.js';
import { type ConnectOptions, readTlsFiles } from './connect.js';

export function endpointUrl(endpoint: Endpoint): AmqpUrl {
  return {
    scheme: endpoint.tls ? 'amqps' : 'amqp',
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    address: '',
    tls: endpoint.tls,
  };
}

/** TLS material read from its files and the SASL mechanisms; the caller adds its container id and time-out. */
export async function endpointConnectOptions(endpoint: Endpoint): Promise<ConnectOptions> {
  const tls = endpoint.tls
    ? {
        ...(await readTlsFiles({
          ca: endpoint.caFile,
          cert: endpoint.certFile,
          key: endpoint.keyFile,
          keyPassword: endpoint.keyPassword,
          verifyHost: endpoint.verifyHost,
        })),
        ...(endpoint.servername !== undefined && { servername: endpoint.servername }),
      }
    : undefined;
  return {
    ...(tls && { tls }),
    ...(endpoint.saslMechanisms && { saslMechanisms: endpoint.saslMechanisms }),
    ...(endpoint.tlsFlags && { tlsFlags: endpoint.tlsFlags }),
  };
}
