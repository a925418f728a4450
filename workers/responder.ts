/** piscina task (--pattern rpc): one responder worker; it answers requests until the coordinator says stop. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import { ResponderLink } from './responder-link.js';
import { failureOf, WorkerSession } from './worker-session.js';

export default async function responder(assignment: WorkerAssignment): Promise<WorkerResult> {
  const session = new WorkerSession(assignment);
  await session.prepare([]);
  let links: ResponderLink[] = [];
  try {
    await session.connectAll();
    links = await session.attachAll((link) => new ResponderLink(session, link));
    if (await session.waitForStart()) {
      for (const link of links) link.start();
      await new Promise<void>((resolve) => {
        if (session.stopping) resolve();
        session.onStop(resolve);
        session.onFail(resolve);
      });
    }
  } catch (error) {
    session.fail(failureOf(error));
  }
  return session.finish(0, Math.max(0, ...links.map((link) => link.lastReceiveUs)));
}
