/**
 * An AMQP peer that writes and reads frames itself (test/helpers/amqp-codec.ts),
 * with no client library in between: it sends exactly the bytes another
 * client would (an all-default terminus as list0, as go-amqp does) and hands
 * back the broker's frames decoded independently of rhea.
 */
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { AMQP_HEADER, FrameSplitter, composite, encode, frame } from './amqp-codec.js';
import type { AmqpValue, Frame } from './amqp-codec.js';
import { endpointOf } from './amqp.js';

export const PERFORMATIVE = {
  open: 0x10,
  begin: 0x11,
  attach: 0x12,
  flow: 0x13,
  detach: 0x16,
  end: 0x17,
  close: 0x18,
} as const;

export interface AttachRequest {
  name: string;
  handle: number;
  /** The peer's role: a 'sender' attaches to send to the broker, a 'receiver' to receive from it. */
  role: 'sender' | 'receiver';
  /** Encoded terminus (encode.null() for none). */
  source: Buffer;
  target: Buffer;
}

export class RawAmqpPeer {
  private readonly frames: Frame[] = [];
  private readonly splitter = new FrameSplitter();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.splitter.push(chunk));
      } catch (error) {
        this.failure = error as Error;
      }
      this.wake?.();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake?.();
    });
    socket.on('close', () => this.wake?.());
  }

  /** Connects without SASL, opens the connection and one session on channel 0. */
  static async open(url: string, ms = 5000): Promise<RawAmqpPeer> {
    const { host, port } = endpointOf(url);
    const socket = tcpConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const peer = new RawAmqpPeer(socket);
    socket.write(AMQP_HEADER);
    socket.write(frame(0, composite(PERFORMATIVE.open, [encode.string('salvo-raw-peer')])));
    socket.write(
      frame(0, composite(PERFORMATIVE.begin, [encode.null(), encode.uint(0), encode.uint(1000), encode.uint(1000)])),
    );
    await peer.next((f) => f.code === PERFORMATIVE.begin, ms);
    return peer;
  }

  /** Sends an attach and returns the broker's attach for the same link name. */
  async attach(request: AttachRequest, ms = 5000): Promise<Frame> {
    const fields = [
      encode.string(request.name),
      encode.uint(request.handle),
      encode.boolean(request.role === 'receiver'),
      encode.ubyte(2),
      encode.ubyte(0),
      request.source,
      request.target,
      encode.null(),
      encode.null(),
      // initial-delivery-count is mandatory for a sender's attach.
      request.role === 'sender' ? encode.uint(0) : encode.null(),
    ];
    this.socket.write(frame(0, composite(PERFORMATIVE.attach, fields)));
    return this.next((f) => f.code === PERFORMATIVE.attach && stringOf(f.fields[0]) === request.name, ms);
  }

  /** Every frame received so far. */
  received(): readonly Frame[] {
    return this.frames;
  }

  close(): void {
    this.socket.destroy();
  }

  private async next(match: (f: Frame) => boolean, ms: number): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.failure) throw this.failure;
      if (this.socket.destroyed) throw new Error('the broker closed the connection');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${ms} ms; got ${this.frames.map((f) => f.code).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function stringOf(value: AmqpValue | undefined): string | undefined {
  return value?.type === 'string' ? value.value : undefined;
}
