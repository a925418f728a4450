/** The broker's transaction core over the Queue API: no rhea, no sockets. */
import { describe, expect, test } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../src/amqp/rhea-patches/index.js';
import { Queue } from '../../../src/broker/queue.js';
import type { Consumer } from '../../../src/broker/queue.js';
import { StoredMessage } from '../../../src/broker/stored-message.js';
import { TransactionRegistry, UNKNOWN_ID } from '../../../src/broker/transactions/registry.js';

function message(body: string): StoredMessage {
  return new StoredMessage(encodeMessage({ body }));
}

function bodyOf(m: StoredMessage): unknown {
  return (decodeMessage(m.bytesToSend()) as { body?: unknown }).body;
}

/** A consumer with `credit`, recording what it is handed. */
function consumer(credit: number): Consumer & { got: StoredMessage[] } {
  const got: StoredMessage[] = [];
  return {
    got,
    accepts: null,
    available: () => credit - got.length,
    deliver: (m: StoredMessage) => {
      got.push(m);
    },
  };
}

/** Takes `n` messages off a queue the way a consumer does, returning them. */
function take(queue: Queue, n: number): StoredMessage[] {
  const c = consumer(n);
  queue.addConsumer(c);
  queue.removeConsumer(c);
  return c.got;
}

describe('TransactionRegistry', () => {
  test('declare gives distinct ids, open until discharged', () => {
    const registry = new TransactionRegistry();
    const a = registry.declare('c1');
    const b = registry.declare('c1');
    expect(a.length).toBe(12);
    expect(a.equals(b)).toBe(false);
    expect(registry.isOpen(a, 'c1')).toBe(true);
    expect(registry.openCount).toBe(2);
    expect(registry.commit(a, 'c1')).toEqual({ ok: true, posted: 0, acquired: 0 });
    expect(registry.isOpen(a, 'c1')).toBe(false);
    expect(registry.counters).toEqual({ declared: 2, committed: 1, rolledBack: 0 });
  });

  test('posted messages are invisible until commit, then enqueued in the order posted', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    const watcher = consumer(100);
    queue.addConsumer(watcher);
    const id = registry.declare('c1');
    for (const body of ['a', 'b', 'c']) expect(registry.post(id, 'c1', queue, message(body))).toBe(true);
    expect(watcher.got).toHaveLength(0);
    expect(queue.counters.enqueued).toBe(0);
    expect(registry.commit(id, 'c1')).toMatchObject({ ok: true, posted: 3 });
    expect(watcher.got.map(bodyOf)).toEqual(['a', 'b', 'c']);
    expect(queue.counters.enqueued).toBe(3);
  });

  test('rollback discards posted messages', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    const id = registry.declare('c1');
    registry.post(id, 'c1', queue, message('a'));
    expect(registry.rollback(id, 'c1')).toMatchObject({ ok: true, posted: 1 });
    expect(queue.depth).toBe(0);
    expect(queue.counters.enqueued).toBe(0);
  });

  test('acquired + accepted: commit removes and counts acknowledged', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    for (const body of ['a', 'b']) queue.enqueue(message(body));
    const [a, b] = take(queue, 2);
    const id = registry.declare('c1');
    const discharged: boolean[] = [];
    registry.acquire(id, 'c1', queue, a, { name: 'accepted' }, (fail) => discharged.push(fail));
    registry.acquire(id, 'c1', queue, b, { name: 'accepted' }, (fail) => discharged.push(fail));
    expect(queue.counters.acknowledged).toBe(0);
    registry.commit(id, 'c1');
    expect(queue.counters.acknowledged).toBe(2);
    expect(queue.depth).toBe(0);
    expect(discharged).toEqual([false, false]);
  });

  test('acquired + rollback: back at the head of the queue, in order, delivery-count + 1', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    for (const body of ['a', 'b', 'c', 'd']) queue.enqueue(message(body));
    const [a, b] = take(queue, 2);
    const id = registry.declare('c1');
    const discharged: boolean[] = [];
    // Acquired out of order: they still go back by their place in the queue.
    registry.acquire(id, 'c1', queue, b, { name: 'accepted' }, (fail) => discharged.push(fail));
    registry.acquire(id, 'c1', queue, a, { name: 'accepted' });
    registry.rollback(id, 'c1');
    expect(discharged).toEqual([true]);
    const all = take(queue, 4);
    expect(all.map(bodyOf)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.map((m) => m.deliveryCount)).toEqual([1, 1, 0, 0]);
    expect(all[0].decoded().delivery_count).toBe(1);
    expect(queue.counters).toMatchObject({ returned: 2, acknowledged: 0 });
  });

  test('other outcomes given under a transaction apply at commit', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    for (const body of ['rejected', 'released', 'failed', 'dropped']) queue.enqueue(message(body));
    const [rej, rel, failed, dropped] = take(queue, 4);
    const id = registry.declare('c1');
    registry.acquire(id, 'c1', queue, rej, { name: 'rejected' });
    registry.acquire(id, 'c1', queue, rel, { name: 'released' });
    registry.acquire(id, 'c1', queue, failed, { name: 'modified', deliveryFailed: true, undeliverableHere: false });
    registry.acquire(id, 'c1', queue, dropped, { name: 'modified', deliveryFailed: false, undeliverableHere: true });
    registry.commit(id, 'c1');
    expect(queue.counters).toMatchObject({ rejected: 1, dropped: 1, returned: 2 });
    const back = take(queue, 10);
    expect(back.map((m) => [bodyOf(m), m.deliveryCount])).toEqual([
      ['released', 0],
      ['failed', 1],
    ]);
  });

  test('unknown ids and other owners are refused', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    const id = registry.declare('c1');
    expect(registry.post(Buffer.from('nope'), 'c1', queue, message('x'))).toBe(false);
    expect(registry.post(id, 'c2', queue, message('x'))).toBe(false);
    expect(registry.acquire(id, 'c2', queue, message('x'), { name: 'accepted' })).toBe(false);
    const refused = registry.commit(Buffer.from('nope'), 'c1');
    expect(refused).toMatchObject({ ok: false, condition: UNKNOWN_ID });
    expect(registry.rollback(id, 'c2')).toMatchObject({ ok: false, condition: 'amqp:transaction:unknown-id' });
    expect(registry.isOpen(id, 'c1')).toBe(true);
    registry.commit(id, 'c1');
    expect(registry.commit(id, 'c1')).toMatchObject({ ok: false, condition: UNKNOWN_ID });
  });

  test('a dropped connection or a detached controller rolls back only its own transactions', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    const c1a = registry.declare('c1', 'c1/ctl-a');
    const c1b = registry.declare('c1', 'c1/ctl-b');
    const c2 = registry.declare('c2', 'c2/ctl');
    for (const id of [c1a, c1b]) registry.post(id, 'c1', queue, message('x'));
    registry.post(c2, 'c2', queue, message('kept'));
    expect(registry.rollbackController('c1/ctl-a')).toBe(1);
    expect(registry.isOpen(c1b, 'c1')).toBe(true);
    expect(registry.rollbackOwner('c1')).toBe(1);
    expect(registry.openCount).toBe(1);
    registry.commit(c2, 'c2');
    expect(take(queue, 10).map(bodyOf)).toEqual(['kept']);
    expect(registry.counters).toEqual({ declared: 3, committed: 1, rolledBack: 2 });
  });

  test('concurrent transactions are independent', () => {
    const registry = new TransactionRegistry();
    const queue = new Queue('q', 0);
    const t1 = registry.declare('c1');
    const t2 = registry.declare('c1');
    registry.post(t1, 'c1', queue, message('one'));
    registry.post(t2, 'c1', queue, message('two'));
    registry.rollback(t2, 'c1');
    registry.commit(t1, 'c1');
    expect(take(queue, 10).map(bodyOf)).toEqual(['one']);
  });
});
