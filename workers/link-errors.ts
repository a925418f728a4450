/**
 * What went wrong on a link or a connection, as the one-line text or the
 * WorkerFailure the coordinator turns into an exit code.
 */
import type { EventContext } from 'rhea';
import { describeError, SalvoError } from '../src/errors.js';
import type { WorkerFailure } from '../src/protocol/worker-messages.js';

/**
 * What had gone through a link before the broker detached it with an error:
 * nothing means the attach itself was refused (rhea raises a refusal as an
 * attach, so '*_open', followed by a detach with the error).
 */
export interface LinkTraffic {
  role: 'sending' | 'receiving';
  /** Messages that had gone through it (sent, or received). */
  messages: number;
  /** Sending: messages still awaiting their outcome when it closed (what the broker refused). */
  unsettled?: number;
  /** Sending: the messages are durable (--msg-durable), which some brokers refuse (Qpid Broker-J's memory store). */
  durable?: boolean;
}

/**
 * A link the broker detached with an error, as the failure line: a refused
 * attach names the address; a link that worked and was then closed says so,
 * with what was in flight, so that a refused message is not read as a refused
 * address. The condition is always shown. `connection`: the link's connection
 * within its worker (0-based), which the coordinator names in the line.
 */
export function linkRefusal(
  ctx: EventContext,
  address: string,
  connection: number,
  traffic?: LinkTraffic,
): WorkerFailure {
  const error = (ctx.sender ?? ctx.receiver)?.error as { condition?: string; description?: string } | undefined;
  const condition = error?.condition;
  const why = [condition, error?.description].filter((part) => part !== undefined && part !== '').join(': ');
  const reason = why === '' ? 'detached, no condition given' : why;
  const message =
    traffic === undefined || traffic.messages === 0
      ? `the broker refused address ${JSON.stringify(address)}: ${reason}`
      : `${closedLinkText(address, traffic)}: ${reason}`;
  return { code: 'refused', message, condition, connection };
}

/** `the broker closed the sending link to "q" after 512 messages, refusing 3 durable messages awaiting their outcome`. */
function closedLinkText(address: string, traffic: LinkTraffic): string {
  const direction = traffic.role === 'sending' ? 'to' : 'from';
  const head = `the broker closed the ${traffic.role} link ${direction} ${JSON.stringify(address)} after ${count(traffic.messages, 'message')}`;
  const unsettled = traffic.unsettled ?? 0;
  if (unsettled === 0) return head;
  const kind = traffic.durable ? 'durable ' : '';
  return `${head}, refusing ${unsettled} ${kind}message${unsettled === 1 ? '' : 's'} awaiting ${unsettled === 1 ? 'its' : 'their'} outcome`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** An error that happened on one of the worker's connections (0-based), so that its failure line names it. */
export class ConnectionScopedError extends Error {
  constructor(
    readonly error: unknown,
    readonly connection: number,
  ) {
    super(describeError(error));
  }
}

interface ConnectionError {
  message?: string;
  description?: string;
  condition?: string;
  code?: string;
}

/** Why a connection went ('disconnected' or 'connection_error'), in a few words. */
export function connectionLossReason(ctx: EventContext): string {
  const error = (ctx.error ?? ctx.connection?.error) as ConnectionError | undefined;
  if (!error) return 'the socket closed';
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  return error.description ?? error.message ?? error.condition ?? 'closed';
}

/** The AMQP error condition the broker closed the connection with, if any. */
export function conditionOf(ctx: EventContext): string | undefined {
  const error = (ctx.error ?? ctx.connection?.error) as ConnectionError | undefined;
  return error?.condition;
}

/** Anything a worker caught, as the failure the coordinator turns into an exit code. */
export function failureOf(error: unknown): WorkerFailure {
  if (error instanceof ConnectionScopedError) return { ...failureOf(error.error), connection: error.connection };
  if (error instanceof SalvoError) {
    const code =
      error.code === 'usage' || error.code === 'unreachable' || error.code === 'refused' ? error.code : 'internal';
    return { code, message: error.message, condition: error.condition };
  }
  return { code: 'internal', message: describeError(error) };
}
