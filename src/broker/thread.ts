/** Worker-thread entry: one embedded broker, driven by messages from its parent. */
import { parentPort, workerData } from 'node:worker_threads';
import { enableRawPayloads, enableWriteCoalescing } from '../amqp/rhea-internals.js';
import { SalvoError } from '../errors.js';
import { Broker } from './broker.js';
import type { BrokerOptions } from './options.js';
import type { BrokerReply, BrokerRequest } from './embedded.js';

const port = parentPort;
if (!port) throw new Error('broker thread started outside a worker');

function reply(message: BrokerReply): void {
  port!.postMessage(message);
}

async function main(): Promise<void> {
  enableRawPayloads();
  enableWriteCoalescing();
  let broker: Broker;
  try {
    broker = await Broker.start(workerData as BrokerOptions);
  } catch (error) {
    const code = error instanceof SalvoError ? error.code : 'internal';
    reply({ type: 'failed', code, message: error instanceof Error ? error.message : String(error) });
    return;
  }
  reply({ type: 'ready', url: broker.url, tlsUrl: broker.tlsUrl });
  port!.on('message', (request: BrokerRequest) => {
    if (request.type === 'stats') reply({ type: 'stats', id: request.id, stats: broker.stats() });
    if (request.type === 'stop') {
      void broker.stop().then(() => {
        reply({ type: 'stopped' });
        port!.close();
      });
    }
  });
}

void main();
