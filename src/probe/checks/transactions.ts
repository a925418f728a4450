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
import type { Connection, EventContext, Sender } from 'rhea';
import { TransactionController, TransactionError } from '../../amqp/transactions/index.js';
import type { Transaction } from '../../amqp/transactions/index.js';
import type { ProbeSession } from '../links.js';
import { newTag, probeMessage, tagOf } from '../messages.js';
import type { Check, CheckOutcome, ProbeContext } from '../types.js';

export const transactionsCheck: Check = {
  name: 'transactions',
  async run(context) {
    let controller: TransactionController;
    const sessionEnd = sessionEndOf(context.connection);
    try {
      controller = await Promise.race([
        TransactionController.attach(context.connection, { timeoutMs: context.stepTimeoutMs }),
        sessionEnd.ended,
      ]);
    } catch (error) {
      return refusal('coordinator ', error);
    } finally {
      sessionEnd.stop();
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
    return refusal('', error);
  }
  if (!Buffer.isBuffer(first.id) || first.id.length === 0) {
    return { status: 'fake', detail: 'declare answered without a txn-id' };
  }
  const txnId = `txn-id ${formatTxnId(first.id)}`;
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
    if (isRefusal(error)) return refusal(`${txnId}; `, error);
    throw error;
  }
  const receiver = await session.openReceiver({ source: { address }, credit_window: 10 });
  const { found, before } = await receiver.until((message) => tagOf(message) === committed);
  if (before.some((message) => tagOf(message) === rolledBack)) {
    return { status: 'fake', detail: `${txnId}; declared, but the rolled-back message arrived` };
  }
  if (!found)
    return {
      status: 'no',
      detail: `${txnId}; the committed message did not arrive within ${context.stepTimeoutMs} ms`,
    };
  return { status: 'yes', detail: `${txnId}; rolled-back message never arrived, committed one did` };
}

/** Sends in a transaction once there is credit (commit and rollback wait for its outcome). */
async function sendIn(session: ProbeSession, transaction: Transaction, sender: Sender, tag: string): Promise<void> {
  await session.credit(sender);
  transaction.send(sender, probeMessage(tag));
}

/** A TransactionError the peer caused (not a timeout of ours). */
function isRefusal(error: unknown): error is TransactionError {
  return error instanceof TransactionError && error.condition !== TIMEOUT_CONDITION;
}

/**
 * The peer's no, as a result: 'fake' when a declare was answered with a
 * plain `accepted` (a broker that took it for an ordinary message),
 * 'refused' otherwise. Anything else is rethrown and reported as 'error'.
 */
function refusal(prefix: string, error: unknown): CheckOutcome {
  if (!isRefusal(error)) throw error;
  if (error.operation === 'declare' && /\(outcome accepted\)/.test(error.description)) {
    return { status: 'fake', detail: `${prefix}declare answered with accepted, not declared: no transaction exists` };
  }
  return { status: 'refused', detail: `${prefix}${error.message}` };
}

const TIMEOUT_CONDITION = 'amqp:transaction:timeout';

/**
 * RabbitMQ 3.10 answers a coordinator attach by ending the whole session
 * (amqp:not-implemented "Transactions not supported"), which the controller
 * does not watch for; the controller's link is on the connection's default
 * session, whose events reach connection-level listeners.
 */
function sessionEndOf(connection: Connection): { ended: Promise<never>; stop(): void } {
  let onEnd: ((context: EventContext) => void) | undefined;
  const ended = new Promise<never>((_, reject) => {
    onEnd = (context) => {
      const error = (context.session?.error ?? {}) as { condition?: unknown; description?: unknown };
      reject(
        new TransactionError(
          String(error.condition ?? 'amqp:session:ended'),
          String(error.description ?? 'the peer ended the session'),
          'attach',
        ),
      );
    };
    connection.on('session_error', onEnd);
    connection.on('session_close', onEnd);
  });
  ended.catch(() => undefined);
  return {
    ended,
    stop: () => {
      if (!onEnd) return;
      connection.off('session_error', onEnd);
      connection.off('session_close', onEnd);
    },
  };
}

/** A txn-id as text when it is printable (Artemis uses UUID text), else hex. */
function formatTxnId(id: Buffer): string {
  const text = id.toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? JSON.stringify(text) : `0x${id.toString('hex')}`;
}
