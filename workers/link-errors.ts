/**
 * What went wrong on a link or a connection, as the one-line text or the
 * WorkerFailure the coordinator turns into an exit code.
 */
import type { EventContext } from 'rhea';
import { describeError, SalvoError } from '../src/errors.js';
import type { WorkerFailure } from '../src/protocol/worker-messages.js';

/**
 * A refused attach: rhea raises it as an attach (so '*_open') followed by a detach with the error. `connection`: the
 * link's connection within its worker (0-based), which the coordinator names in the line.
 */
export function linkRefusal(ctx: EventContext, address: string, connection: number): WorkerFailure {
  const error = (ctx.sender ?? ctx.receiver)?.error as { condition?: string; description?: string } | undefined;
  const condition = error?.condition;
  const description = error?.description ?? condition ?? 'detached';
  const message = `the broker refused address ${JSON.stringify(address)}: ${description}`;
  return { code: 'refused', message, condition, connection };
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
