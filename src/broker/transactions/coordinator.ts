/**
 * The embedded broker's transaction coordinator: the rhea side of
 * TransactionRegistry. It answers coordinator links (declare -> declared,
 * discharge -> accepted or rejected), and gives the producer and consumer
 * adapters one call each for transactional transfers and dispositions.
 */
import type { Delivery, EventContext, Receiver } from 'rhea';
import { creditOf, forgetDelivery, localAttachOf, setLocalTarget } from '../../amqp/rhea-patches/index.js';
import {
  CoordinatorTarget,
  LOCAL_TRANSACTIONS,
  TransactionalState,
  coordinatorTargetValue,
  declaredValue,
  outcomeValue,
  readControlPayload,
  readDecodedControl,
  transactionalStateValue,
} from '../../amqp/transactions/codec.js';
import type { Queue } from '../queue.js';
import type { StoredMessage } from '../stored-message.js';
import { TransactionRegistry, UNKNOWN_ID } from './registry.js';
import type { HeldOutcome } from './registry.js';

/** Credit a coordinator link keeps granting: controls are small and answered at once. */
const CONTROL_WINDOW = 100;

interface CoordinatorLink {
  owner: string;
  controller: string;
}

interface DeliveryInternals {
  remote_state?: unknown;
  remote_settled?: boolean;
}

/** What a consumer link does with a disposition. */
export type DispositionVerdict =
  /** Not transactional: apply the outcome as usual. */
  | 'plain'
  /** The transaction owns the message now. */
  | 'held'
  /** Transactional but unusable (unknown txn-id, no outcome): leave the message where it is. */
  | 'ignored';

export class BrokerTransactions {
  readonly registry = new TransactionRegistry();
  private readonly coordinators = new WeakMap<object, CoordinatorLink>();
  private controllers = 0;

  /** The transactional side of one connection, for its producer and consumer links. */
  forConnection(owner: string): ConnectionTransactions {
    return new ConnectionTransactions(this.registry, owner);
  }

  /** Takes a sender's attach whose target is a coordinator; false for any other target. */
  attach(receiver: Receiver, target: unknown, owner: string): boolean {
    if (!(target instanceof CoordinatorTarget)) return false;
    const caps = target.capabilities;
    if (caps.length > 0 && !caps.includes(LOCAL_TRANSACTIONS)) {
      receiver.close({
        condition: 'amqp:not-implemented',
        description: `only ${LOCAL_TRANSACTIONS} are supported (asked for ${caps.join(', ')})`,
      });
      return true;
    }
    setLocalTarget(receiver, coordinatorTargetValue([LOCAL_TRANSACTIONS]));
    const attach = localAttachOf(receiver);
    // rhea's getter reads the peer's attach (undefined before it).
    attach.snd_settle_mode = (receiver as { snd_settle_mode?: number }).snd_settle_mode ?? 2;
    attach.rcv_settle_mode = 0;
    this.coordinators.set(receiver, { owner, controller: `${owner}/${++this.controllers}` });
    receiver.add_credit(CONTROL_WINDOW);
    return true;
  }

  /** A message on a coordinator link; false when the link is not one. */
  onMessage(ctx: EventContext): boolean {
    const receiver = ctx.receiver;
    const coordinator = receiver && this.coordinators.get(receiver);
    if (!receiver || !coordinator) return false;
    const delivery = ctx.delivery;
    if (delivery) this.control(coordinator, ctx.message, delivery);
    const credit = creditOf(receiver);
    if (credit < CONTROL_WINDOW / 2) receiver.add_credit(CONTROL_WINDOW - credit);
    return true;
  }

  /** A link detached: if it was a coordinator, what it left open rolls back. */
  closeLink(link: object): void {
    const coordinator = this.coordinators.get(link);
    if (!coordinator) return;
    this.coordinators.delete(link);
    this.registry.rollbackController(coordinator.controller);
  }

  /** A connection ended: everything it left open rolls back. */
  dropConnection(owner: string): void {
    this.registry.rollbackOwner(owner);
  }

  private control(coordinator: CoordinatorLink, message: unknown, delivery: Delivery): void {
    // The broker thread gets raw payloads; a broker without them gets rhea's decoded message.
    const control = Buffer.isBuffer(message)
      ? readControlPayload(message)
      : readDecodedControl((message as { body?: unknown } | undefined)?.body);
    switch (control.kind) {
      case 'declare': {
        if (control.globalId !== null && control.globalId !== undefined) {
          delivery.reject({
            condition: 'amqp:not-implemented',
            description: 'distributed transactions (declare with global-id) are not supported',
          });
          return;
        }
        const id = this.registry.declare(coordinator.owner, coordinator.controller);
        delivery.update(true, declaredValue(id));
        return;
      }
      case 'discharge': {
        // rhea dispatches a transfer at once but the dispositions read with it only on its next
        // pass (a process.nextTick it has already scheduled): wait for that pass, so every
        // transactional acceptance the controller made before discharging is counted in.
        process.nextTick(() => {
          const result = this.registry.discharge(control.txnId, coordinator.owner, control.fail);
          if (result.ok) delivery.accept();
          else delivery.reject({ condition: result.condition, description: result.description });
        });
        return;
      }
      case 'malformed':
        delivery.reject({ condition: 'amqp:decode-error', description: control.reason });
        return;
    }
  }
}

export class ConnectionTransactions {
  constructor(
    private readonly registry: TransactionRegistry,
    readonly owner: string,
  ) {}

  /**
   * A transfer on a producer link, already routed to `queue`. Transactional
   * (transfer state transactional-state): held by its transaction and answered
   * transactional-state {txn-id, accepted}, or rejected with
   * amqp:transaction:unknown-id; returns true. Plain: returns false.
   */
  post(delivery: Delivery, queue: Queue, message: StoredMessage): boolean {
    const state = (delivery as unknown as DeliveryInternals).remote_state;
    if (!(state instanceof TransactionalState)) return false;
    if (this.registry.post(state.txnId, this.owner, queue, message)) {
      delivery.update(true, transactionalStateValue(state.txnId, 'accepted'));
    } else {
      delivery.reject(unknownId(state.txnId));
    }
    return true;
  }

  /** A consumer's disposition for a delivered message: held by a transaction, plain, or ignored. */
  acquire(delivery: Delivery, queue: Queue, message: StoredMessage): DispositionVerdict {
    const state = (delivery as unknown as DeliveryInternals).remote_state;
    if (!(state instanceof TransactionalState)) return 'plain';
    const outcome = heldOutcome(state);
    if (!outcome) return 'ignored';
    // Once discharged, the broker settles its side with the outcome that took effect.
    const settle = (fail: boolean): void => forgetDelivery(delivery, outcomeValue(fail ? 'released' : outcome.name));
    const held = this.registry.acquire(state.txnId, this.owner, queue, message, outcome, settle);
    return held ? 'held' : 'ignored';
  }
}

function heldOutcome(state: TransactionalState): HeldOutcome | null {
  const outcome = state.outcome;
  switch (outcome?.name) {
    case 'accepted':
    case 'rejected':
    case 'released':
      return { name: outcome.name };
    case 'modified':
      return {
        name: 'modified',
        deliveryFailed: outcome.fields.delivery_failed === true,
        undeliverableHere: outcome.fields.undeliverable_here === true,
      };
    default:
      return null;
  }
}

function unknownId(txnId: Buffer): { condition: string; description: string } {
  return { condition: UNKNOWN_ID, description: `no open transaction ${txnId.toString('hex')} on this connection` };
}
