import { describe, expect, it } from 'vitest';
import { encodeControl, readControl } from '../../src/rendezvous/messages.js';

describe('control messages', () => {
  it('read back what was encoded, for this run only', () => {
    const body = encodeControl('run-1', { kind: 'go', startAtUs: 12.5, nonces: ['a', 'b'] });
    expect(readControl(body, 'run-1')).toEqual({ kind: 'go', startAtUs: 12.5, nonces: ['a', 'b'] });
    expect(readControl(body, 'run-2')).toBeUndefined();
  });

  it('ignore what another tool or a malformed writer left on the address', () => {
    for (const body of [
      'hello',
      Buffer.from('x'),
      42,
      '{"salvoControl":1,"runId":"run-1","message":{"kind":"ready","index":"1"}}',
      '{"salvoControl":1,"runId":"run-1","message":{"kind":"launch"}}',
      '[]',
    ])
      expect(readControl(body, 'run-1')).toBeUndefined();
  });
});
