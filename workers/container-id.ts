/**
 * The container id a worker's connection opens with: unique per run, shard,
 * worker, connection and attempt, so that two runs against one broker, or a
 * reconnect that comes back before the broker has dropped the old connection,
 * never present an id already connected. ActiveMQ Classic refuses a second
 * connection with a container id it has (open answered, then close
 * amqp:invalid-field "Client: ID already connected"); and a broker's log names
 * the run, the worker and the connection a client id belongs to.
 *
 *   salvo-<run>-s<shard>-w<worker>-c<connection>-a<attempt>
 *   salvo-20261207-120957-1e5b-s0-ws1-c0-a2
 *
 * <run> is the run id itself (20 characters by default), or, past 32
 * characters (a long --run-id), its first 23 and 8 hex digits of its SHA-256.
 */
import { createHash } from 'node:crypto';

export interface ContainerIdParts {
  runId: string;
  shardIndex: number;
  /** `s0`, `r1`: the worker's id in the run. */
  workerId: string;
  /** The worker's connection, 0-based. */
  connection: number;
  /** How many opens of this connection came before this one (0 for the first). */
  attempt: number;
}

const MAX_RUN_CHARS = 32;

export function containerId(parts: ContainerIdParts): string {
  const { shardIndex, workerId, connection, attempt } = parts;
  return `salvo-${shortRunId(parts.runId)}-s${shardIndex}-w${workerId}-c${connection}-a${attempt}`;
}

function shortRunId(runId: string): string {
  if (runId.length <= MAX_RUN_CHARS) return runId;
  return `${runId.slice(0, 23)}${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
}
