/** Worker-thread entry: one embedded broker, driven by messages from its parent. */
import { parentPort, workerData } from 'node:worker_threads';
import { setupBrokerThread } from '../amqp/rhea-patches/index.js';
import { SalvoError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { Broker } from './broker.js';
import type { BrokerOptions } from './options.js';
import type { BrokerReply, BrokerRequest } from './embedded.js';

const port = parentPort;
if (!port) throw new Error('broker thread started outside a worker');

function reply(message: BrokerReply): void {
  port!.postMessage(message);
}

function failure(error: unknown): { code: ErrorCode; message: string } {
  const code = error instanceof SalvoError ? error.code : 'internal';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

async function main(): Promise<void> {
  setupBrokerThread();
  let broker: Broker;
  try {
    broker = await Broker.start(workerData as BrokerOptions);
  } catch (error) {
    reply({ type: 'failed', ...failure(error) });
    return;
  }
  let restarts = 0;
  // Restarts and the stop run one after another: a stop asked during a restart ends the new broker.
  let work: Promise<void> = Promise.resolve();
  const restart = async (id: number): Promise<void> => {
    const options = broker.restartOptions();
    const counts = await broker.crash();
    try {
      broker = await Broker.start(options);
      restarts++;
      reply({ type: 'restarted', id, ...counts });
    } catch (error) {
      // The old broker is gone and the new one did not listen: the caller hears why.
      reply({ type: 'restart-failed', id, ...failure(error) });
    }
  };
  reply({ type: 'ready', url: broker.url, tlsUrl: broker.tlsUrl });
  port!.on('message', (request: BrokerRequest) => {
    if (request.type === 'stats') reply({ type: 'stats', id: request.id, stats: { ...broker.stats(), restarts } });
    if (request.type === 'restart') work = work.then(() => restart(request.id));
    if (request.type === 'stop') {
      work = work
        .then(() => broker.stop())
        .then(() => {
          reply({ type: 'stopped' });
          port!.close();
        });
    }
  });
}

void main();
