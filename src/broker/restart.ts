/**
 * A broker restart as a crash would do it (kill -9, then start again): every
 * client connection reset, every message held only in memory gone. What is
 * lost is counted exactly, so that a run's verdict can be checked against it.
 *
 * Why quiesce before counting: a message is "received" once its transfer is in
 * the consumer's hands, and "settled" once its disposition is in the broker's.
 * While bytes move both ways, neither is known at any instant: a transfer
 * written a moment ago may be read by the consumer or discarded by its kernel
 * when the RST arrives; a disposition on the wire may or may not be read. So
 * the broker first stops reading (nothing more settles, nothing new arrives),
 * stops handing messages to consumers, waits until every byte it wrote left
 * its sockets and the peers have read them (an RST makes a peer's kernel
 * discard what its process had not read: tcp-queues.ts asks the kernel), and
 * only then counts and cuts. A kill -9 gives no such moment; it loses the same
 * kinds of message, only in numbers nobody could know.
 *
 * A side effect the checker can rely on: every acceptance the broker wrote has
 * been read by its producer too, so what is dropped was confirmed to its sender
 * (lost, for an at-least-once verdict), and what the producer holds in doubt
 * is exactly what the broker never read.
 */
import type { Socket } from 'node:net';
import { peersHaveRead } from './tcp-queues.js';

/**
 * What a restart lost, by the broker's own count. Messages posted under a transaction not
 * yet committed are in neither count: the transaction rolls back, as after any crash.
 */
export interface RestartCounts {
  /** Accepted (settled to the producer, or queued, or held back by chaos) and received by no consumer. */
  dropped: number;
  /** Received by a consumer and not settled by it (or settled under a transaction left open). */
  unsettled: number;
}

/** The longest a restart waits for written bytes to leave and be read. */
export const QUIESCE_LIMIT_MS = 500;
/** For a peer on another host (nothing to ask the kernel about): time to read before the RST. */
const READ_GRACE_MS = 50;
const POLL_MS = 5;

/**
 * The broker has stopped reading and delivering: waits until what it wrote is out of its
 * sockets and read by the peers, at most QUIESCE_LIMIT_MS. A peer that has not read by then
 * loses what it had not read, though it is counted as received: the only inexact case.
 */
export async function drainWrites(sockets: ReadonlySet<Socket>): Promise<void> {
  const deadline = Date.now() + QUIESCE_LIMIT_MS;
  // rhea handles what it already read (dispositions, a discharge) on its next passes and
  // writes from there: let those run before looking at the sockets.
  await turn();
  await turn();
  while (Date.now() < deadline && [...sockets].some(unflushed)) await sleep(POLL_MS);
  // An RST makes the peer's kernel discard what the peer had not read yet: wait until it has.
  while (Date.now() < deadline) {
    const read = await peersHaveRead(sockets);
    if (read.every((answer) => answer === true)) return;
    if (read.every((answer) => answer !== false)) {
      await sleep(Math.min(READ_GRACE_MS, deadline - Date.now()));
      return;
    }
    await sleep(POLL_MS);
  }
}

/** Stops reading a socket: nothing the peer sends from now on is taken in. */
export function stopReading(socket: Socket): void {
  socket.pause();
}

/**
 * Cuts a socket with an RST, as a dead process's kernel would. rhea listens for 'error' and
 * 'end' only, neither of which a local destroy raises: it is told with an error, or it would
 * keep the connection's heartbeat timers running. A TLS socket cannot be reset (its handle is
 * not TCP): it is destroyed.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
  if (socket.listenerCount('error') > 0) socket.emit('error', new BrokerRestartError());
}

export class BrokerRestartError extends Error {
  constructor() {
    super('connection cut by a broker restart');
    this.name = 'BrokerRestartError';
  }
}

function unflushed(socket: Socket): boolean {
  return !socket.destroyed && socket.writableLength > 0;
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
