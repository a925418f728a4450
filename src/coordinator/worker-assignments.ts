/**
 * The whole of what each worker is told: the link layout (worker-shapes.ts)
 * plus every plan field a worker reads and the facts of this run (measuring,
 * ledger, progress slots). Pure, so that which worker gets which field is
 * tested without starting a thread.
 */
import { sideUrlIndex, type Plan, type TxPlan, type UrlTarget } from '../plan/index.js';
import type { Endpoint, WorkerAssignment } from '../protocol/worker-messages.js';
import { ownPart } from '../plan/shards.js';
import { shapeWorkers, type WorkerShape } from './worker-shapes.js';

/** What a worker is given at its start: everything but the control port, which its handle creates. */
export type PlannedWorker = Omit<WorkerAssignment, 'port'>;

/** What the run decides beside the plan. */
export interface RunFacts {
  /** false: the overhead benchmark's bare mode (no stamps, no histograms, no ledger). */
  measure: boolean;
  /** false: the overhead benchmark's "ledger off" row. */
  ledger: boolean;
  /** The compare tests' slowed build: µs to wait after each send (0: never). */
  slowPerMessageUs: number;
  /** The shared progress counters, one slot per worker in assignment order. */
  progress: SharedArrayBuffer;
}

/** --send-url / --recv-url: each side's endpoints, in the order of the plan's `sides` lists. */
export interface SideEndpoints {
  send: Endpoint[];
  receive: Endpoint[];
}

/**
 * Every sender worker, then every receiver worker, each with its slot; throws when addresses cannot all be covered.
 * A shard (--shards) gets its own part's links only, but its receivers know every producer of the run: they take
 * other shards' messages too.
 */
export function assignWorkers(plan: Plan, endpoint: Endpoint, facts: RunFacts, sides?: SideEndpoints): PlannedWorker[] {
  const whole = shapeWorkers(plan);
  const ledger = ledgerKept(plan, facts);
  const senders = whole.filter((s) => s.role === 'sender');
  const producers = senders.flatMap((s) => s.connections.flat().map((link) => link.producer));
  const shapes = shardShapes(plan, whole);
  const common = commonFields(plan, endpoint, facts, ledger);
  return shapes.map(
    (shape, slot): PlannedWorker => ({
      role: shape.role,
      workerId: shape.workerId,
      connections: shape.connections,
      ...common,
      ...(sides ? { connectionEndpoints: connectionEndpoints(plan, shape, sides) } : {}),
      ...(shape.role === 'receiver' && ledger && producers.length > 0 ? { producers } : {}),
      ...transactionsOf(plan, shape.role),
      slot,
    }),
  );
}

/**
 * The workers of this shard's part: the whole run's shapes with only the links the part owns, workers and connections
 * left empty dropped. Links keep their ids, connection numbers, counts and rates, so nothing depends on the number of
 * shards. Unsharded: the shapes as they are.
 */
export function shardShapes(plan: Plan, whole: WorkerShape[]): WorkerShape[] {
  const part = ownPart(plan);
  if (part === undefined) return whole;
  const owned = new Set(part.linkIds);
  return whole
    .map((shape) => ({
      ...shape,
      connections: shape.connections
        .map((links) => links.filter((link) => owned.has(link.producer)))
        .filter((links) => links.length > 0),
    }))
    .filter((shape) => shape.connections.length > 0);
}

/**
 * Where each of a worker's connections goes: the side's URLs taken round-robin by the connection's number over the
 * whole run (worker by worker), so a shard's connections go where the unsharded run's would.
 */
export function connectionEndpoints(plan: Plan, shape: WorkerShape, sides: SideEndpoints): Endpoint[] {
  const list = shape.role === 'sender' ? sides.send : sides.receive;
  const ordinal = Number(shape.workerId.slice(1));
  return shape.connections.map((links) => {
    const connection = links[0]?.connection ?? 0;
    return list[sideUrlIndex(ordinal, connection, plan.connections, list.length)];
  });
}

/**
 * Whether workers keep the per-message ledger. Unstamped messages carry no
 * sequence numbers, and rpc requests carry correlation ids, not stamps (the
 * requesters match replies instead): neither has anything to ledger.
 */
export function ledgerKept(plan: Plan, facts: Pick<RunFacts, 'measure' | 'ledger'>): boolean {
  return facts.measure && facts.ledger && plan.rpc === undefined;
}

/** Where the workers connect for an external URL: its host, credentials and the amqps options given apart. */
export function targetEndpoint(target: UrlTarget, tls: Partial<Endpoint>): Endpoint {
  const endpoint: Endpoint = { host: target.host, port: target.port, tls: target.scheme === 'amqps' };
  if (target.user !== undefined) endpoint.user = target.user;
  if (target.password !== undefined) endpoint.password = target.password;
  return Object.assign(endpoint, withoutUndefined(tls));
}

type CommonFields = Omit<PlannedWorker, 'role' | 'workerId' | 'connections' | 'producers' | 'transactions' | 'slot'>;

/** The fields every worker gets alike, whatever its role. */
function commonFields(plan: Plan, endpoint: Endpoint, facts: RunFacts, ledger: boolean): CommonFields {
  return {
    endpoint,
    runId: plan.runId,
    shardIndex: plan.shards?.index ?? 0,
    settle: plan.settle,
    credit: plan.credit,
    maxInFlight: plan.maxInFlight,
    bodySize: plan.bodySize,
    ...(plan.bodySizes ? { bodySizes: plan.bodySizes } : {}),
    ...(plan.recvDelayMs !== undefined ? { recvDelayMs: plan.recvDelayMs } : {}),
    durable: plan.durable,
    ...(plan.msgTtlMs !== undefined ? { msgTtlMs: plan.msgTtlMs } : {}),
    ...(plan.msgPriority ? { msgPriority: plan.msgPriority } : {}),
    ...(plan.recvStartAfterMs !== undefined ? { recvStartAfterMs: plan.recvStartAfterMs } : {}),
    warmupMs: plan.warmupMs,
    drainTimeoutMs: plan.drainTimeoutMs,
    // A receive-only run drains whatever salvo runs left on the queue.
    runPrefix: plan.senders === 0 ? '' : `${plan.runId}/`,
    warmupByReceipt: plan.senders === 0,
    foreign: plan.foreign,
    measure: facts.measure,
    ledger,
    reconnect: plan.reconnect,
    slowPerMessageUs: facts.slowPerMessageUs,
    ...selectionOf(plan),
    ...(plan.topic
      ? {
          topic: {
            ...plan.topic,
            shared: plan.receivers * plan.connections * plan.links > plan.topic.subscriptions,
          },
        }
      : {}),
    ...(plan.rpc ? { rpc: { ...plan.rpc, requesterLinks: plan.senders * plan.connections * plan.links } } : {}),
    progress: facts.progress,
  };
}

/** --msg-property and --recv-selector, for every worker. */
function selectionOf(plan: Plan): Pick<WorkerAssignment, 'messageProperties' | 'recvSelector'> {
  return {
    ...(plan.messageProperties ? { messageProperties: plan.messageProperties } : {}),
    ...(plan.recvSelector !== undefined ? { recvSelector: plan.recvSelector } : {}),
  };
}

/** The side's transactions (--tx-size for senders, --recv-tx-size for receivers), if any. */
function transactionsOf(plan: Plan, role: 'sender' | 'receiver'): { transactions?: TxPlan } {
  const tx = role === 'sender' ? plan.transactions : plan.recvTransactions;
  return tx ? { transactions: tx } : {};
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
