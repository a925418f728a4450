/**
 * The broker's transactions, over the Queue API only (no rhea, no sockets).
 *
 * - Posting: a message sent under a transaction is held here, invisible, and
 *   enqueued (in the order posted) on commit; dropped on rollback.
 * - Acquisition: a delivery a consumer settled under a transaction is owned
 *   here, neither redelivered nor removed; on commit its outcome applies
 *   (accepted: removed and counted acknowledged); on rollback it goes back to
 *   its queue's head with its delivery-count + 1.
 *
 * Each transaction belongs to one connection (its `owner`) and one controller
 * link; other connections cannot name it, and both a dropped connection and a
 * detached controller roll back what they left open.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from '../queue.js';
import type { StoredMessage } from '../stored-message.js';

/** The outcome a consumer gave under a transaction, applied at commit. */
export type HeldOutcome =
  | { name: 'accepted' }
  | { name: 'rejected' }
  | { name: 'released' }
  | { name: 'modified'; deliveryFailed: boolean; undeliverableHere: boolean };

export type DischargeResult =
  | { ok: true; posted: number; acquired: number }
  | { ok: false; condition: string; description: string };

interface Posted {
  queue: Queue;
  message: StoredMessage;
}

interface Acquired {
  queue: Queue;
  message: StoredMessage;
  outcome: HeldOutcome;
  /** Called once the transaction ends, with fail=true for a rollback (the broker settles its delivery there). */
  onDischarge?: (fail: boolean) => void;
}

interface Txn {
  id: Buffer;
  owner: string;
  controller: string;
  posted: Posted[];
  acquired: Acquired[];
}

export const UNKNOWN_ID = 'amqp:transaction:unknown-id';

export interface TransactionCounters {
  declared: number;
  committed: number;
  rolledBack: number;
}

export class TransactionRegistry {
  readonly counters: TransactionCounters = { declared: 0, committed: 0, rolledBack: 0 };
  private readonly open = new Map<string, Txn>();
  /** Per-registry prefix, so ids from one broker run are never reused by the next. */
  private readonly prefix = randomBytes(4);
  private sequence = 0;
  /** Broker chaos (leak=R): asked for each message posted in a rolled-back transaction; true enqueues it anyway. */
  leakOnRollback: (() => boolean) | null = null;
  /**
   * Broker chaos: how a committed transaction's messages are enqueued (dropped, doubled, held back); null: as they are.
   */
  enqueueCommitted: ((queue: Queue, message: StoredMessage) => void) | null = null;

  get openCount(): number {
    return this.open.size;
  }

  /** Delivered messages settled under a transaction still open: their settlement has not taken effect. */
  acquiredCount(): number {
    let count = 0;
    for (const txn of this.open.values()) count += txn.acquired.length;
    return count;
  }

  /** A new transaction for `owner` (a connection) declared on `controller` (a coordinator link). */
  declare(owner: string, controller: string = owner): Buffer {
    const id = Buffer.alloc(12);
    this.prefix.copy(id, 0);
    id.writeBigUInt64BE(BigInt(++this.sequence), 4);
    this.open.set(key(id), { id, owner, controller, posted: [], acquired: [] });
    this.counters.declared++;
    return id;
  }

  isOpen(id: Buffer, owner: string): boolean {
    return this.find(id, owner) !== undefined;
  }

  /** Holds a message posted under `id` until discharge. False: no such open transaction for this owner. */
  post(id: Buffer, owner: string, queue: Queue, message: StoredMessage): boolean {
    const txn = this.find(id, owner);
    if (!txn) return false;
    txn.posted.push({ queue, message });
    queue.hold();
    return true;
  }

  /** Takes ownership of a delivered message settled under `id`. False: no such open transaction. */
  acquire(
    id: Buffer,
    owner: string,
    queue: Queue,
    message: StoredMessage,
    outcome: HeldOutcome,
    onDischarge?: (fail: boolean) => void,
  ): boolean {
    const txn = this.find(id, owner);
    if (!txn) return false;
    txn.acquired.push({ queue, message, outcome, onDischarge });
    queue.hold();
    return true;
  }

  /** Commit (fail=false) or roll back (fail=true). */
  discharge(id: Buffer, owner: string, fail: boolean): DischargeResult {
    const txn = this.find(id, owner);
    if (!txn) return { ok: false, condition: UNKNOWN_ID, description: `no open transaction ${id.toString('hex')}` };
    this.open.delete(key(id));
    if (fail) rollBack(txn, this.leakOnRollback);
    else commit(txn, this.enqueueCommitted);
    if (fail) this.counters.rolledBack++;
    else this.counters.committed++;
    for (const held of txn.acquired) held.onDischarge?.(fail);
    // Only now may a queue the transaction held messages for be deleted as unused.
    for (const { queue } of [...txn.posted, ...txn.acquired]) queue.release();
    return { ok: true, posted: txn.posted.length, acquired: txn.acquired.length };
  }

  commit(id: Buffer, owner: string): DischargeResult {
    return this.discharge(id, owner, false);
  }

  rollback(id: Buffer, owner: string): DischargeResult {
    return this.discharge(id, owner, true);
  }

  /** Rolls back every open transaction of a connection (it dropped); returns how many. */
  rollbackOwner(owner: string): number {
    return this.rollbackWhere((txn) => txn.owner === owner);
  }

  /** Rolls back every open transaction declared on a controller link (it detached); returns how many. */
  rollbackController(controller: string): number {
    return this.rollbackWhere((txn) => txn.controller === controller);
  }

  private rollbackWhere(match: (txn: Txn) => boolean): number {
    const ended = [...this.open.values()].filter(match);
    for (const txn of ended) this.discharge(txn.id, txn.owner, true);
    return ended.length;
  }

  private find(id: Buffer, owner: string): Txn | undefined {
    const txn = this.open.get(key(id));
    return txn && txn.owner === owner ? txn : undefined;
  }
}

function key(id: Buffer): string {
  return id.toString('hex');
}

function commit(txn: Txn, enqueue: ((queue: Queue, message: StoredMessage) => void) | null): void {
  for (const { queue, message } of txn.posted) {
    if (enqueue) enqueue(queue, message);
    else queue.enqueue(message);
  }
  const back = new Map<Queue, StoredMessage[]>();
  for (const { queue, message, outcome } of txn.acquired) {
    switch (outcome.name) {
      case 'accepted':
        queue.counters.acknowledged++;
        break;
      case 'rejected':
        queue.counters.rejected++;
        break;
      case 'modified':
        if (outcome.undeliverableHere) {
          queue.counters.dropped++;
          break;
        }
        if (outcome.deliveryFailed) message.countFailedDelivery();
        returnTo(back, queue, message);
        break;
      case 'released':
        returnTo(back, queue, message);
        break;
    }
  }
  for (const [queue, messages] of back) queue.giveBack(messages);
}

function rollBack(txn: Txn, leak: (() => boolean) | null): void {
  // Only the checker's self-test gets here with a leak: a broker that lets rolled-back messages through.
  if (leak) for (const { queue, message } of txn.posted) if (leak()) queue.enqueue(message);
  const back = new Map<Queue, StoredMessage[]>();
  for (const { queue, message } of txn.acquired) {
    message.countFailedDelivery();
    returnTo(back, queue, message);
  }
  for (const [queue, messages] of back) queue.giveBack(messages);
}

function returnTo(back: Map<Queue, StoredMessage[]>, queue: Queue, message: StoredMessage): void {
  const list = back.get(queue);
  if (list) list.push(message);
  else back.set(queue, [message]);
}
