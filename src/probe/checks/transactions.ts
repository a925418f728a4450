/**
 * transactions: a coordinator link, a real declare (a txn-id comes back),
 * then a message sent in a transaction that is rolled back and one sent in a
 * transaction that is committed. The queue is FIFO: if the rolled-back
 * message shows up at all, it shows up before the committed one.
 *   rollback invisible, commit visible -> yes
 *   coordinator or declare refused     -> refused (with the condition)
 *   declared, but rollback visible     -> fake
 *   no txn-id, or commit not visible   -> fake / no
 */
import { SalvoError } from '../../errors.js';
import type { Delivery, Sender } from 'rhea';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check, CheckOutcome, ProbeContext } from '../types.js';
import type { ProbeSession } from '../links.js';

/** The part of src/amqp/transactions this check uses. */
interface Transaction {
  readonly id: Buffer;
  send(sender: Sender, message: object | Buffer): Delivery;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}
interface TransactionController {
  declare(): Promise<Transaction>;
  close(): void;
}
interface TransactionsModule {
  TransactionController: { attach(connection: unknown, options?: { timeoutMs?: number }): Promise<TransactionController> };
}

export const transactionsCheck: Check = {
  name: 'transactions',
  async run(context) {
    const transactions = await loadTransactions();
    if (!transactions) return { status: 'error', detail: 'salvo was built without its transactions module (src/amqp/transactions)' };
    let controller: TransactionController;
    try {
      controller = await transactions.TransactionController.attach(context.connection, { timeoutMs: context.stepTimeoutMs });
    } catch (error) {
      return refusal('coordinator attach refused', error);
    }
    try {
      return await rollbackThenCommit(context, controller);
    } finally {
      controller.close();
    }
  },
};

async function rollbackThenCommit(context: ProbeContext, controller: TransactionController): Promise<CheckOutcome> {
  const session = context.session();
  const address = context.address('transactions');
  let first: Transaction;
  try {
    first = await session.within(controller.declare(), 'declare');
  } catch (error) {
    return refusal('declare refused', error);
  }
  if (!Buffer.isBuffer(first.id) || first.id.length === 0) {
    return { status: 'fake', detail: 'declare answered without a txn-id' };
  }
  const txnId = `txn-id 0x${first.id.toString('hex')}`;
  const sender = await session.openSender({ target: { address } });
  const rolledBack = newTag('transactions-rolled-back');
  const committed = newTag('transactions-committed');
  try {
    await sendIn(session, first, sender, rolledBack);
    await session.within(first.rollback(), 'rollback');
    const second = await session.within(controller.declare(), 'second declare');
    await sendIn(session, second, sender, committed);
    await session.within(second.commit(), 'commit');
  } catch (error) {
    if (isRefusal(error)) return refusal(`${txnId}; then`, error);
    throw error;
  }
  const receiver = await session.openReceiver({ source: { address }, credit_window: 10 });
  const { found, before } = await receiver.until((message) => tagOf(message) === committed);
  if (before.some((message) => tagOf(message) === rolledBack)) {
    return { status: 'fake', detail: `${txnId}; declared, but the rolled-back message arrived` };
  }
  if (!found) return { status: 'no', detail: `${txnId}; the committed message did not arrive within ${context.stepTimeoutMs} ms` };
  return { status: 'yes', detail: `${txnId}; rolled-back message never arrived, committed one did` };
}

/** Sends in a transaction and waits (briefly) for the broker to take it before discharging. */
async function sendIn(session: ProbeSession, transaction: Transaction, sender: Sender, tag: string): Promise<void> {
  await session.credit(sender);
  const delivery = transaction.send(sender, probeMessage(tag));
  try {
    await session.outcome(sender, delivery, 'the transactional send', Math.min(session.stepTimeoutMs, 1000));
  } catch {
    // Some brokers settle transactional transfers only at discharge; the check looks at the effect anyway.
  }
}

function isRefusal(error: unknown): error is SalvoError {
  return error instanceof SalvoError && error.condition !== undefined;
}

function refusal(what: string, error: unknown): CheckOutcome {
  if (isRefusal(error)) return { status: 'refused', detail: `${what}: ${error.condition} ${error.message}`.trim() };
  throw error;
}

async function loadTransactions(): Promise<TransactionsModule | undefined> {
  try {
    // @ts-ignore -- built alongside; until it lands the check reports 'error'.
    return (await import('../../amqp/transactions/index.js')) as unknown as TransactionsModule;
  } catch {
    return undefined;
  }
}
