/**
 * `--metrics-port N`: an HTTP endpoint serving the run's live metrics
 * (src/metrics/prometheus.ts) at /metrics. It has no authentication and no
 * TLS, so by default it listens on 127.0.0.1 only. `--metrics-host ADDRESS`
 * binds another address ON PURPOSE: a shard in a Kubernetes pod is scraped
 * from outside (`--metrics-host $(POD_IP)` in deploy/kubernetes). Nothing is
 * refused for being off the loopback (the user named the address), but the
 * line that prints the URL says the endpoint is open to that network.
 * Started before the broker and the workers, so a port in use is one usage
 * line before anything runs; stopped once the result is written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { describeError, type SalvoError } from '../errors.js';
import { LiveMetrics } from '../metrics/prometheus.js';
import { PlanError, type RawNumber } from '../plan/index.js';

export const METRICS_PATH = '/metrics';
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export interface MetricsEndpoint {
  host: string;
  /** 0: an ephemeral port, printed once bound. */
  port: number;
  /** Off the loopback (given on purpose with --metrics-host): reachable by others, without authentication. */
  exposed: boolean;
}

/** --metrics-port and --metrics-host (or the profile's metrics-port, metrics-host); null when no port is given. */
export function resolveMetricsEndpoint(port: RawNumber | undefined, host: string | undefined): MetricsEndpoint | null {
  if (port === undefined) {
    if (host !== undefined)
      throw new PlanError(`--metrics-host needs --metrics-port, got --metrics-host ${JSON.stringify(host)} alone`);
    return null;
  }
  const n = typeof port === 'number' ? port : /^\d+$/.test(port.trim()) ? Number(port) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 65_535)
    throw new PlanError(`--metrics-port must be a port from 0 (any free one) to 65535, got ${JSON.stringify(port)}`);
  return endpointHost(host ?? DEFAULT_METRICS_HOST, n);
}

/** An IP address (any: off the loopback on purpose) or localhost; a name that is no address is refused. */
function endpointHost(host: string, port: number): MetricsEndpoint {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return { host: DEFAULT_METRICS_HOST, port, exposed: false };
  const family = isIP(bare);
  if (family === 0)
    throw new PlanError(
      `--metrics-host must be an IP address to listen on (127.0.0.1, ::1, a pod's IP, 0.0.0.0) or localhost, ` +
        `got ${JSON.stringify(host)}`,
    );
  const loopback = (family === 4 && bare.split('.')[0] === '127') || (family === 6 && isIpv6Loopback(bare));
  return { host: bare, port, exposed: !loopback };
}

function isIpv6Loopback(address: string): boolean {
  return address === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(address) || /^::ffff:127\./i.test(address);
}

export class MetricsServer {
  readonly metrics = new LiveMetrics();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens, or throws a one-line usage error (port in use, not permitted). */
  static async start(endpoint: MetricsEndpoint): Promise<MetricsServer> {
    let metrics: LiveMetrics | undefined;
    const server = createServer((request, response) => {
      if (metrics) void serve(metrics, request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(endpoint, error)));
      server.listen({ host: endpoint.host, port: endpoint.port, exclusive: true }, resolve);
    });
    // A scraper's keep-alive connection must not hold the process once the run is over.
    server.unref();
    const { port } = server.address() as AddressInfo;
    const shownHost = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    const started = new MetricsServer(server, `http://${shownHost}:${port}${METRICS_PATH}`);
    metrics = started.metrics;
    return started;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function serve(metrics: LiveMetrics, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== METRICS_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`salvo serves ${METRICS_PATH} only\n`);
    return;
  }
  try {
    const text = await metrics.text();
    response.writeHead(200, { 'content-type': metrics.contentType }).end(request.method === 'HEAD' ? undefined : text);
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain' }).end(`${describeError(error)}\n`);
  }
}

function listenError(endpoint: MetricsEndpoint, error: NodeJS.ErrnoException): SalvoError {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (error.code === 'EADDRINUSE') return new PlanError(`--metrics-port ${endpoint.port}: ${where} is already in use`);
  if (error.code === 'EACCES')
    return new PlanError(`--metrics-port ${endpoint.port}: not permitted to listen on ${where}`);
  if (error.code === 'EADDRNOTAVAIL')
    return new PlanError(`--metrics-host ${endpoint.host}: no such address on this machine`);
  return new PlanError(
    `--metrics-port ${endpoint.port}: cannot listen on ${where} (${error.code ?? describeError(error)})`,
  );
}
