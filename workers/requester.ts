/** piscina task (--pattern rpc): one requester worker, its connections and requester links, for a whole run. */
import type { RpcAssignment, WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import type { LatencyKind } from '../src/metrics/index.js';
import { RequesterLink } from './requester-link.js';
import { failureOf } from './link-errors.js';
import { WorkerConnections } from './worker-connections.js';
import { WorkerRuntime } from './worker-runtime.js';

export default async function requester(assignment: WorkerAssignment): Promise<WorkerResult> {
  const runtime = new WorkerRuntime(assignment);
  const connections = new WorkerConnections(runtime);
  const rpc = assignment.rpc as RpcAssignment;
  const openLoop = assignment.connections.some((c) => c.some((l) => l.rateHz !== null));
  const kinds: LatencyKind[] = openLoop ? ['roundTrip', 'corrected'] : ['roundTrip'];
  await runtime.prepare(kinds);
  let links: RequesterLink[] = [];
  try {
    await connections.connectAll();
    links = await connections.attachAll((link) => new RequesterLink(runtime, link, rpc));
    if (await runtime.waitForStart()) await Promise.all(links.map((link) => link.run()));
  } catch (error) {
    runtime.fail(failureOf(error));
  }
  const lastSendUs = Math.max(0, ...links.map((link) => link.lastSendUs));
  const lastReplyUs = Math.max(0, ...links.map((link) => link.lastReplyUs));
  return runtime.finish(0, lastSendUs, lastReplyUs);
}
