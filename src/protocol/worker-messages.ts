/**
 * What the coordinator hands each worker, and what flows between them while
 * the run goes on. Plain structured-clone data only.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SaslMechanism } from '../plan/sasl-mechanisms.js';
import type { MessageProperties } from '../plan/properties.js';
import type { ForeignPolicy, PriorityPlan, RpcPlan, Settle, TlsFlagNames, TxPlan } from '../plan/index.js';
import type { FinalReport, IntervalReport } from '../metrics/index.js';
import type { ShardClocks } from '../metrics/cross-shard-clock.js';
import type { RateSegment } from '../timing/send-schedule.js';
import type { PlannedBodySizes } from '../plan/body-sizes.js';
import type { ReceiverLedgerWire, SenderLedgerWire } from '../ledger/index.js';

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  user?: string;
  password?: string;
  /** amqps: PEM files (read by each worker), and the name the broker's certificate must carry. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keyPassword?: string;
  servername?: string;
  /** false: the broker certificate's chain is checked, its host name not. */
  verifyHost?: boolean;
  /** --sasl-mechanisms; absent: from the URL. */
  saslMechanisms?: SaslMechanism[];
  /** The flags failure lines name (`--recv-ca` for a side's own); absent: the shared ones. */
  tlsFlags?: TlsFlagNames;
}

export interface LinkAssignment {
  address: string;
  /** Which of its worker's connections carries the link (0-based): failure lines name it, 1-based. */
  connection: number;
  /** Senders: the producer id stamped on each message ("<runId>/<link>"). */
  producer: string;
  /** Senders: messages to send after warm-up; null = until stopped. */
  count: number | null;
  /** Senders: this link's share of --rate; receivers: its share of --recv-rate; null = closed loop (unpaced). */
  rateHz: number | null;
  /**
   * Open loop: this link's phase, so that N links at R/N each send (or grant credit, receivers) evenly spaced, not in
   * bursts of N.
   */
  scheduleOffsetUs: number;
  /**
   * Senders, a profile's phases: this link's share of each phase's rate (a PhasedSchedule); absent: rateHz throughout.
   */
  phases?: RateSegment[];
  /** Receivers with --subscriptions: which subscription (0-based) this link consumes for. */
  subscription?: number;
}

/** --subscriptions, as every worker needs it: senders publish to the topic, receivers consume subscriptions. */
export interface TopicAssignment {
  subscriptions: number;
  durable: boolean;
  /** Some subscription has more than one consuming link (competing consumers: not every broker can). */
  shared: boolean;
}

export interface WorkerAssignment {
  role: 'sender' | 'receiver';
  workerId: string;
  /** The plan's run id: part of every connection's container id (workers/container-id.ts). */
  runId: string;
  /** Which shard of a sharded run this worker belongs to; absent: 0 (an unsharded run). */
  shardIndex?: number;
  endpoint: Endpoint;
  /**
   * --send-url / --recv-url: where each of this worker's connections goes (same order as `connections`); absent:
   * every one to `endpoint`.
   */
  connectionEndpoints?: Endpoint[];
  /** One entry per connection, each a list of links. */
  connections: LinkAssignment[][];
  settle: Settle;
  credit: number;
  maxInFlight: number;
  bodySize: number;
  /** Senders, --body-size as a distribution: each message's size drawn from it (src/content/body-sizes.ts). */
  bodySizes?: PlannedBodySizes;
  /** Receivers, --recv-delay: each message is processed this long before it is settled (workers/paced-intake.ts). */
  recvDelayMs?: number;
  durable: boolean;
  /** --msg-ttl (senders stamp it in the header; receivers count arrivals older than it); absent: none. */
  msgTtlMs?: number;
  /** --msg-priority (senders); absent: no priority in the header. */
  msgPriority?: PriorityPlan;
  /** --recv-start-after (receivers): grant no credit until this long after the start. */
  recvStartAfterMs?: number;
  warmupMs: number;
  /** How long to wait for outstanding outcomes (senders) or for more messages (receivers). */
  drainTimeoutMs: number;
  /** Receivers count only messages whose producer id starts with this. */
  runPrefix: string;
  /**
   * Receivers, with senders in the run and the ledger on: every producer id the senders stamp.
   * A message from any other (forged, or a prefix clash) is `unexpected`: recorded, never counted
   * toward the drain, which would otherwise end before the last real message is in.
   */
  producers?: string[];
  /**
   * Receivers: a message is warm-up when it was sent during warm-up, except
   * in a receive-only run, where what was sent earlier is the backlog being
   * measured: there, the time of receipt decides.
   */
  warmupByReceipt: boolean;
  foreign: ForeignPolicy;
  /** False only in the overhead benchmark: no stamps, no histograms, counts only. */
  measure: boolean;
  /** Keep the per-message ledger (src/ledger); false only in the overhead benchmark's "ledger off" row. */
  ledger: boolean;
  /**
   * Reopen lost connections (and resend what was in doubt), giving up after a connection is down this long; null: a
   * lost connection ends the run.
   */
  reconnect: { giveUpMs: number } | null;
  /** Only for the compare tests' slowed build: a blocking wait after each send, in µs (0: none). */
  slowPerMessageUs: number;
  /** Senders: --tx-size; receivers: --recv-tx-size; absent: no transactions. */
  transactions?: TxPlan;
  /** --msg-property: what every message carries (senders), and what the selector is judged over. */
  messageProperties?: MessageProperties;
  /**
   * --recv-selector: receivers attach with it; senders count the accepted messages it matches (the drain waits for
   * those).
   */
  recvSelector?: string;
  /** --subscriptions; absent: the address is a queue. */
  topic?: TopicAssignment;
  /** --pattern rpc: senders are requesters, receivers responders (workers/requester.ts, responder.ts). */
  rpc?: RpcAssignment;
  /** Slot of this worker in the shared progress counters. */
  slot: number;
  progress: SharedArrayBuffer;
  port: MessagePort;
}

/** The rpc plan, plus how many requester links the run has (a fixed --reply-to is shared only by one). */
export interface RpcAssignment extends RpcPlan {
  requesterLinks: number;
}

/**
 * Coordinator -> worker. `clocks`: a shard that met the others over the broker (--shards): every shard's clock offset,
 * for receivers' end-to-end latency across shards (src/metrics/cross-shard-clock.ts), and the test-only skew senders
 * add to their stamps.
 */
export type ControlMessage =
  | { type: 'start'; runStartUs: number; stopAtUs: number | null; clocks?: ShardClocks }
  | { type: 'stop' };

/** Why a worker stopped early; `code` decides the run's exit code. */
export interface WorkerFailure {
  code: 'unreachable' | 'refused' | 'usage' | 'internal';
  message: string;
  condition?: string;
  /** The worker's connection (0-based) it happened on; absent: the worker as a whole. */
  connection?: number;
}

/** A connection of a worker lost or back (reconnect on), for the run's fault log. */
export interface ConnectionEvent {
  /** Monotonic µs, on the run's clock. */
  atUs: number;
  kind: 'disconnect' | 'reconnect';
  /** The worker's connection (0-based); the coordinator names it as users count ("sender 1, connection 1"). */
  connection: number;
  effect: string;
}

/** Worker -> coordinator. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'event'; event: ConnectionEvent }
  | { type: 'interval'; report: IntervalReport }
  | { type: 'failed'; failure: WorkerFailure }
  /** The last message on the port: piscina may deliver the task's result before the port's last messages. */
  | { type: 'closed' };

export interface WorkerResult {
  role: 'sender' | 'receiver';
  workerId: string;
  final: FinalReport;
  /** Set when the worker ended early: the broker went away, a link was refused. */
  error?: WorkerFailure;
  /** Receivers: messages taken that this run did not send. */
  foreign: number;
  /** When the worker last sent (senders) or received (receivers) a message, µs on the run's clock; 0: never. */
  lastActivityUs: number;
  /** Senders: when the last outcome (accepted, rejected, ...) arrived, µs on the run's clock; 0: none. */
  lastOutcomeUs: number;
  /** With the ledger on: one per producer link (senders) or per consuming link (receivers), bitsets in base64. */
  senderLedgers?: SenderLedgerWire[];
  receiverLedgers?: ReceiverLedgerWire[];
  /** Senders with a --body-size distribution: fresh messages sent per size, in the distribution's order. */
  sentBySize?: number[];
}
