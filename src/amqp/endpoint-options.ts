/**
 * rhea connection options for a worker's endpoint: Nagle off (rhea leaves it
 * on otherwise and small messages crawl), no silent reconnect (a reconnect
 * would forget unsettled deliveries; salvo must count them as in doubt).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'rhea';
import type { Endpoint } from '../coordinator/assignment.js';
import { SalvoError } from '../errors.js';

export function endpointOptions(endpoint: Endpoint, containerId: string): ConnectionOptions {
  const options: Record<string, unknown> = {
    host: endpoint.host,
    port: endpoint.port,
    container_id: containerId,
    tcp_no_delay: true,
    reconnect: false,
    idle_time_out: 0,
  };
  if (endpoint.user !== undefined) {
    options.username = endpoint.user;
    if (endpoint.password !== undefined) options.password = endpoint.password;
  }
  if (endpoint.tls) {
    options.transport = 'tls';
    options.servername = endpoint.servername ?? endpoint.host;
    if (endpoint.caFile) options.ca = readCa(endpoint.caFile);
    options.rejectUnauthorized = true;
  }
  return options as unknown as ConnectionOptions;
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new SalvoError('usage', `--ca: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
