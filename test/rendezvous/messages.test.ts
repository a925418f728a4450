import { describe, expect, it } from 'vitest';
import { type ControlMessage, encodeControl, readControl } from '../../src/rendezvous/messages.js';

describe('control messages', () => {
  it('read back what was encoded, for this run only', () => {
    const go = { kind: 'go', startAtUs: 12.5, nonces: ['a', 'b'], offsetsUs: [0, -400_000.5], boundsUs: [0, 150] };
    const body = encodeControl('run-1', go as ControlMessage);
    expect(readControl(body, 'run-1')).toEqual(go);
    expect(readControl(body, 'run-2')).toBeUndefined();
  });

  it('ignore what another tool or a malformed writer left on the address', () => {
    for (const body of [
      'hello',
      Buffer.from('x'),
      42,
      '{"salvoControl":1,"runId":"run-1","message":{"kind":"ready","index":"1"}}',
      '{"salvoControl":1,"runId":"run-1","message":{"kind":"launch"}}',
      // A GO whose offsets do not cover every shard: a receiver could not correct what that shard sent.
      '{"salvoControl":1,"runId":"run-1","message":{"kind":"go","startAtUs":1,"nonces":["a","b"],"offsetsUs":[0],"boundsUs":[0,1]}}',
      '[]',
    ])
      expect(readControl(body, 'run-1')).toBeUndefined();
  });
});

describe("a shard's result in chunks", () => {
  it('is put back together whatever the order, once per part, from the process that sent first', async () => {
    const { ResultAssembly } = await import('../../src/rendezvous/result-assembly.js');
    const assembly = new ResultAssembly(3);
    const chunk = (index: number, part: number, text: string, nonce = 'a') =>
      ({ kind: 'result-chunk', index, nonce, part, parts: 2, text }) as const;
    assembly.add(chunk(2, 1, 'world'));
    assembly.add(chunk(2, 1, 'WORLD')); // a redelivery does not overwrite
    assembly.add(chunk(2, 0, 'XX', 'other')); // another process for index 2
    expect(assembly.missing()).toEqual([1, 2]);
    assembly.add(chunk(2, 0, 'hello '));
    expect(assembly.missing()).toEqual([1]);
    expect(assembly.texts()).toEqual(new Map([[2, 'hello world']]));
  });
});
