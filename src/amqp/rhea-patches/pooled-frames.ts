/**
 * Pooled frame encoding. rhea encodes every outgoing frame into a new zeroed 1 KiB buffer (a new
 * types.Writer in frames.write_frame), slices it, writes it to the socket on its own, and asks
 * its debug channels twice per frame even when they are off. Profiled on both sides of a
 * 100-byte closed loop (2026-12-07), buffer allocation (FastBuffer) was 3-4% of a sender
 * thread's and the broker's CPU, beside 7-8% garbage collection. This patch encodes the pending
 * frames with rhea's own Writer, back to back, into one scratch buffer per thread and hands the
 * socket one exact-size copy: the same bytes in the same order, one socket.write per call
 * instead of one per frame (the write coalescing patch makes a processing pass one call).
 * Frame contents, delivery ids, windows and credit stay rhea's. With rhea's frame or raw debug
 * channel on, and for the protocol header, rhea's own write runs.
 */
import type { RheaPatch } from './patch.js';
import { DirectTransfer, writeTransferFrame } from './direct-transfers.js';
import { framesModule, logModule, transportPrototype, typesModule } from './rhea-lib.js';

interface Frame {
  type: number;
  channel?: number;
  performative?: unknown;
  payload?: Buffer;
  /** Frames already encoded (pass-output.ts: a processing pass's frames, in order): written as they are. */
  encoded?: Buffer;
}
interface TransportInternals {
  pending: Frame[];
  header_sent: unknown;
}
interface TransportPrototype {
  write(this: TransportInternals, socket: { write(buffer: Buffer): unknown }): void;
}
interface Writer {
  buffer: Buffer;
  position: number;
  skip(bytes: number): void;
  ensure(length: number): void;
  write_uint(value: number, width: number): void;
  write(value: unknown): void;
  write_bytes(source: Buffer): void;
}
interface FramesModule {
  TYPE_AMQP: number;
  TYPE_SASL: number;
  write_frame(frame: Frame): Buffer;
}
interface DebugChannel {
  enabled?: boolean;
}

const transport = transportPrototype as TransportPrototype;
const frames = framesModule as FramesModule;
const WriterClass = (typesModule as { Writer: new (buffer?: Buffer) => Writer }).Writer;
const log = logModule as { frames?: DebugChannel; raw?: DebugChannel };

/** The scratch a thread starts with; one a large message grew past SCRATCH_KEEP_BYTES is dropped after use. */
const SCRATCH_BYTES = 64 * 1024;
const SCRATCH_KEEP_BYTES = 1024 * 1024;
/** size (4), doff (1), type (1), channel (2): AMQP 1.0 section 2.3.1. */
const DOFF_WORDS = 2;

let scratch: Writer | undefined;
let applied = false;

/** Encode outgoing frames through one scratch buffer per thread (byte for byte what rhea writes). */
export const pooledFrames: RheaPatch = {
  name: 'pooled frames',
  targets: () => ({
    'Transport#write': transport.write,
    'types.Writer': WriterClass,
    'types.Writer#ensure': (WriterClass.prototype as Partial<Writer>).ensure,
    'frame type AMQP (frames.js)': frames.TYPE_AMQP,
    'frame type SASL (frames.js)': frames.TYPE_SASL,
    'frames.write_frame': frames.write_frame,
    'debug channel frames (log.js)': log.frames,
    'debug channel raw (log.js)': log.raw,
  }),
  apply(): void {
    if (applied) return;
    const original = transport.write;
    transport.write = function (this: TransportInternals, socket): void {
      if (!this.header_sent || log.frames?.enabled || log.raw?.enabled) {
        original.call(this, socket);
        return;
      }
      const pending = this.pending;
      if (pending.length === 0) return;
      // Emptied first, as rhea does after its loop: a frame that fails to encode is not written twice.
      this.pending = [];
      socket.write(pending.length === 1 && pending[0].encoded ? pending[0].encoded : encodeFrames(pending));
    };
    applied = true;
  },
};

/** One frame as frames.write_frame encodes it, copied out at its exact size. */
export function encodeFrame(frame: Frame): Buffer {
  return encodeFrames([frame]);
}

/**
 * Frames as frames.write_frame encodes each, back to back in one buffer (one socket write for a
 * whole pass: the write coalescing patch hands a pass's frames over together).
 */
export function encodeFrames(pending: readonly Frame[]): Buffer {
  // rhea's own encoder throws its ProtocolError for a type it does not know.
  for (const frame of pending) {
    if (!frame.encoded && frame.type !== frames.TYPE_AMQP && frame.type !== frames.TYPE_SASL) frames.write_frame(frame);
  }
  const writer = (scratch ??= new WriterClass(Buffer.allocUnsafe(SCRATCH_BYTES)));
  writer.position = 0;
  for (const frame of pending) {
    if (frame.encoded) writer.write_bytes(frame.encoded);
    else appendFrame(writer, frame);
  }
  const out = Buffer.allocUnsafe(writer.position);
  writer.buffer.copy(out, 0, 0, writer.position);
  if (writer.buffer.length > SCRATCH_KEEP_BYTES) scratch = undefined;
  return out;
}

/** Appends one AMQP or SASL frame at the writer's position, as frames.write_frame encodes it; nothing on a throw. */
export function appendFrame(writer: Writer, frame: Frame): void {
  if (frame.performative instanceof DirectTransfer && frame.type === frames.TYPE_AMQP) {
    writeTransferFrame(writer, frame.channel ?? 0, frame.performative, frame.payload);
    return;
  }
  const start = writer.position;
  try {
    writer.skip(4);
    writer.write_uint(DOFF_WORDS, 1);
    writer.write_uint(frame.type, 1);
    writer.write_uint(frame.type === frames.TYPE_AMQP ? (frame.channel ?? 0) : 0, 2);
    if (frame.performative) {
      writer.write(frame.performative);
      if (frame.payload) writer.write_bytes(frame.payload);
    }
  } catch (error) {
    writer.position = start;
    throw error;
  }
  writer.buffer.writeUInt32BE(writer.position - start, start);
}

/** Whether rhea's frame or raw debug channel is on (then rhea's own write runs, logging each frame). */
export function frameLoggingOn(): boolean {
  return Boolean(log.frames?.enabled || log.raw?.enabled);
}

export type { Frame, Writer };
export { WriterClass };
