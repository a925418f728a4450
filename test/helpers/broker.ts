/** Embedded brokers for tests: one per file (or per test), always stopped. */
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedBroker } from '../../src/broker/embedded.js';
import type { EmbeddedBroker } from '../../src/broker/embedded.js';
import type { BrokerOptions, QueueStats } from '../../src/broker/options.js';

export type { EmbeddedBroker };

/** One broker for every test in the calling file: `const broker = useBroker(); ... broker().url`. */
export function useBroker(options: Partial<BrokerOptions> = {}): () => EmbeddedBroker {
  let broker: EmbeddedBroker | undefined;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, ...options });
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker) throw new Error('broker not started');
    return broker;
  };
}

/** A broker for one test body, stopped however the body ends. */
export async function withBroker<T>(
  options: Partial<BrokerOptions>,
  body: (broker: EmbeddedBroker) => Promise<T>,
): Promise<T> {
  const broker = await startEmbeddedBroker({ port: 0, ...options });
  try {
    return await body(broker);
  } finally {
    await broker.stop();
  }
}

/** One queue's stats (throws if the broker has no such queue). */
export async function queueStats(broker: EmbeddedBroker, address: string): Promise<QueueStats> {
  const stats = await broker.stats();
  const queue = stats.queues.find((q) => q.address === address);
  if (!queue)
    throw new Error(`broker has no queue ${address}; it has ${stats.queues.map((q) => q.address).join(', ')}`);
  return queue;
}

export async function hasQueue(broker: EmbeddedBroker, address: string): Promise<boolean> {
  return (await broker.stats()).queues.some((q) => q.address === address);
}
