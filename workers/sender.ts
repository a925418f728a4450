/** piscina task: one sender worker (its connections and producer links) for a whole run. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import type { LatencyKind } from '../src/metrics/index.js';
import { SenderLink } from './sender-link.js';
import { failureOf, WorkerSession } from './worker-session.js';

export default async function sender(assignment: WorkerAssignment): Promise<WorkerResult> {
  const session = new WorkerSession(assignment);
  let links: SenderLink[] = [];
  let lastSendUs = 0;
  let lastOutcomeUs = 0;
  const openLoop = assignment.connections.some((c) => c.some((l) => l.rateHz !== null));
  const kinds: LatencyKind[] = openLoop ? ['service', 'corrected', 'sendDelay'] : ['service'];
  if (assignment.transactions) kinds.push('declare', 'commit');
  await session.prepare(kinds);
  try {
    await session.connectAll();
    links = await session.attachAll((link) => new SenderLink(session, link));
    const window = await session.waitForStart();
    if (window) await Promise.all(links.map((link) => link.run()));
    lastSendUs = Math.max(0, ...links.map((link) => link.lastSendUs));
    lastOutcomeUs = Math.max(0, ...links.map((link) => link.lastOutcomeUs));
  } catch (error) {
    session.fail(failureOf(error));
  }
  // Still unsettled at the end: their connection closes now, so their fate is unknown.
  for (const link of links) {
    session.recorder?.countMany('inDoubt', link.inDoubt, false);
    link.lostTrackOfUnsettled();
  }
  // Due by the schedule when sending stopped, never sent: the generator fell behind.
  for (const link of links) session.recorder?.countMany('unsent', link.unsent, link.inWarmup);
  const result = session.finish(0, lastSendUs, lastOutcomeUs);
  if (assignment.ledger) result.senderLedgers = links.flatMap((link) => (link.ledger ? [link.ledger.toWire()] : []));
  return result;
}
