/** Before starting any worker: is anything listening there? Retries for a bounded time. */
import { connect } from 'node:net';
import { SalvoError } from '../errors.js';
import type { Endpoint } from '../protocol/worker-messages.js';

const RETRY_EVERY_MS = 250;

export async function waitReachable(endpoint: Endpoint, shownUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = 'no answer';
  for (;;) {
    reason = await tryOnce(endpoint, Math.max(100, deadline - Date.now()));
    if (reason === '') return;
    if (Date.now() + RETRY_EVERY_MS >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
  }
  throw new SalvoError('unreachable', `cannot connect to ${shownUrl}: ${reason} (tried for ${timeoutMs / 1000} s)`);
}

/** Every one, side by side (one name each: `host:port` tried once); the first failure, in the list's order, thrown. */
export async function waitAllReachable(
  targets: readonly { endpoint: Endpoint; shownUrl: string }[],
  timeoutMs: number,
): Promise<void> {
  const seen = new Set<string>();
  const distinct = targets.filter(({ endpoint }) => {
    const key = `${endpoint.host}:${endpoint.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const outcomes = await Promise.allSettled(distinct.map((t) => waitReachable(t.endpoint, t.shownUrl, timeoutMs)));
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** '' when a TCP connection opened, else why not. */
function tryOnce(endpoint: Endpoint, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const done = (reason: string): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done('no answer'));
    socket.once('connect', () => done(''));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done(
        error.code === 'ECONNREFUSED'
          ? 'connection refused'
          : error.code === 'ENOTFOUND'
            ? 'unknown host'
            : (error.code ?? error.message),
      );
    });
  });
}
