/**
 * The fault proxy in its own worker thread, so that its timers and copies
 * never wait behind the clients' event loop (a delay of 5 ms must be 5 ms
 * however busy the senders are), and so that a run without --faults starts no
 * thread at all.
 */
import { Worker } from 'node:worker_threads';
import { SalvoError } from '../errors.js';
import { compiledPath } from '../runtime/compiled.js';
import type { LatencySummary } from '../metrics/index.js';
import type { FaultAction, FaultProxyOptions, FaultRecord } from './proxy.js';
import type { ProxyEvent } from '../plan/fault-timeline.js';

export type ProxyRequest =
  | { type: 'inject'; id: number; action: FaultAction }
  | { type: 'arm'; timeline: readonly ProxyEvent[]; originMs?: number; measureFromMs?: number }
  | { type: 'stop' };
export type ProxyReply =
  | { type: 'ready'; host: string; port: number }
  | { type: 'failed'; message: string }
  | { type: 'injected'; id: number; record: FaultRecord }
  | { type: 'stopped'; faults: FaultRecord[]; lateness: LatencySummary | null };

export interface ProxyThread {
  /** Where clients connect instead of the broker. */
  readonly host: string;
  readonly port: number;
  /** Injects one fault now; resolves with its record once applied. */
  inject(action: FaultAction): Promise<FaultRecord>;
  /**
   * Restarts the proxy's clock (at `originMs`, performance.now() of this
   * thread, or when it gets the message) and injects each event at its time;
   * release lateness counts from `measureFromMs` after that origin.
   */
  arm(timeline: readonly ProxyEvent[], originMs?: number, measureFromMs?: number): void;
  /** Closes every connection and the listener; resolves with every fault recorded. */
  stop(): Promise<FaultRecord[]>;
  /**
   * Once stopped: how late the proxy wrote its delayed chunks (release-lateness.ts); null when none was delayed or it
   * cannot tell (toxiproxy).
   */
  releaseLateness(): LatencySummary | null;
  /**
   * `listener` once, if the proxy dies after it started (at once if it already has); stop() then rejects with the same
   * error.
   */
  onFailure(listener: (error: SalvoError) => void): void;
}

const STOP_TIMEOUT_MS = 3000;

export async function startProxyThread(options: FaultProxyOptions): Promise<ProxyThread> {
  const worker = new Worker(compiledPath('src/faults/proxy-thread-main.js'), { workerData: options });
  const ready = await new Promise<Extract<ProxyReply, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', (error) => reject(new SalvoError('internal', `fault proxy crashed: ${error.message}`)));
    worker.once('message', (message: ProxyReply) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed')
        reject(new SalvoError('internal', `fault proxy did not start: ${message.message}`));
    });
  });
  let nextId = 0;
  let stopped: Promise<FaultRecord[]> | undefined;
  let lateness: LatencySummary | null = null;
  // After the start: a thread that throws or exits before its stop is a crash, told once (its records die with it).
  let failure: SalvoError | undefined;
  let failureListener: ((error: SalvoError) => void) | undefined;
  const crashed = (why: string): void => {
    if (failure !== undefined || stopped !== undefined) return;
    failure = new SalvoError('internal', `fault proxy crashed: ${why}`);
    failureListener?.(failure);
  };
  worker.on('error', (error) => crashed(error.message));
  worker.on('exit', (code) => crashed(`its thread exited (code ${code})`));
  return {
    host: ready.host,
    port: ready.port,
    inject: (action) =>
      new Promise((resolve) => {
        const id = ++nextId;
        const onMessage = (message: ProxyReply): void => {
          if (message.type === 'injected' && message.id === id) {
            worker.off('message', onMessage);
            resolve(message.record);
          }
        };
        worker.on('message', onMessage);
        worker.postMessage({ type: 'inject', id, action } satisfies ProxyRequest);
      }),
    arm: (timeline, originMs, measureFromMs) =>
      worker.postMessage({
        type: 'arm',
        timeline,
        ...(originMs !== undefined ? { originMs } : {}),
        ...(measureFromMs !== undefined ? { measureFromMs } : {}),
      } satisfies ProxyRequest),
    stop: () => {
      if (failure !== undefined) return Promise.reject(failure);
      stopped ??= new Promise<FaultRecord[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          reject(new SalvoError('internal', `fault proxy did not stop within ${STOP_TIMEOUT_MS} ms`));
        }, STOP_TIMEOUT_MS);
        worker.on('message', (message: ProxyReply) => {
          if (message.type !== 'stopped') return;
          clearTimeout(timer);
          lateness = message.lateness;
          resolve(message.faults);
        });
        worker.postMessage({ type: 'stop' } satisfies ProxyRequest);
      });
      return stopped;
    },
    releaseLateness: () => lateness,
    onFailure: (listener) => {
      failureListener = listener;
      if (failure !== undefined) listener(failure);
    },
  };
}
