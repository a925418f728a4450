/**
 * Splitting a plan into worker assignments: pure, so the balance of counts,
 * rates and addresses is tested without starting anything.
 */
import type { RateSegment } from '../timing/send-schedule.js';
import { splitEvenly, splitRate, subscriptionOfLink, type Plan } from '../plan/index.js';
import type { PlannedPhase } from '../plan/phases.js';
import { linkId } from '../plan/shards.js';
import { SalvoError } from '../errors.js';
import type { Endpoint, LinkAssignment } from '../protocol/worker-messages.js';

export interface WorkerShape {
  role: 'sender' | 'receiver';
  workerId: string;
  connections: LinkAssignment[][];
}

/**
 * Worker ids (`s0`, `r1`) are internal: producer ids, container ids and the fault log carry them. What users read
 * names a worker as workerLabel does.
 */
const WORKER_ID_PREFIX = { sender: 's', receiver: 'r' } as const;

/**
 * A worker, and the connection when known, as users count them: `sender 1`, `receiver 2, connection 3` (1-based;
 * with --pattern rpc, `requester 1`, `responder 1`). An id not made here is shown as it is.
 */
export function workerLabel(workerId: string, rpc: boolean, connection?: number): string {
  const match = /^([sr])(\d+)$/.exec(workerId);
  if (match === null) return workerId;
  const role = match[1] === WORKER_ID_PREFIX.sender ? (rpc ? 'requester' : 'sender') : rpc ? 'responder' : 'receiver';
  const worker = `${role} ${Number(match[2]) + 1}`;
  return connection === undefined ? worker : `${worker}, connection ${connection + 1}`;
}

/** Every sender and receiver worker with its links; throws when addresses cannot all be covered. */
export function shapeWorkers(plan: Plan): WorkerShape[] {
  const linksPerWorker = plan.connections * plan.links;
  for (const [role, workers] of [
    ['sender', plan.senders],
    ['receiver', plan.receivers],
  ] as const) {
    if (workers > 0 && workers * linksPerWorker < plan.addresses.length) {
      throw new SalvoError(
        'usage',
        `--addresses ${plan.addresses.length} needs at least as many ${role} links; ${role}s x connections x links ` +
          `gives ${workers * linksPerWorker}`,
      );
    }
  }
  return [...shapeRole(plan, 'sender', plan.senders), ...shapeRole(plan, 'receiver', plan.receivers)];
}

function shapeRole(plan: Plan, role: 'sender' | 'receiver', workers: number): WorkerShape[] {
  if (workers === 0) return [];
  const totalLinks = workers * plan.connections * plan.links;
  const counts = role === 'sender' && plan.count !== null ? splitEvenly(plan.count, totalLinks) : null;
  // Receivers paced by --recv-rate split it as senders split --rate: the links' shares sum to the total.
  const totalHz = role === 'sender' ? plan.rateHz : (plan.recvRateHz ?? null);
  const rates = totalHz !== null ? splitRate(totalHz, totalLinks) : null;
  const shapes: WorkerShape[] = [];
  let linkIndex = 0;
  for (let w = 0; w < workers; w++) {
    const workerId = `${WORKER_ID_PREFIX[role]}${w}`;
    const connections: LinkAssignment[][] = [];
    for (let c = 0; c < plan.connections; c++) {
      const links: LinkAssignment[] = [];
      for (let l = 0; l < plan.links; l++) {
        links.push({
          address: plan.addresses[linkIndex % plan.addresses.length],
          connection: c,
          producer: linkId(plan.runId, workerId, c, l),
          count: counts ? counts[linkIndex] : null,
          rateHz: rates ? rates[linkIndex] : null,
          scheduleOffsetUs: totalHz !== null ? (linkIndex * 1e6) / totalHz : 0,
          ...(role === 'sender' && plan.phases ? { phases: linkPhases(plan.phases, totalLinks) } : {}),
          ...(role === 'receiver' && plan.topic
            ? { subscription: subscriptionOfLink(linkIndex, plan.topic.subscriptions) }
            : {}),
        });
        linkIndex++;
      }
      connections.push(links);
    }
    shapes.push({ role, workerId, connections });
  }
  return shapes;
}

/** Each link's share of every phase: the rates split as --rate is. */
function linkPhases(phases: readonly PlannedPhase[], links: number): RateSegment[] {
  return phases.map(({ durationMs, fromHz, toHz }) => ({ durationMs, fromHz: fromHz / links, toHz: toHz / links }));
}

/** Where the workers connect: the URL's broker, or the embedded broker's URL. */
export function endpointFromUrl(url: string, user?: string, password?: string): Endpoint {
  const parsed = new URL(url);
  const endpoint: Endpoint = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port),
    tls: parsed.protocol === 'amqps:',
  };
  if (user !== undefined) endpoint.user = user;
  if (password !== undefined) endpoint.password = password;
  return endpoint;
}
