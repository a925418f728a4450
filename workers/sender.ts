/** piscina task: one sender worker (its connections and producer links) for a whole run. */
import type { WorkerAssignment, WorkerFailure, WorkerResult } from '../src/coordinator/assignment.js';
import { describeError, SalvoError } from '../src/errors.js';
import { SenderLink } from './sender-link.js';
import { WorkerSession } from './worker-session.js';

export default async function sender(assignment: WorkerAssignment): Promise<WorkerResult> {
  const session = new WorkerSession(assignment);
  const links: SenderLink[] = [];
  let lastSendUs = 0;
  const kinds = assignment.connections.some((c) => c.some((l) => l.rateHz !== null))
    ? (['service', 'corrected', 'sendDelay'] as const)
    : (['service'] as const);
  await session.prepare(kinds);
  try {
    await session.connectAll();
    for (let c = 0; c < assignment.connections.length; c++) {
      for (const link of assignment.connections[c]) {
        const senderLink = new SenderLink(session, link);
        await session.whileRunning(senderLink.attach(session.connections[c]), `attach to ${JSON.stringify(link.address)}`);
        links.push(senderLink);
      }
    }
    const window = await session.waitForStart();
    if (window) await Promise.all(links.map((link) => link.run()));
    lastSendUs = Math.max(0, ...links.map((link) => link.lastSendUs));
  } catch (error) {
    session.fail(failureOf(error));
  }
  // Still unsettled at the end: their connection closes now, so their fate is unknown.
  for (const link of links) session.recorder?.countMany('inDoubt', link.inDoubt, false);
  return session.finish(0, lastSendUs);
}

export function failureOf(error: unknown): WorkerFailure {
  if (error instanceof SalvoError) {
    const code = error.code === 'usage' || error.code === 'unreachable' || error.code === 'refused' ? error.code : 'internal';
    return { code, message: error.message, condition: error.condition };
  }
  return { code: 'internal', message: describeError(error) };
}
