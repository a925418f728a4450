/**
 * One output per processing pass. rhea writes each frame as it makes it: Connection#_write_frame
 * queues the frame and calls output(), which encodes and writes it and re-arms the heartbeat
 * timer (a clearTimeout, a setTimeout and a bound function per frame: 1.2% of a sender thread in
 * the 2026-12-07 profile). Within a processing pass (Connection#_process, where transfers,
 * dispositions and flows are written), this patch encodes each frame at once, as rhea's output()
 * would, into one buffer per thread, and hands the pass's bytes to the transport as one
 * pre-encoded frame at the pass's end, followed by one output(): one socket write and one
 * heartbeat re-arm per pass. Encoding at once matters: rhea clears a close's or detach's error
 * field right after writing the frame, so encoding later would send the frame without it.
 * Frames outside a pass (input handling, heartbeats, a close written by a timer) go rhea's way.
 * A pass batches only once the AMQP header is out and rhea's frame logging is off, and one
 * connection at a time (a pass that started inside another's runs unbatched). Delivery ids,
 * windows and credit stay rhea's. Needs pooledFrames (its transport write takes the encoded pass).
 */
import type { RheaPatch } from './patch.js';
import { appendFrame, type Frame, frameLoggingOn, type Writer, WriterClass } from './pooled-frames.js';
import { connectionPrototype, framesModule } from './rhea-lib.js';

interface PassConnection {
  amqp_transport: { header_sent: unknown; pending: Frame[] };
  output(): void;
}
interface ConnectionPrototype {
  _process(this: PassConnection): void;
  _write_frame(this: PassConnection, channel?: number, frame?: unknown, payload?: Buffer): void;
  output(this: PassConnection): void;
}

const connection = connectionPrototype as ConnectionPrototype;
const frames = framesModule as {
  amqp_frame(channel: number | undefined, performative: unknown, payload?: Buffer): Frame;
};

const PASS_BYTES = 64 * 1024;
const PASS_KEEP_BYTES = 1024 * 1024;

/** The connection whose pass is being batched, and its frames so far. */
let owner: PassConnection | undefined;
let writer: Writer | undefined;
let framesInPass = 0;
let applied = false;

export const passOutput: RheaPatch = {
  name: 'pass output',
  targets: () => ({
    'Connection#_process': connection._process,
    'Connection#_write_frame': connection._write_frame,
    'Connection#output': connection.output,
    'frames.amqp_frame': frames.amqp_frame,
  }),
  apply(): void {
    if (applied) return;
    const process = connection._process;
    connection._process = function (this: PassConnection): void {
      if (owner !== undefined || !this.amqp_transport?.header_sent || frameLoggingOn()) {
        process.call(this);
        return;
      }
      owner = this;
      framesInPass = 0;
      const passWriter = (writer ??= new WriterClass(Buffer.allocUnsafe(PASS_BYTES)));
      passWriter.position = 0;
      try {
        process.call(this);
      } finally {
        owner = undefined;
        if (framesInPass > 0) flush(this, passWriter);
      }
    };
    const writeFrame = connection._write_frame;
    connection._write_frame = function (this: PassConnection, channel, frame, payload): void {
      if (owner !== this || writer === undefined) {
        writeFrame.call(this, channel, frame, payload);
        return;
      }
      appendFrame(writer, frames.amqp_frame(channel, frame, payload));
      framesInPass++;
    };
    applied = true;
  },
};

function flush(connection: PassConnection, passWriter: Writer): void {
  const encoded = Buffer.allocUnsafe(passWriter.position);
  passWriter.buffer.copy(encoded, 0, 0, passWriter.position);
  if (passWriter.buffer.length > PASS_KEEP_BYTES) writer = undefined;
  connection.amqp_transport.pending.push({ type: 0, encoded });
  connection.output();
}
