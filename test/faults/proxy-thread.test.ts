import type { Connection, EventContext } from 'rhea';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxyThread } from '../../src/faults/index.js';
import { faultTimeline, parseFaultSpec, splitTimeline } from '../../src/plan/index.js';
import type { ProxyThread } from '../../src/faults/index.js';
import type { ProxyEvent } from '../../src/plan/index.js';
import type { SalvoError } from '../../src/errors.js';
import {
  closeClients,
  collect,
  connect,
  endpointOf,
  numbered,
  openReceiver,
  openSender,
  queueName,
  sendAll,
} from '../helpers/amqp.js';
import { withBroker } from '../helpers/broker.js';
import { waitForEvent, within } from '../helpers/wait.js';

afterEach(() => closeClients());

async function throughProxy<T>(spec: string | null, body: (proxy: ProxyThread, url: string) => Promise<T>): Promise<T> {
  return withBroker({}, async (broker) => {
    const { host, port } = endpointOf(broker.url);
    const proxy = await startProxyThread({
      targetHost: host,
      targetPort: port,
      standing: spec === null ? [] : parseFaultSpec(spec).standing,
      seed: 3,
    });
    try {
      return await body(proxy, `amqp://${proxy.host}:${proxy.port}`);
    } finally {
      await proxy.stop();
    }
  });
}

function disconnected(connection: Connection): Promise<EventContext> {
  return waitForEvent<EventContext>(connection as unknown as NodeJS.EventEmitter, 'disconnected', 5000);
}

describe('fault proxy thread', () => {
  it('carries AMQP to the embedded broker and back; its stop tells how late it wrote the delayed chunks', async () => {
    await throughProxy('latency 5ms', async (proxy, url) => {
      const connection = await connect(url);
      const address = queueName('through-proxy');
      const receiver = await openReceiver(connection, address);
      const sender = await openSender(connection, address);
      const arriving = collect(receiver, 50);
      const outcomes = await sendAll(sender, numbered(50));
      expect(outcomes.accepted).toBe(50);
      const received = await arriving;
      expect(received.map((r) => r.message.body)).toEqual(numbered(50).map((m) => m.body));
      expect(proxy.releaseLateness()).toBeNull();
      await proxy.stop();
      // Every chunk both ways was delayed: the protocol headers, open, attach, the pipelined transfers (coalesced into
      // few chunks).
      const lateness = proxy.releaseLateness()!;
      expect(lateness.count).toBeGreaterThanOrEqual(4);
      expect(lateness.p50).toBeLessThan(5_000);
    });
  });

  it('a reset injected through the thread disconnects a rhea client, and stop() returns the record', async () => {
    const faults = await withBroker({}, async (broker) => {
      const { host, port } = endpointOf(broker.url);
      const proxy = await startProxyThread({ targetHost: host, targetPort: port });
      const connection = await connect(`amqp://${proxy.host}:${proxy.port}`);
      const lost = disconnected(connection);
      const record = await proxy.inject({ kind: 'reset' });
      expect(record).toMatchObject({ kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' });
      const context = await lost;
      expect(String((context as { error?: unknown }).error)).toMatch(/ECONNRESET/);
      // The broker saw its side reset too: its connection count falls to none.
      await within(
        (async () => {
          while ((await broker.stats()).connections > 0) await new Promise((r) => setTimeout(r, 20));
        })(),
        5000,
        'broker connection closed',
      );
      return proxy.stop();
    });
    expect(faults).toEqual([
      { atMs: expect.any(Number), kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' },
    ]);
  });

  it('a thread that dies after its start is told once, as one line, and stop() rejects with the same error', async () => {
    const proxy = await startProxyThread({ targetHost: '127.0.0.1', targetPort: 1 });
    const told: SalvoError[] = [];
    const first = new Promise<SalvoError>((resolve) =>
      proxy.onFailure((error) => {
        told.push(error);
        resolve(error);
      }),
    );
    // A timeline it cannot read makes the thread throw: any uncaught error there stands for a crash.
    proxy.arm([null] as unknown as ProxyEvent[]);
    const error = await within(first, 5000, 'the crash told');
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/^fault proxy crashed: [^\n]+$/);
    await expect(proxy.stop()).rejects.toBe(error);
    // The thread's exit after its error is the same crash, not a second one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told).toEqual([error]);
  });

  it('a thread stopped on purpose is no crash', async () => {
    const proxy = await startProxyThread({ targetHost: '127.0.0.1', targetPort: 1 });
    const told: SalvoError[] = [];
    proxy.onFailure((error) => told.push(error));
    await expect(proxy.stop()).resolves.toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told).toEqual([]);
  });

  it('an armed timeline from the schedule resets the client at its time', async () => {
    await throughProxy(null, async (proxy, url) => {
      const connection = await connect(url);
      const lost = disconnected(connection);
      const timeline = splitTimeline(faultTimeline(parseFaultSpec('reset at 300ms'), 1, 10_000)).proxy;
      const armedAt = Date.now();
      proxy.arm(timeline);
      await lost;
      expect(Date.now() - armedAt).toBeGreaterThanOrEqual(290);
    });
  });
});
