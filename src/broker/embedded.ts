/**
 * An embedded broker in its own worker thread, so that its rhea patches
 * (raw payloads, write coalescing) never touch the caller's clients and its
 * event loop never competes with theirs.
 */
import { Worker } from 'node:worker_threads';
import { SalvoError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { compiledPath } from '../runtime/compiled.js';
import { BROKER_DEFAULTS } from './options.js';
import type { BrokerOptions, BrokerStats } from './options.js';

export type BrokerRequest = { type: 'stats'; id: number } | { type: 'stop' };
export type BrokerReply =
  | { type: 'ready'; url: string; tlsUrl?: string }
  | { type: 'failed'; code: ErrorCode; message: string }
  | { type: 'stats'; id: number; stats: BrokerStats }
  | { type: 'stopped' };

export interface EmbeddedBroker {
  readonly url: string;
  readonly tlsUrl?: string;
  stats(): Promise<BrokerStats>;
  /** Stops and starts the broker on the same port; what was queued is lost (it lives in memory). */
  restart(): Promise<{ dropped: number; unsettled: number }>;
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(options: Partial<BrokerOptions> = {}): Promise<EmbeddedBroker> {
  const resolved: BrokerOptions = { ...BROKER_DEFAULTS, port: 0, ...options };
  const worker = new Worker(compiledPath('src/broker/thread.js'), { workerData: resolved });
  const ready = await new Promise<Extract<BrokerReply, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', (error) => reject(new SalvoError('internal', `embedded broker crashed: ${error.message}`)));
    worker.once('message', (message: BrokerReply) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new SalvoError(message.code, message.message));
    });
  });
  let nextId = 0;
  let stopped: Promise<void> | undefined;
  return {
    url: ready.url,
    tlsUrl: ready.tlsUrl,
    stats: () => new Promise((resolve) => {
      const id = ++nextId;
      const onMessage = (message: BrokerReply): void => {
        if (message.type === 'stats' && message.id === id) {
          worker.off('message', onMessage);
          resolve(message.stats);
        }
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'stats', id } satisfies BrokerRequest);
    }),
    // Placeholder: the real restart comes from wip-restart.
    restart: () => Promise.reject(new SalvoError('internal', 'not implemented')),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ type: 'stop' } satisfies BrokerRequest);
        // A broker that does not finish closing in time is ended anyway.
        setTimeout(() => void worker.terminate(), 3000).unref();
      });
      return stopped;
    },
  };
}
