/** piscina task: one receiver worker; it consumes until the coordinator says stop. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import { setupReceiverThread } from '../src/amqp/rhea-patches/index.js';
import { WorkerArrivals } from '../src/ledger/index.js';
import { ReceiverLink } from './receiver-link.js';
import { failureOf, WorkerSession } from './worker-session.js';

export default async function receiver(assignment: WorkerAssignment): Promise<WorkerResult> {
  // This thread hosts only these receivers, which read stamps from the raw bytes.
  setupReceiverThread();
  const session = new WorkerSession(assignment);
  await session.prepare(assignment.transactions ? ['endToEnd', 'recvDeclare', 'recvCommit'] : ['endToEnd']);
  let links: ReceiverLink[] = [];
  try {
    await session.connectAll();
    // One set of arrivals over the worker's links: a redelivery on another link is not a new message.
    const arrivals = new WorkerArrivals(assignment.producers ? new Set(assignment.producers) : null);
    links = await session.attachAll((link) => new ReceiverLink(session, link, arrivals));
    if (await session.waitForStart()) {
      for (const link of links) link.start();
      await untilStopped(session);
    }
  } catch (error) {
    session.fail(failureOf(error));
  }
  for (const link of links) link.stop();
  const result = session.finish(links.reduce((sum, link) => sum + link.foreign, 0), Math.max(0, ...links.map((link) => link.lastReceiveUs)));
  if (assignment.ledger) result.receiverLedgers = links.flatMap((link) => (link.ledger ? [link.ledger.toWire()] : []));
  return result;
}

function untilStopped(session: WorkerSession): Promise<void> {
  return new Promise((resolve) => {
    if (session.stopping) resolve();
    session.onStop(resolve);
    session.onFail(resolve);
  });
}
