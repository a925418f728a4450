/** piscina task (--pattern rpc): one responder worker; it answers requests until the coordinator says stop. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import { ResponderLink } from './responder-link.js';
import { failureOf } from './link-errors.js';
import { WorkerConnections } from './worker-connections.js';
import { WorkerRuntime } from './worker-runtime.js';

export default async function responder(assignment: WorkerAssignment): Promise<WorkerResult> {
  const runtime = new WorkerRuntime(assignment);
  const connections = new WorkerConnections(runtime);
  await runtime.prepare([]);
  let links: ResponderLink[] = [];
  try {
    await connections.connectAll();
    links = await connections.attachAll((link) => new ResponderLink(runtime, link));
    if (await runtime.waitForStart()) {
      for (const link of links) link.start();
      await runtime.untilStopped();
    }
  } catch (error) {
    runtime.fail(failureOf(error));
  }
  return runtime.finish(0, Math.max(0, ...links.map((link) => link.lastReceiveUs)));
}
