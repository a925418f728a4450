/**
 * AMQP 1.0 local transactions over rhea (which has no transaction API): a
 * controller link to the peer's coordinator, declare, send and accept under a
 * transaction, commit and roll back. Every peer refusal surfaces as a
 * TransactionError carrying the AMQP condition and the peer's description.
 *
 * Usage:
 *   const controller = await TransactionController.attach(connection);
 *   const txn = await controller.declare();
 *   txn.send(sender, { body: 'x' });          // held by the peer until commit
 *   txn.accept(delivery);                     // receiver with autoaccept: false
 *   await txn.commit();                       // or txn.rollback()
 *
 * commit() and rollback() first wait until every message sent under the
 * transaction has its outcome (so a discharge never overtakes a transfer still
 * waiting for credit), then discharge; time them for discharge latency.
 * Deliveries accepted under the transaction are settled at once with the
 * transactional state (as Qpid JMS does): the transaction now owns their
 * outcome. Settling them after the discharge instead would repeat a state
 * naming a discharged txn-id, which ActiveMQ Artemis answers by closing the
 * connection (AMQ119014 Transaction not found).
 */
import type { Connection, Delivery, EventContext, Sender, TerminusOptions } from 'rhea';
import { SalvoError } from '../../errors.js';
import {
  enableTransactionTypes,
  encodeMessage,
  markTransactionalTransfer,
  observeLink,
  setLocalTarget,
  stateName,
} from '../rhea-patches/index.js';
import {
  CoordinatorTarget,
  Declared,
  coordinatorTargetValue,
  declareMessage,
  dischargeMessage,
  transactionalStateValue,
} from './codec.js';
import type { Typed } from './codec.js';

export { CoordinatorTarget, Declared, TransactionalState } from './codec.js';

const DEFAULT_TIMEOUT_MS = 5000;

/** A refused, failed or unanswered transaction operation. */
export class TransactionError extends SalvoError {
  declare readonly condition: string;

  constructor(
    condition: string,
    /** The peer's description (or salvo's, when the peer gave none). */
    readonly description: string,
    /** What was being done: attach, declare, commit, rollback, send. */
    readonly operation = 'transaction',
  ) {
    super('refused', `${operation} refused: ${condition}${description ? `: ${description}` : ''}`, condition);
    this.name = 'TransactionError';
  }
}

interface RemoteError {
  condition?: unknown;
  description?: unknown;
}

interface RheaDelivery {
  remote_state?: { error?: RemoteError };
  remote_settled?: boolean;
  settled?: boolean;
  link?: object;
  update(settled: boolean, state?: unknown): void;
}

/** Every event rhea dispatches on a sending link; listened to on the link so none reaches the application. */
const CONTROLLER_EVENTS = [
  'sender_open',
  'sender_close',
  'sender_error',
  'sendable',
  'sender_flow',
  'sender_draining',
  'accepted',
  'rejected',
  'released',
  'modified',
  'settled',
  'declared',
  'transactional_state',
  'received',
];

interface Pending {
  operation: string;
  resolve(state: RheaDelivery['remote_state'] | undefined): void;
  reject(error: TransactionError): void;
  timer: NodeJS.Timeout;
}

let controllers = 0;
let tags = 0;

export class TransactionController {
  private readonly pending = new Map<object, Pending>();
  private opened = false;
  private ended: TransactionError | undefined;
  private unobserveSession: (() => void) | undefined;

  private constructor(
    private readonly sender: Sender,
    readonly timeoutMs: number,
  ) {}

  /**
   * Opens a coordinator link (target: coordinator 0x30 with capability
   * amqp:local-transactions) on the connection. Rejects with TransactionError
   * if the peer refuses or detaches it, or does not answer within timeoutMs.
   */
  static attach(connection: Connection, options: { timeoutMs?: number } = {}): Promise<TransactionController> {
    enableTransactionTypes();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const sender = connection.open_sender({
      name: `salvo-txn-ctrl-${++controllers}`,
      target: {} as TerminusOptions,
      autosettle: true,
    });
    // The attach is written on the next tick: replace rhea's 0x29 target before then.
    setLocalTarget(sender, coordinatorTargetValue());
    const controller = new TransactionController(sender, timeoutMs);
    return controller.waitOpen();
  }

  /** Sends declare and resolves with the transaction once `declared` arrives. */
  async declare(): Promise<Transaction> {
    const state = await this.control(declareMessage(), 'declare');
    if (state instanceof Declared) return new Transaction(this, state.txnId);
    throw refusalOf(state, 'declare', 'amqp:internal-error', 'coordinator did not answer declare with declared');
  }

  /** Detaches the coordinator link; the peer rolls back what is still open. Pending operations reject. */
  close(): void {
    this.end(new TransactionError('amqp:link:detach-forced', 'transaction controller closed', 'transaction'));
    if (this.sender.is_open()) this.sender.close();
  }

  /** @internal discharge for Transaction. */
  async discharge(txnId: Buffer, fail: boolean): Promise<void> {
    const operation = fail ? 'rollback' : 'commit';
    const state = await this.control(dischargeMessage(txnId, fail), operation);
    if (stateName(state) === 'accepted') return;
    throw refusalOf(
      state,
      operation,
      fail ? 'amqp:internal-error' : 'amqp:transaction:rollback',
      `coordinator did not accept the ${operation}`,
    );
  }

  private waitOpen(): Promise<TransactionController> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new TransactionError(
          'amqp:transaction:timeout',
          `coordinator attach not answered within ${this.timeoutMs} ms`,
          'attach',
        );
        this.end(error);
        if (this.sender.is_open()) this.sender.close();
        reject(error);
      }, this.timeoutMs);
      const outcome = (ctx: EventContext): void => this.onOutcome(ctx);
      for (const event of CONTROLLER_EVENTS) {
        if (event === 'sender_open' || event === 'sender_close' || event === 'sender_error') continue;
        this.sender.on(event, outcome);
      }
      this.sender.on('sender_open', () => {
        // rhea's getter: the target of the peer's attach.
        const target: unknown = this.sender.target;
        // A refusal comes as an attach with a null target followed by a detach: wait for the detach.
        if (!(target instanceof CoordinatorTarget)) return;
        this.opened = true;
        clearTimeout(timer);
        resolve(this);
      });
      const fail = (error: RemoteError | undefined, condition: string, description: string): void => {
        const failure = new TransactionError(
          String(error?.condition ?? condition),
          String(error?.description ?? description),
          this.opened ? 'transaction' : 'attach',
        );
        this.end(failure);
        if (!this.opened) {
          clearTimeout(timer);
          reject(failure);
        }
      };
      const link = this.sender;
      // rhea's getter: the error of the peer's detach.
      const closed = (): void =>
        fail(link.error as RemoteError | undefined, 'amqp:not-implemented', 'peer detached the coordinator link');
      this.sender.on('sender_error', closed);
      this.sender.on('sender_close', closed);
      // Some peers (RabbitMQ 3.10) refuse a coordinator by ending the whole session.
      const session = link.session;
      this.unobserveSession = observeLink(session, ['session_error', 'session_close'], () =>
        fail(
          session.error as RemoteError | undefined,
          'amqp:session:ended',
          'the peer ended the session of the coordinator link',
        ),
      );
    });
  }

  private control(payload: Buffer, operation: string): Promise<RheaDelivery['remote_state'] | undefined> {
    if (this.ended)
      return Promise.reject(new TransactionError(this.ended.condition, this.ended.description, operation));
    return new Promise((resolve, reject) => {
      const delivery = this.sender.send(payload, undefined, 0) as unknown as object;
      const timer = setTimeout(() => {
        this.pending.delete(delivery);
        reject(
          new TransactionError(
            'amqp:transaction:timeout',
            `no answer from the coordinator within ${this.timeoutMs} ms`,
            operation,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(delivery, { operation, resolve, reject, timer });
    });
  }

  private onOutcome(ctx: EventContext): void {
    const delivery = ctx.delivery as unknown as RheaDelivery | undefined;
    if (!delivery) return;
    const pending = this.pending.get(delivery);
    if (!pending) return;
    if (!delivery.remote_state && !delivery.remote_settled) return;
    this.pending.delete(delivery);
    clearTimeout(pending.timer);
    pending.resolve(delivery.remote_state);
  }

  private end(error: TransactionError): void {
    this.ended ??= error;
    this.unobserveSession?.();
    this.unobserveSession = undefined;
    for (const [delivery, pending] of this.pending) {
      this.pending.delete(delivery);
      clearTimeout(pending.timer);
      pending.reject(new TransactionError(error.condition, error.description, pending.operation));
    }
  }
}

export class Transaction {
  /** Transfer state for transactional posting: transactional-state {txn-id}. */
  private readonly postState: Typed;
  /** Disposition state for transactional acceptance: transactional-state {txn-id, accepted}. */
  private readonly acceptState: Typed;
  private sent: RheaDelivery[] = [];
  private accepted: RheaDelivery[] = [];

  /** @internal created by TransactionController.declare(). */
  constructor(
    private readonly controller: TransactionController,
    readonly id: Buffer,
  ) {
    this.postState = transactionalStateValue(id);
    this.acceptState = transactionalStateValue(id, 'accepted');
  }

  /**
   * Sends on `sender` under this transaction (transfer state: transactional-state
   * {txn-id}). `message` is a rhea message object or pre-encoded sections
   * (format 0). The peer's outcome arrives as usual (`accepted`, `rejected`
   * events), with `delivery.remote_state instanceof TransactionalState`.
   */
  send(sender: Sender, message: object | Buffer): Delivery {
    const tag = Buffer.from(`txn-${++tags}`);
    const payload = Buffer.isBuffer(message) ? message : encodeMessage(message);
    markTransactionalTransfer(tag, this.postState);
    const delivery = sender.send(payload, tag, 0);
    this.sent.push(delivery as unknown as RheaDelivery);
    return delivery;
  }

  /**
   * For a caller that sends with its own tags and counts its own outcomes (a
   * load generator's hot path): a transfer with `tag` carries this
   * transaction's state, and nothing is tracked per message. The caller must
   * have every outcome before it discharges; a tag marked again moves to the
   * new transaction.
   */
  mark(tag: Buffer): void {
    markTransactionalTransfer(tag, this.postState);
  }

  /** Accepts a received delivery under this transaction, settled now; the discharge decides its fate. */
  accept(delivery: Delivery): void {
    const d = delivery as unknown as RheaDelivery;
    d.update(true, this.acceptState);
    this.accepted.push(d);
  }

  /**
   * Discharge with fail=false. Rejects with TransactionError (e.g. amqp:transaction:rollback,
   * amqp:transaction:unknown-id).
   */
  commit(): Promise<void> {
    return this.discharge(false);
  }

  /** Discharge with fail=true. */
  rollback(): Promise<void> {
    return this.discharge(true);
  }

  private async discharge(fail: boolean): Promise<void> {
    const operation = fail ? 'rollback' : 'commit';
    const sent = this.sent;
    this.sent = [];
    await outcomesOf(sent, this.controller.timeoutMs, operation);
    const accepted = this.accepted;
    this.accepted = [];
    // rhea writes a pass's transfers before its dispositions: let the pass that carries the
    // accepts (scheduled with process.nextTick when they were made) run before the discharge.
    if (accepted.length > 0) await new Promise<void>((resolve) => process.nextTick(resolve));
    await this.controller.discharge(this.id, fail);
  }
}

/** An outcome came back, or none will: the delivery was sent pre-settled. */
function hasOutcome(delivery: RheaDelivery): boolean {
  return Boolean(delivery.remote_state || delivery.remote_settled || delivery.settled);
}

/** Resolves once every delivery has a remote state or was settled (rejects after timeoutMs). */
function outcomesOf(deliveries: RheaDelivery[], timeoutMs: number, operation: string): Promise<void> {
  let waiting = deliveries.filter((d) => !hasOutcome(d));
  if (waiting.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const unsubscribes: (() => void)[] = [];
    const finish = (error?: TransactionError): void => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const check = (): void => {
      waiting = waiting.filter((d) => !hasOutcome(d));
      if (waiting.length === 0) finish();
    };
    const timer = setTimeout(
      () =>
        finish(
          new TransactionError(
            'amqp:transaction:timeout',
            `${waiting.length} message(s) sent under the transaction still have no outcome after ${timeoutMs} ms`,
            operation,
          ),
        ),
      timeoutMs,
    );
    const links = new Set(waiting.map((d) => d.link).filter((link): link is object => Boolean(link)));
    for (const link of links) {
      unsubscribes.push(
        observeLink(link, ['accepted', 'rejected', 'released', 'modified', 'settled', 'transactional_state'], check),
      );
    }
  });
}

function refusalOf(
  state: RheaDelivery['remote_state'] | undefined,
  operation: string,
  fallbackCondition: string,
  fallbackDescription: string,
): TransactionError {
  const error = state?.error;
  if (error?.condition)
    return new TransactionError(String(error.condition), String(error.description ?? ''), operation);
  const outcome = stateName(state);
  return new TransactionError(
    fallbackCondition,
    outcome ? `${fallbackDescription} (outcome ${outcome})` : `${fallbackDescription} (no outcome)`,
    operation,
  );
}
