import { describe, expect, it } from 'vitest';
import { SalvoError } from '../../src/errors.js';
import { ConnectionScopedError, failureOf } from '../../workers/link-errors.js';

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
