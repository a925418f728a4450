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
import type { RestartCounts } from './restart.js';

export type { RestartCounts };

export type BrokerRequest = { type: 'stats'; id: number } | { type: 'restart'; id: number } | { type: 'stop' };
export type BrokerReply =
  | { type: 'ready'; url: string; tlsUrl?: string }
  | { type: 'failed'; code: ErrorCode; message: string }
  | { type: 'stats'; id: number; stats: BrokerStats }
  | ({ type: 'restarted'; id: number } & RestartCounts)
  | { type: 'restart-failed'; id: number; code: ErrorCode; message: string }
  | { type: 'stopped' };

export interface EmbeddedBroker {
  readonly url: string;
  readonly tlsUrl?: string;
  stats(): Promise<BrokerStats>;
  /**
   * Kill -9 and start again, on the same host and ports with the same options: every client
   * connection is reset and every message, link and transaction is gone (src/broker/restart.ts).
   * Resolves with what was lost, counted exactly, once the new broker listens. Connections are
   * refused for the moment in between.
   */
  restart(): Promise<RestartCounts>;
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(options: Partial<BrokerOptions> = {}): Promise<EmbeddedBroker> {
  const resolved: BrokerOptions = { ...BROKER_DEFAULTS, port: 0, ...options };
  const worker = new Worker(compiledPath('src/broker/broker-thread-main.js'), { workerData: resolved });
  const ready = await new Promise<Extract<BrokerReply, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', (error) => reject(new SalvoError('internal', `embedded broker crashed: ${error.message}`)));
    worker.once('message', (message: BrokerReply) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new SalvoError(message.code, message.message));
    });
  });
  let nextId = 0;
  let stopped: Promise<void> | undefined;
  let exited = false;
  worker.once('exit', () => {
    exited = true;
  });
  return {
    url: ready.url,
    tlsUrl: ready.tlsUrl,
    stats: () =>
      new Promise((resolve) => {
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
    restart: () =>
      new Promise((resolve, reject) => {
        if (stopped || exited) {
          reject(new SalvoError('internal', 'embedded broker restart: the broker was stopped'));
          return;
        }
        const id = ++nextId;
        const settle = (): void => {
          worker.off('message', onMessage);
          worker.off('exit', onExit);
        };
        const onMessage = (message: BrokerReply): void => {
          if (message.type === 'restarted' && message.id === id) {
            settle();
            resolve({ dropped: message.dropped, unsettled: message.unsettled });
          } else if (message.type === 'restart-failed' && message.id === id) {
            settle();
            reject(new SalvoError(message.code, `embedded broker restart: ${message.message}`));
          }
        };
        const onExit = (): void => {
          settle();
          reject(new SalvoError('internal', 'embedded broker restart: the broker thread ended'));
        };
        worker.on('message', onMessage);
        worker.on('exit', onExit);
        worker.postMessage({ type: 'restart', id } satisfies BrokerRequest);
      }),
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
