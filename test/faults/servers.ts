/** Tiny loopback servers for proxy tests: an echo and a sink, each closed by close(). */
import net from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sleep } from '../helpers/wait.js';

export interface TestServer {
  readonly port: number;
  /** The server's side of each connection accepted, in order. */
  readonly accepted: Socket[];
  close(): Promise<void>;
}

async function listen(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const accepted: Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    accepted.push(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    close: () => {
      for (const socket of accepted) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes back whatever it reads; ends when the peer ends. */
export function echoServer(): Promise<TestServer> {
  return listen((socket) => socket.pipe(socket));
}

/** Reads and keeps nothing; the test reads from `accepted`. */
export function quietServer(): Promise<TestServer> {
  return listen(() => undefined);
}

export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects a socket's bytes as they come. */
export class Received {
  private readonly chunks: Buffer[] = [];
  length = 0;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
    });
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Polls `check` every 5 ms until true, or throws naming `what` after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(5);
  }
}

/** `length` bytes of a repeatable, non-trivial pattern. */
export function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** ms for 4 bytes to come back through an echo. */
export async function roundTripMs(socket: Socket, received: Received): Promise<number> {
  const before = received.length;
  const started = performance.now();
  socket.write('ping');
  await until(() => received.length >= before + 4, 5000, 'echo of ping');
  return performance.now() - started;
}
