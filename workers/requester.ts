/** piscina task (--pattern rpc): one requester worker, its connections and requester links, for a whole run. */
import type { RpcAssignment, WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import type { LatencyKind } from '../src/metrics/index.js';
import { RequesterLink } from './requester-link.js';
import { failureOf, WorkerSession } from './worker-session.js';

export default async function requester(assignment: WorkerAssignment): Promise<WorkerResult> {
  const session = new WorkerSession(assignment);
  const rpc = assignment.rpc as RpcAssignment;
  const openLoop = assignment.connections.some((c) => c.some((l) => l.rateHz !== null));
  const kinds: LatencyKind[] = openLoop ? ['roundTrip', 'corrected'] : ['roundTrip'];
  await session.prepare(kinds);
  let links: RequesterLink[] = [];
  try {
    await session.connectAll();
    links = await session.attachAll((link) => new RequesterLink(session, link, rpc));
    if (await session.waitForStart()) await Promise.all(links.map((link) => link.run()));
  } catch (error) {
    session.fail(failureOf(error));
  }
  const lastSendUs = Math.max(0, ...links.map((link) => link.lastSendUs));
  const lastReplyUs = Math.max(0, ...links.map((link) => link.lastReplyUs));
  return session.finish(0, lastSendUs, lastReplyUs);
}
