/** piscina task: one receiver worker; it consumes until the coordinator says stop. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import { setupReceiverThread } from '../src/amqp/rhea-patches/index.js';
import { WorkerArrivals } from '../src/ledger/index.js';
import { ReceiverLink } from './receiver-link.js';
import { failureOf } from './link-errors.js';
import { WorkerConnections } from './worker-connections.js';
import { WorkerRuntime } from './worker-runtime.js';

export default async function receiver(assignment: WorkerAssignment): Promise<WorkerResult> {
  // This thread hosts only these receivers, which read stamps from the raw bytes.
  setupReceiverThread();
  const runtime = new WorkerRuntime(assignment);
  const connections = new WorkerConnections(runtime);
  // endToEndCrossShard stays empty (and out of every report) but in sharded runs (src/metrics/cross-shard-clock.ts).
  const endToEnd = ['endToEnd', 'endToEndCrossShard'] as const;
  await runtime.prepare(assignment.transactions ? [...endToEnd, 'recvDeclare', 'recvCommit'] : endToEnd);
  let links: ReceiverLink[] = [];
  try {
    await connections.connectAll();
    // One set of arrivals over the worker's links: a redelivery on another link is not a new message. With
    // --subscriptions one set per subscription: each is owed every message, and the drain counts them all.
    const producers = assignment.producers ? new Set(assignment.producers) : null;
    const arrivals = new Map<number, WorkerArrivals>();
    const arrivalsOf = (subscription: number): WorkerArrivals => {
      let found = arrivals.get(subscription);
      if (!found) arrivals.set(subscription, (found = new WorkerArrivals(producers)));
      return found;
    };
    links = await connections.attachAll((link) => new ReceiverLink(runtime, link, arrivalsOf(link.subscription ?? 0)));
    if (await runtime.waitForStart()) {
      for (const link of links) link.start();
      await runtime.untilStopped();
    }
  } catch (error) {
    runtime.fail(failureOf(error));
  }
  for (const link of links) link.stop();
  const foreign = links.reduce((sum, link) => sum + link.foreign, 0);
  const result = runtime.finish(foreign, Math.max(0, ...links.map((link) => link.lastReceiveUs)));
  if (assignment.ledger) result.receiverLedgers = links.flatMap((link) => (link.ledger ? [link.ledger.toWire()] : []));
  return result;
}
