/** piscina task: one sender worker (its connections and producer links) for a whole run. */
import type { WorkerAssignment, WorkerResult } from '../src/protocol/worker-messages.js';
import type { LatencyKind } from '../src/metrics/index.js';
import { SenderLink } from './sender-link.js';
import { failureOf } from './link-errors.js';
import { WorkerConnections } from './worker-connections.js';
import { WorkerRuntime } from './worker-runtime.js';

export default async function sender(assignment: WorkerAssignment): Promise<WorkerResult> {
  const runtime = new WorkerRuntime(assignment);
  const connections = new WorkerConnections(runtime);
  let links: SenderLink[] = [];
  let lastSendUs = 0;
  let lastOutcomeUs = 0;
  const openLoop = assignment.connections.some((c) => c.some((l) => l.rateHz !== null));
  const kinds: LatencyKind[] = openLoop ? ['service', 'corrected', 'sendDelay'] : ['service'];
  if (assignment.transactions) kinds.push('declare', 'commit');
  await runtime.prepare(kinds);
  try {
    await connections.connectAll();
    links = await connections.attachAll((link) => new SenderLink(runtime, link));
    const window = await runtime.waitForStart();
    if (window) await Promise.all(links.map((link) => link.run()));
    lastSendUs = Math.max(0, ...links.map((link) => link.lastSendUs));
    lastOutcomeUs = Math.max(0, ...links.map((link) => link.lastOutcomeUs));
  } catch (error) {
    runtime.fail(failureOf(error));
  }
  // Still unsettled at the end: their connection closes now, so their fate is unknown.
  for (const link of links) {
    runtime.recorder?.countMany('inDoubt', link.inDoubt, false);
    link.lostTrackOfUnsettled();
  }
  // Due by the schedule when sending stopped, never sent: the generator fell behind.
  for (const link of links) runtime.recorder?.countMany('unsent', link.unsent, link.inWarmup);
  const result = runtime.finish(0, lastSendUs, lastOutcomeUs);
  if (assignment.ledger) result.senderLedgers = links.flatMap((link) => (link.ledger ? [link.ledger.toWire()] : []));
  if (assignment.bodySizes) result.sentBySize = sentBySize(links, assignment.bodySizes.sizes.length);
  return result;
}

/** Fresh messages sent after warm-up per body size, over the worker's links. */
function sentBySize(links: readonly SenderLink[], sizes: number): number[] {
  const counts = new Array<number>(sizes).fill(0);
  for (const link of links) link.sentBySize?.forEach((n, i) => (counts[i] += n));
  return counts;
}
