/**
 * The toxiproxy backend against a real toxiproxy v2.5.0 server
 * (scripts/faults/toxiproxy.sh start; .ci/run sets SALVO_TOXIPROXY_URL). The
 * pure parts (option parsing, fault -> toxic mapping) and the unreachable-API
 * error need no server and always run.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { SalvoError } from '../../src/errors.js';
import { standingToxics, startToxiproxy } from '../../src/faults/index.js';
import { faultTimeline, parseFaultSpec, parseFaultsVia, splitTimeline } from '../../src/plan/index.js';
import type { ToxiproxyThread } from '../../src/faults/index.js';
import type { Connection, EventContext } from 'rhea';
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
import { PlanError } from '../../src/plan/errors.js';
import { sleep, waitForEvent, within } from '../helpers/wait.js';
import { Received, connectTo, echoServer, pattern, quietServer, roundTripMs, until } from './servers.js';
import type { TestServer } from './servers.js';

const API = process.env.SALVO_TOXIPROXY_URL;
const withServer = API === undefined ? describe.skip : describe;
const suiteName =
  API === undefined
    ? 'toxiproxy backend against a real server (SKIPPED: SALVO_TOXIPROXY_URL is not set; bash scripts/faults/toxiproxy.sh start)'
    : 'toxiproxy backend against a real server';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  await closeClients();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setUp(
  server: Promise<TestServer>,
  spec?: string,
): Promise<{ server: TestServer; proxy: ToxiproxyThread }> {
  const started = await server;
  cleanups.push(() => started.close());
  const standing = spec === undefined ? [] : parseFaultSpec(spec).standing;
  const proxy = await startToxiproxy(parseFaultsVia(`toxiproxy=${API}`).apiUrl, {
    targetHost: '127.0.0.1',
    targetPort: started.port,
    standing,
  });
  cleanups.push(() => proxy.stop().catch(() => undefined));
  return { server: started, proxy };
}

async function client(port: number): Promise<Socket> {
  const socket = await connectTo(port);
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  return socket;
}

async function proxyNames(): Promise<string[]> {
  const response = await fetch(`${API}/proxies`);
  return Object.keys((await response.json()) as Record<string, unknown>);
}

/** A loopback port with nothing listening: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('parseFaultsVia', () => {
  it('takes toxiproxy=URL and gives the API base URL', () => {
    expect(parseFaultsVia('toxiproxy=http://127.0.0.1:8474')).toEqual({
      kind: 'toxiproxy',
      apiUrl: 'http://127.0.0.1:8474',
    });
    expect(parseFaultsVia(' toxiproxy=http://toxiproxy.test:8474/ ')).toEqual({
      kind: 'toxiproxy',
      apiUrl: 'http://toxiproxy.test:8474',
    });
    expect(parseFaultsVia('toxiproxy=https://ingress.test/toxiproxy/').apiUrl).toBe('https://ingress.test/toxiproxy');
  });

  it.each([
    ['builtin', /--faults-via "builtin": expected toxiproxy=http:\/\/HOST:8474/],
    ['toxiproxy', /expected toxiproxy=http:\/\/HOST:8474/],
    ['toxiproxy=', /expected the toxiproxy API URL after "toxiproxy="/],
    ['toxiproxy=127.0.0.1:8474', /"toxiproxy=127\.0\.0\.1:8474": not a URL; expected http:\/\/HOST:8474/],
    ['toxiproxy=localhost:8474', /toxiproxy's API is HTTP, not localhost/],
    ['toxiproxy=ftp://host:8474', /toxiproxy's API is HTTP, not ftp/],
    ['toxiproxy=http://host:8474/?x=1', /no query or fragment/],
  ])('%s: one-line PlanError naming the value', (text, message) => {
    const error = (() => {
      try {
        parseFaultsVia(text);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).message).toMatch(message);
    expect((error as PlanError).message).not.toContain('\n');
  });

  it('a URL with credentials is refused without echoing them', () => {
    expect(() => parseFaultsVia('toxiproxy=http://admin:hunter2@host:8474')).toThrow(/must not carry credentials/);
    expect(() => parseFaultsVia('toxiproxy=http://admin:hunter2@host:8474')).not.toThrow(/hunter2/);
  });
});

describe('standingToxics (faults -> toxiproxy toxics)', () => {
  const mapped = (spec: string) => standingToxics(parseFaultSpec(spec).standing);

  it('latency F+J becomes latency F+J/2 ± J/2 per stream: the same range, [F, F+J)', () => {
    const { toxics, records } = mapped('latency 20ms+30ms up');
    expect(toxics).toEqual([
      {
        name: 'salvo_latency_upstream',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 35, jitter: 15 },
      },
    ]);
    expect(records).toEqual([
      {
        kind: 'latency',
        effect: '20 ms + up to 30 ms jitter added, client to broker (toxiproxy latency 35 ms ± 15 ms)',
      },
    ]);
    expect(mapped('latency 5ms').toxics.map((t) => [t.stream, t.attributes])).toEqual([
      ['upstream', { latency: 5, jitter: 0 }],
      ['downstream', { latency: 5, jitter: 0 }],
    ]);
  });

  it('bandwidth is given in toxiproxy KB/s of 1,000 bytes, and the record says what was applied', () => {
    const { toxics, records } = mapped('bandwidth 100k/s down');
    expect(toxics).toEqual([
      {
        name: 'salvo_bandwidth_downstream',
        type: 'bandwidth',
        stream: 'downstream',
        toxicity: 1,
        attributes: { rate: 102 },
      },
    ]);
    expect(records[0].effect).toBe('limited to 102000 bytes/s, broker to client (toxiproxy bandwidth 102 KB/s)');
  });

  it('bandwidth below 1,000 bytes/s is refused: toxiproxy would read a rate of 0 as no limit', () => {
    expect(() => mapped('bandwidth 500')).toThrow(PlanError);
    expect(() => mapped('bandwidth 500')).toThrow(/bandwidth 500 bytes\/s is below toxiproxy's smallest rate/);
  });

  it('close-after-bytes is a limit_data toxic on both streams', () => {
    expect(mapped('close-after-bytes 64k').toxics.map((t) => [t.type, t.stream, t.attributes.bytes])).toEqual([
      ['limit_data', 'upstream', 65536],
      ['limit_data', 'downstream', 65536],
    ]);
  });
});

describe('startToxiproxy errors', () => {
  it('an unreachable API gives one SalvoError line naming the URL and the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await startToxiproxy(url, { targetHost: '127.0.0.1', targetPort: 5672 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SalvoError);
    expect((error as SalvoError).code).toBe('unreachable');
    expect((error as SalvoError).message).toBe(
      `toxiproxy at ${url} did not answer POST /proxies: connect ECONNREFUSED ${url.slice('http://'.length)}`,
    );
  });
});

withServer(suiteName, () => {
  it('bytes flow both ways unchanged, through a proxy on a port toxiproxy chose', async () => {
    const { proxy } = await setUp(echoServer());
    expect(proxy.host).toBe('127.0.0.1');
    const socket = await client(proxy.port);
    const received = new Received(socket);
    const sent = pattern(1024 * 1024);
    socket.write(sent);
    await until(() => received.length >= sent.length, 10_000, 'the echo of 1 MiB');
    expect(received.bytes().equals(sent)).toBe(true);
  });

  it('latency 20ms adds at least 20 ms each way to a round trip, recorded as the built-in proxy records it', async () => {
    const direct = await echoServer();
    cleanups.push(() => direct.close());
    const { proxy } = await setUp(echoServer(), 'latency 20ms');
    const plain = await client(direct.port);
    const plainReceived = new Received(plain);
    const delayed = await client(proxy.port);
    const delayedReceived = new Received(delayed);
    const directMs = await roundTripMs(plain, plainReceived);
    const proxiedMs = await roundTripMs(delayed, delayedReceived);
    expect(proxiedMs).toBeGreaterThanOrEqual(40 - 1);
    expect(proxiedMs).toBeGreaterThan(directMs);
    expect(await proxy.stop()).toEqual([
      {
        atMs: 0,
        kind: 'latency',
        target: 'all connections',
        effect: '20 ms added, both directions (toxiproxy latency 20 ms ± 0 ms)',
      },
    ]);
  });

  it('reset: an idle connection gets ECONNRESET on both peers at once, and the port takes new connections after', async () => {
    const { server, proxy } = await setUp(quietServer());
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    // Idle on purpose: a reset_peer toxic added now would wait for data, then send a FIN.
    const clientError = waitForEvent<NodeJS.ErrnoException>(socket, 'error', 2000);
    const serverError = waitForEvent<NodeJS.ErrnoException>(server.accepted[0], 'error', 2000);
    const record = await proxy.inject({ kind: 'reset' });
    expect((await clientError).code).toBe('ECONNRESET');
    expect((await serverError).code).toBe('ECONNRESET');
    expect(record).toMatchObject({ kind: 'reset', target: 'all connections' });
    expect(record.effect).toMatch(/^every connection reset \(RST to both peers\)/);
    await client(proxy.port);
    await until(() => server.accepted.length === 2, 5000, 'a new upstream connection after the reset');
  });

  it('an armed timeline resets at its time', async () => {
    const { proxy } = await setUp(quietServer());
    const socket = await client(proxy.port);
    const lost = waitForEvent<NodeJS.ErrnoException>(socket, 'error', 3000);
    const armedAt = performance.now();
    proxy.arm(splitTimeline(faultTimeline(parseFaultSpec('reset at 300ms'), 1, 10_000)).proxy);
    expect((await lost).code).toBe('ECONNRESET');
    expect(performance.now() - armedAt).toBeGreaterThanOrEqual(290);
    const [record] = await proxy.stop();
    expect(record.kind).toBe('reset');
    expect(record.atMs).toBeGreaterThanOrEqual(299);
  });

  it('blackhole: no byte passes for its duration, the connection stays open, then every byte passes in order', async () => {
    const { proxy } = await setUp(echoServer());
    const socket = await client(proxy.port);
    const received = new Received(socket);
    await roundTripMs(socket, received);
    const record = await proxy.inject({ kind: 'blackhole', durationMs: 600 });
    const started = performance.now();
    const sent = pattern(100_000);
    socket.write(sent);
    await sleep(300);
    expect(received.length).toBe(4);
    expect(socket.destroyed).toBe(false);
    await until(() => received.length >= 4 + sent.length, 5000, 'the bytes held by the blackhole');
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
    expect(received.bytes().subarray(4).equals(sent)).toBe(true);
    expect(record).toMatchObject({ kind: 'blackhole', target: 'all connections' });
    expect(record.effect).toContain('600 ms');
    // Still one connection, still forwarding.
    expect(await roundTripMs(socket, received)).toBeLessThan(500);
  });

  it('blackhole holds a connection opened during it', async () => {
    const { proxy } = await setUp(echoServer());
    await proxy.inject({ kind: 'blackhole', durationMs: 500 });
    const started = performance.now();
    const socket = await client(proxy.port);
    const received = new Received(socket);
    socket.write('late');
    await until(() => received.length >= 4, 5000, 'echo after the blackhole');
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
  });

  it('carries AMQP to the embedded broker, and a reset disconnects the rhea client with ECONNRESET', async () => {
    await withBroker({}, async (broker) => {
      const { host, port } = endpointOf(broker.url);
      const proxy = await startToxiproxy(API!, {
        targetHost: host,
        targetPort: port,
        standing: parseFaultSpec('latency 2ms').standing,
      });
      cleanups.push(() => proxy.stop().catch(() => undefined));
      const connection: Connection = await connect(`amqp://${proxy.host}:${proxy.port}`);
      const address = queueName('through-toxiproxy');
      const receiver = await openReceiver(connection, address);
      const sender = await openSender(connection, address);
      const arriving = collect(receiver, 50);
      expect((await sendAll(sender, numbered(50))).accepted).toBe(50);
      expect((await arriving).map((r) => r.message.body)).toEqual(numbered(50).map((m) => m.body));
      const lost = waitForEvent<EventContext>(connection as unknown as NodeJS.EventEmitter, 'disconnected', 3000);
      await proxy.inject({ kind: 'reset' });
      expect(String((await lost).error)).toMatch(/ECONNRESET/);
    });
  });

  it('close-after-bytes: the connection ends after that many bytes one way', async () => {
    const { server, proxy } = await setUp(quietServer(), 'close-after-bytes 1000');
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const upstream = server.accepted[0];
    const received = new Received(upstream);
    // toxiproxy closes the upstream socket: a FIN or, through linger 0 (the reset switch), an RST; either ends it.
    const ended = within(
      new Promise<string>((resolve) => {
        upstream.once('end', () => resolve('FIN'));
        upstream.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      }),
      3000,
      'the upstream connection ended',
    );
    socket.write(pattern(5000));
    expect(['FIN', 'ECONNRESET']).toContain(await ended);
    expect(received.length).toBe(1000);
    expect(received.bytes().equals(pattern(5000).subarray(0, 1000))).toBe(true);
    expect(proxy.port).toBeGreaterThan(0);
  });

  it('bandwidth caps a direction: 25,500 bytes at 51,000 bytes/s take at least 0.4 s', async () => {
    const { server, proxy } = await setUp(quietServer(), 'bandwidth 50k up');
    const socket = await client(proxy.port);
    await until(() => server.accepted.length === 1, 5000, 'upstream connection');
    const received = new Received(server.accepted[0]);
    const started = performance.now();
    socket.write(pattern(25_500));
    await until(() => received.length >= 25_500, 5000, 'all bytes through the bandwidth toxic');
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('resets: false keeps an ordinary close a FIN with every byte delivered, and refuses a reset', async () => {
    const target = await quietServer();
    cleanups.push(() => target.close());
    const proxy = await startToxiproxy(API!, { targetHost: '127.0.0.1', targetPort: target.port, resets: false });
    cleanups.push(() => proxy.stop().catch(() => undefined));
    const socket = await client(proxy.port);
    await until(() => target.accepted.length === 1, 5000, 'upstream connection');
    const received = new Received(target.accepted[0]);
    const ended = waitForEvent(target.accepted[0], 'end', 5000);
    const sent = pattern(4 * 1024 * 1024);
    socket.end(sent);
    await ended;
    expect(received.bytes().equals(sent)).toBe(true);
    await expect(proxy.inject({ kind: 'reset' })).rejects.toThrow(/started without resets/);
  });

  it('stop() deletes the proxy: toxiproxy no longer lists it, and its port refuses connections', async () => {
    const { proxy } = await setUp(echoServer(), 'latency 5ms');
    expect(proxy.proxyName).toMatch(/^salvo-[0-9a-f]{8}$/);
    expect(await proxyNames()).toContain(proxy.proxyName);
    await proxy.stop();
    expect(await proxyNames()).not.toContain(proxy.proxyName);
    await expect(connectTo(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Idempotent: a second stop() is the same answer, not a second DELETE.
    await expect(proxy.stop()).resolves.toHaveLength(1);
  });

  it('a timeline fault the API refuses makes stop() reject with that one line (the first failure, not the DELETE one)', async () => {
    const { proxy } = await setUp(quietServer());
    // Someone else deletes our proxy mid-run: the next reset's POST gets toxiproxy's 404.
    await fetch(`${API}/proxies/${proxy.proxyName}`, { method: 'DELETE' });
    proxy.arm(splitTimeline(faultTimeline(parseFaultSpec('reset every 100ms'), 1, 10_000)).proxy);
    await sleep(350);
    const error = await proxy.stop().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SalvoError);
    expect((error as SalvoError).message).toBe(
      `toxiproxy at ${API} answered POST /proxies/${proxy.proxyName} with 404 Not Found: proxy not found`,
    );
  });

  it('an error answer from the API gives one SalvoError line with the status and body', async () => {
    const error = await startToxiproxy(`${API}/no-such-prefix`, { targetHost: '127.0.0.1', targetPort: 5672 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SalvoError);
    expect((error as SalvoError).code).toBe('refused');
    expect((error as SalvoError).message).toBe(
      `toxiproxy at ${API}/no-such-prefix answered POST /proxies with 404 Not Found: 404 page not found`,
    );
  });
});
