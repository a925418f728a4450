import { describe, expect, it } from 'vitest';
import {
  isTransientConnectFailure,
  RECONNECT_FIRST_MS,
  RECONNECT_MAX_MS,
  reconnectDelayMs,
} from '../../src/amqp/reconnect.js';
import { mulberry32 } from '../../src/plan/index.js';

describe('reconnectDelayMs', () => {
  it('doubles from the first step to the cap, each wait within the upper half of its step', () => {
    const random = mulberry32(11);
    for (let attempt = 0; attempt < 40; attempt++) {
      const step = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const ms = reconnectDelayMs(attempt, random);
        expect(ms).toBeGreaterThanOrEqual(step / 2);
        expect(ms).toBeLessThanOrEqual(step);
      }
    }
  });

  it('is jittered: connections cut by one reset do not all come back in the same millisecond', () => {
    const random = mulberry32(3);
    const waits = new Set(Array.from({ length: 100 }, () => reconnectDelayMs(4, random)));
    expect(waits.size).toBeGreaterThan(50);
  });
});

describe('isTransientConnectFailure', () => {
  it('tries again after a refused, reset or closed socket, never after TLS, SASL or name failures', () => {
    expect(isTransientConnectFailure('cannot connect to amqp://127.0.0.1:5672: connection refused')).toBe(true);
    expect(isTransientConnectFailure('cannot connect to amqp://127.0.0.1:5672: connection reset by the peer')).toBe(
      true,
    );
    expect(isTransientConnectFailure('cannot connect to amqp://127.0.0.1:5672: connection closed by the peer')).toBe(
      true,
    );
    expect(
      isTransientConnectFailure('cannot connect to amqp://h:5672: authentication failed (SASL outcome 1: auth)'),
    ).toBe(false);
    expect(isTransientConnectFailure('cannot connect to amqps://h:5671: the server certificate is not trusted')).toBe(
      false,
    );
    expect(isTransientConnectFailure('cannot connect to amqp://nowhere:5672: host not found')).toBe(false);
  });
});
