/** The transaction types on the wire: built here, read back as a peer's rhea reads them. */
import { describe, expect, test } from 'vitest';
import rhea from 'rhea';
import {
  CoordinatorTarget,
  Declared,
  TransactionalState,
  coordinatorTargetValue,
  declareMessage,
  declaredValue,
  dischargeMessage,
  isDescribedAs,
  readControlPayload,
  readCoordinator,
  readDecodedControl,
  readDeclared,
  readTransactionalState,
  transactionalStateValue,
} from '../../../src/amqp/transactions/codec.js';
import type { Typed } from '../../../src/amqp/transactions/codec.js';
import { decodeMessage, encodeMessage } from '../../../src/amqp/rhea-patches/index.js';

type RheaTypes = {
  Writer: new () => { write(v: unknown): void; toBuffer(): Buffer };
  Reader: new (b: Buffer) => { read(): Typed };
};
const types = rhea.types as unknown as RheaTypes;

/** Encode then decode: the typed value exactly as it comes off the wire. */
function wire(value: Typed): Typed {
  const writer = new types.Writer();
  writer.write(value);
  return new types.Reader(writer.toBuffer()).read();
}

describe('transaction codec', () => {
  test('declare and discharge messages: an amqp-value section holding the described list', () => {
    expect(declareMessage()).toEqual(
      Buffer.from([0x00, 0x53, 0x77, 0x00, 0x53, 0x31, 0xd0, 0, 0, 0, 5, 0, 0, 0, 1, 0x40]),
    );
    expect(readControlPayload(declareMessage())).toEqual({ kind: 'declare', globalId: null });
    const id = Buffer.from('0123456789ab', 'hex');
    expect(readControlPayload(dischargeMessage(id, false))).toEqual({ kind: 'discharge', txnId: id, fail: false });
    expect(readControlPayload(dischargeMessage(id, true))).toEqual({ kind: 'discharge', txnId: id, fail: true });
  });

  test('controls with other sections before the body, and symbolic descriptors (as Proton sends them), are read', () => {
    const encoded = encodeMessage({ durable: false, message_id: 'ctl-1' });
    const header = encoded.subarray(0, encoded.length - 4); // header and properties, without rhea's null amqp-value
    const symbolic = new types.Writer();
    symbolic.write(
      rhea.types.described(
        rhea.types.wrap_symbol('amqp:discharge:list'),
        rhea.types.wrap_list([rhea.types.wrap_binary(Buffer.from('t1')), true]),
      ),
    );
    const payload = Buffer.concat([header, Buffer.from([0x00, 0x53, 0x77]), symbolic.toBuffer()]);
    expect(readControlPayload(payload)).toEqual({ kind: 'discharge', txnId: Buffer.from('t1'), fail: true });
  });

  test('malformed controls are reported, not thrown', () => {
    expect(readControlPayload(encodeMessage({ body: 'hello' }))).toMatchObject({ kind: 'malformed' });
    expect(readControlPayload(Buffer.from([0x00, 0x53]))).toMatchObject({ kind: 'malformed' });
    expect(readControlPayload(Buffer.from([0x42]))).toMatchObject({ kind: 'malformed' });
    const noId = Buffer.concat([
      Buffer.from([0x00, 0x53, 0x77]),
      (() => {
        const w = new types.Writer();
        w.write(rhea.types.described(rhea.types.wrap_ulong(0x32), rhea.types.wrap_list([null])));
        return w.toBuffer();
      })(),
    ]);
    expect(readControlPayload(noId)).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('txn-id') });
  });

  test("rhea's decoder loses the control's descriptor; the fallback tells declare from discharge by its fields", () => {
    const decoded = decodeMessage(dischargeMessage(Buffer.from('t9'), true)) as { body: unknown };
    expect(isDescribedAs(decoded.body, 0x32)).toBe(false); // why readControlPayload exists
    expect(readDecodedControl(decoded.body)).toEqual({ kind: 'discharge', txnId: Buffer.from('t9'), fail: true });
    expect(readDecodedControl((decodeMessage(declareMessage()) as { body: unknown }).body)).toEqual({
      kind: 'declare',
      globalId: null,
    });
  });

  test('declared, transactional-state and the coordinator target round-trip', () => {
    const id = Buffer.from('abcdef', 'hex');
    const declared = readDeclared(wire(declaredValue(id)));
    expect(declared).toBeInstanceOf(Declared);
    expect(declared.txnId.equals(id)).toBe(true);
    const posting = readTransactionalState(wire(transactionalStateValue(id)));
    expect(posting).toBeInstanceOf(TransactionalState);
    expect(posting.outcome).toBeNull();
    expect((posting.constructor as typeof TransactionalState).composite_type).toBe('transactional_state');
    const accepted = readTransactionalState(wire(transactionalStateValue(id, 'accepted')));
    expect(accepted).toBeInstanceOf(TransactionalState);
    expect(accepted.outcome?.name).toBe('accepted');
    // rhea dispatches the event named by composite_type: a transactional accept fires `accepted`.
    expect((accepted.constructor as typeof TransactionalState).composite_type).toBe('accepted');
    const target = readCoordinator(wire(coordinatorTargetValue()));
    expect(target).toBeInstanceOf(CoordinatorTarget);
    expect(target.capabilities).toEqual(['amqp:local-transactions']);
  });

  test('a transactional rejected outcome keeps its error', () => {
    const id = Buffer.from('01', 'hex');
    const value = rhea.types.described(
      rhea.types.wrap_ulong(0x34),
      rhea.types.wrap_list([
        rhea.types.wrap_binary(id),
        rhea.types.described(
          rhea.types.wrap_ulong(0x25),
          rhea.types.wrap_list([
            rhea.types.described(
              rhea.types.wrap_ulong(0x1d),
              rhea.types.wrap_list([rhea.types.wrap_symbol('amqp:not-allowed'), 'no']),
            ),
          ]),
        ),
      ]),
    );
    const state = readTransactionalState(wire(value as unknown as Typed));
    expect(state.outcome?.name).toBe('rejected');
    expect(state.outcome?.fields.error).toMatchObject({ condition: 'amqp:not-allowed', description: 'no' });
  });
});
