/** Worker-thread entry (loaded by path from proxy-thread.ts): one fault proxy, driven by messages from its parent. */
import { parentPort, workerData } from 'node:worker_threads';
import { FaultProxy } from './proxy.js';
import type { FaultProxyOptions } from './proxy.js';
import type { ProxyReply, ProxyRequest } from './proxy-thread.js';

const port = parentPort;
if (!port) throw new Error('fault proxy thread started outside a worker');

function reply(message: ProxyReply): void {
  port!.postMessage(message);
}

async function main(): Promise<void> {
  let proxy: FaultProxy;
  try {
    proxy = await FaultProxy.start(workerData as FaultProxyOptions);
  } catch (error) {
    reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  reply({ type: 'ready', host: '127.0.0.1', port: proxy.port });
  port!.on('message', (request: ProxyRequest) => {
    switch (request.type) {
      case 'inject':
        reply({ type: 'injected', id: request.id, record: proxy.inject(request.action) });
        return;
      case 'arm':
        proxy.arm(request.timeline, request.originMs, request.measureFromMs);
        return;
      case 'stop':
        void proxy.stop().then((faults) => {
          reply({ type: 'stopped', faults: [...faults], lateness: proxy.releaseLateness() });
          port!.close();
        });
    }
  });
}

void main();
