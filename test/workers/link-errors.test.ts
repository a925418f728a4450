import { describe, expect, it } from 'vitest';
import { SalvoError } from '../../src/errors.js';
import type { EventContext } from 'rhea';
import { ConnectionScopedError, failureOf, linkRefusal } from '../../workers/link-errors.js';

describe('failureOf', () => {
  it("keeps the connection an error happened on, and the wrapped error's code and text", () => {
    const error = new SalvoError('unreachable', 'cannot connect to amqp://h:1: connection refused');
    expect(failureOf(new ConnectionScopedError(error, 2))).toEqual({
      code: 'unreachable',
      message: 'cannot connect to amqp://h:1: connection refused',
      condition: undefined,
      connection: 2,
    });
    expect(failureOf(new ConnectionScopedError(new Error('boom'), 0))).toMatchObject({
      code: 'internal',
      message: 'boom',
      connection: 0,
    });
  });

  it('names no connection for an error of the worker as a whole', () => {
    expect(failureOf(new Error('boom'))).not.toHaveProperty('connection');
  });
});

describe('linkRefusal', () => {
  const detached = (condition?: string, description?: string): EventContext =>
    ({ sender: { error: { condition, description } } }) as unknown as EventContext;

  it('a refused attach (nothing went through): names the address and the condition', () => {
    expect(linkRefusal(detached('amqp:not-found', 'no such queue'), 'q', 0)).toEqual({
      code: 'refused',
      message: 'the broker refused address "q": amqp:not-found: no such queue',
      condition: 'amqp:not-found',
      connection: 0,
    });
    const traffic = { role: 'sending', messages: 0, unsettled: 0 } as const;
    expect(linkRefusal(detached('amqp:not-found'), 'q', 1, traffic).message).toBe(
      'the broker refused address "q": amqp:not-found',
    );
    expect(linkRefusal(detached(), 'q', 0).message).toBe(
      'the broker refused address "q": detached, no condition given',
    );
  });

  it('a link that worked: says it was closed after its messages, what was awaiting an outcome, and why', () => {
    const sending = { role: 'sending', messages: 1_536, unsettled: 1, durable: true } as const;
    expect(linkRefusal(detached('amqp:precondition-failed', 'not durable here'), 'q', 0, sending).message).toBe(
      'the broker closed the sending link to "q" after 1,536 messages, refusing 1 durable message awaiting its ' +
        'outcome: amqp:precondition-failed: not durable here',
    );
    const receiving = { role: 'receiving', messages: 7 } as const;
    expect(linkRefusal(detached('amqp:internal-error', 'boom'), 'q', 0, receiving).message).toBe(
      'the broker closed the receiving link from "q" after 7 messages: amqp:internal-error: boom',
    );
  });
});
