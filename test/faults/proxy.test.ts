import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../src/faults/index.js';
import { parseFaultSpec } from '../../src/plan/index.js';
import { sleep, waitForEvent, within } from '../helpers/wait.js';
import { Received, connectTo, echoServer, pattern, quietServer, roundTripMs, until } from './servers.js';
import type { TestServer } from './servers.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setUp(server: Promise<TestServer>, spec?: string): Promise<{ server: TestServer; proxy: FaultProxy }> {
  const started = await server;
  cleanups.push(() => started.close());
  const standing = spec === undefined ? [] : parseFaultSpec(spec).standing;
  const proxy = await FaultProxy.start({ targetHost: '127.0.0.1', targetPort: started.port, standing, seed: 7 });
  cleanups.push(() => proxy.stop());
  return { server: started, proxy };
}

async function client(port: number): Promise<Socket> {
  const socket = await connectTo(port);
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  return socket;
}

describe('FaultProxy', () => {
  it('forwards both ways unchanged with no fault, and counts its pairs', async () => {
    const { proxy } = await setUp(echoServer());
    const socket = await client(proxy.port);
    const received = new Received(socket);
    const sent = pattern(1024 * 1024);
    socket.write(sent);
    await until(() => received.length >= sent.length, 10_000, 'the echo of 1 MiB');
    expect(received.bytes().equals(sent)).toBe(true);
    expect(proxy.connectionCount).toBe(1);
    expect(proxy.faults()).toEqual([]);
  });

  it('reset: both peers see ECONNRESET and the fault is recorded', async () => {
    const { server, proxy } = await setUp(quietServer());
    const sockets = [await client(proxy.port), await client(proxy.port)];
    await until(() => server.accepted.length === 2, 5000, 'two upstream connections');
    const clientErrors = sockets.map((socket) => waitForEvent<NodeJS.ErrnoException>(socket, 'error'));
    const serverErrors = server.accepted.map((socket) => waitForEvent<NodeJS.ErrnoException>(socket, 'error'));
    const record = proxy.inject({ kind: 'reset' });
    for (const error of await Promise.all([...clientErrors, ...serverErrors])) expect(error.code).toBe('ECONNRESET');
    expect(record).toMatchObject({ kind: 'reset', target: 'all connections (2)', effect: '2 connections reset' });
    await until(() => proxy.connectionCount === 0, 2000, 'pairs forgotten');
    // The listener stays: a client may connect again after a reset.
    await client(proxy.port);
    await until(() => server.accepted.length === 3, 5000, 'a new upstream connection after the reset');
    expect(proxy.connectionCount).toBe(1);
  });

  it('blackhole: no byte passes for its duration, then everything does, nothing lost', async () => {
    const { proxy } = await setUp(echoServer());
    const socket = await client(proxy.port);
    const received = new Received(socket);
    await roundTripMs(socket, received);
    const record = proxy.inject({ kind: 'blackhole', durationMs: 600 });
    const started = performance.now();
    const sent = pattern(100_000);
    socket.write(sent);
    await sleep(300);
    expect(received.length).toBe(4);
    expect(socket.destroyed).toBe(false);
    await until(() => received.length >= 4 + sent.length, 5000, 'the bytes held by the blackhole');
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
    expect(received.bytes().subarray(4).equals(sent)).toBe(true);
    expect(record).toMatchObject({ kind: 'blackhole', target: 'all connections (1)' });
    expect(record.effect).toContain('600 ms');
  });

  it('blackhole also holds bytes already queued by latency', async () => {
    const { server, proxy } = await setUp(quietServer(), 'latency 100ms up');
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const received = new Received(server.accepted[0]);
    const sent = pattern(50_000);
    socket.write(sent);
    await sleep(20);
    const started = performance.now();
    proxy.inject({ kind: 'blackhole', durationMs: 500 });
    await sleep(300);
    expect(received.length).toBe(0);
    await until(() => received.length >= sent.length, 5000, 'the bytes held by latency and blackhole');
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect(received.bytes().equals(sent)).toBe(true);
  });

  it('blackhole holds a connection opened during it', async () => {
    const { proxy } = await setUp(echoServer());
    proxy.inject({ kind: 'blackhole', durationMs: 500 });
    const started = performance.now();
    const socket = await client(proxy.port);
    const received = new Received(socket);
    socket.write('late');
    await until(() => received.length >= 4, 5000, 'echo after the blackhole');
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
  });

  it('latency 50ms adds at least 100 ms to a round trip (50 each way)', async () => {
    const direct = await echoServer();
    cleanups.push(() => direct.close());
    const { proxy } = await setUp(echoServer(), 'latency 50ms');
    const plain = await client(direct.port);
    const plainReceived = new Received(plain);
    const delayed = await client(proxy.port);
    const delayedReceived = new Received(delayed);
    const directMs = await roundTripMs(plain, plainReceived);
    const proxiedMs = await roundTripMs(delayed, delayedReceived);
    expect(proxiedMs).toBeGreaterThanOrEqual(100 - 1);
    expect(proxiedMs).toBeGreaterThan(directMs);
    expect(proxy.faults()).toEqual([
      { atMs: 0, kind: 'latency', target: 'all connections', effect: '50 ms added, both directions' },
    ]);
  });

  it('releaseLateness: how late each delayed chunk was written after its due, not the delay itself', async () => {
    const { proxy } = await setUp(echoServer(), 'latency 30ms');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    for (let i = 0; i < 10; i++) expect(await roundTripMs(socket, received)).toBeGreaterThanOrEqual(60 - 1);
    const lateness = proxy.releaseLateness()!;
    // Each ping goes up and comes back down as one chunk each way: 20 releases, 20 records.
    expect(lateness.count).toBe(20);
    expect(lateness.p50).toBeLessThanOrEqual(lateness.p99);
    expect(lateness.p99).toBeLessThanOrEqual(lateness.max);
    // write - due, not write - read: far below the 30 ms each chunk was held.
    expect(lateness.max).toBeLessThan(30_000);
  });

  it('releaseLateness: null with no latency; chunks a blackhole held late are not counted', async () => {
    const plain = await setUp(echoServer());
    const plainSocket = await client(plain.proxy.port);
    await roundTripMs(plainSocket, new Received(plainSocket));
    expect(plain.proxy.releaseLateness()).toBeNull();

    const { proxy } = await setUp(echoServer(), 'latency 50ms up');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    socket.write('held');
    // Read and queued by latency, then held past its due by the blackhole.
    await sleep(20);
    proxy.inject({ kind: 'blackhole', durationMs: 400 });
    await until(() => received.length >= 4, 5000, 'the echo of the chunk the blackhole held');
    expect(proxy.releaseLateness()).toBeNull();
    await roundTripMs(socket, received);
    const lateness = proxy.releaseLateness()!;
    expect(lateness.count).toBe(1);
    expect(lateness.max).toBeLessThan(400_000);
  });

  it('arm() counts lateness afresh, from measureFromMs after its origin on', async () => {
    const { proxy } = await setUp(echoServer(), 'latency 20ms');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    await roundTripMs(socket, received);
    expect(proxy.releaseLateness()?.count).toBe(2);
    proxy.arm([], performance.now(), 300);
    expect(proxy.releaseLateness()).toBeNull();
    // A round trip inside the first 300 ms (the warm-up) is forgotten at its end.
    await roundTripMs(socket, received);
    await sleep(350);
    expect(proxy.releaseLateness()).toBeNull();
    await roundTripMs(socket, received);
    expect(proxy.releaseLateness()?.count).toBe(2);
  });

  it('latency one way only, with jitter, keeps byte order', async () => {
    const { proxy } = await setUp(echoServer(), 'latency 20ms+30ms up');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    expect(await roundTripMs(socket, received)).toBeGreaterThanOrEqual(20 - 1);
    const sent = pattern(200 * 100);
    for (let i = 0; i < 200; i++) {
      socket.write(sent.subarray(i * 100, (i + 1) * 100));
      if (i % 20 === 0) await sleep(1);
    }
    await until(() => received.length >= 4 + sent.length, 10_000, 'all chunks');
    expect(received.bytes().subarray(4).equals(sent)).toBe(true);
  });

  it('bandwidth caps bytes per second in its direction', async () => {
    const { server, proxy } = await setUp(quietServer(), 'bandwidth 64k/s down');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const sent = pattern(160 * 1024);
    const started = performance.now();
    server.accepted[0].write(sent);
    await until(() => received.length >= sent.length, 15_000, 'all bytes at 64 KiB/s');
    const elapsedMs = performance.now() - started;
    // 160 KiB at 64 KiB/s is 2.5 s, less one 50 ms burst; the upper bound only says it is not stuck.
    expect(elapsedMs).toBeGreaterThanOrEqual(2000);
    expect(elapsedMs).toBeLessThan(12_000);
    expect(received.bytes().equals(sent)).toBe(true);
    // The other direction is not limited.
    const upStarted = performance.now();
    const upReceived = new Received(server.accepted[0]);
    socket.write(sent);
    await until(() => upReceived.length >= sent.length, 5000, 'bytes upstream');
    expect(performance.now() - upStarted).toBeLessThan(1000);
  });

  it('close-after-bytes ends the pair after exactly that many bytes', async () => {
    const { server, proxy } = await setUp(quietServer(), 'close-after-bytes 4k');
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const upstream = server.accepted[0];
    const upReceived = new Received(upstream);
    const upstreamEnded = waitForEvent(upstream, 'end');
    const clientEnded = waitForEvent(socket, 'end');
    socket.write(pattern(3000));
    await until(() => upReceived.length === 3000, 5000, 'the first 3000 bytes');
    socket.write(pattern(7000));
    await within(Promise.all([upstreamEnded, clientEnded]), 5000, 'both peers ended');
    expect(upReceived.length).toBe(4096);
    expect(proxy.faults()).toEqual([
      {
        atMs: 0,
        kind: 'close-after-bytes',
        target: 'all connections',
        effect: 'each connection closed after 4096 bytes',
      },
      {
        atMs: expect.any(Number),
        kind: 'close-after-bytes',
        target: 'connection 1',
        effect: 'closed after 4096 bytes',
      },
    ]);
  });

  it('arm() injects a timeline at its times, stamped from the arming', async () => {
    const { server, proxy } = await setUp(quietServer());
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const reset = waitForEvent<NodeJS.ErrnoException>(socket, 'error');
    const armed = performance.now();
    proxy.arm([{ atMs: 200, kind: 'reset' }]);
    expect((await reset).code).toBe('ECONNRESET');
    expect(performance.now() - armed).toBeGreaterThanOrEqual(199);
    const [record] = proxy.faults();
    expect(record.kind).toBe('reset');
    expect(record.atMs).toBeGreaterThanOrEqual(200);
  });
});
