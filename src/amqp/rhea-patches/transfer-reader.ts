/**
 * Transfers read straight from the frame bytes. rhea reads every frame with its generic codec
 * (frames.read_frame): a Reader, a typed wrapper object per field, a described wrapper, a
 * performative class whose getters unwrap each field again on every read. Profiled on a
 * 100-byte closed loop (2026-12-07), that was about 4% of a receiver thread's CPU and of the
 * broker's (Reader.read, getters, unwrap, read_frame), nearly all for transfers.
 *
 * This patch swaps frames.read_frame (transport.js looks it up at call time) for one that reads
 * the transfer performative's fields in place, in the encodings peers use (null, uint0,
 * smalluint, uint, vbin8/32, true/false/boolean, ubyte), into a plain object with the same
 * field names and the same values rhea's getters give (absent: undefined, null: null, a
 * `boolean` 0x56 as its byte). Anything else goes to rhea's own reader unchanged: other
 * performatives, a transfer carrying a delivery state (transactions), other encodings of a
 * field or of the descriptor, a list whose size disagrees with its items, too many fields, and
 * every malformed frame, which rhea (with the hostile-peers patch) then refuses as before.
 * Message sections stay the frame's bytes (the payload view rhea would give).
 *
 * Transport#read, the loop that cuts the socket's bytes into frames, is given the same loop
 * without its three debug calls per frame (io, raw, frames: each a call with its arguments
 * gathered into an array even when off), reading each frame through the reader above. Until
 * the protocol header has come, and with any of those debug channels on, rhea's own loop runs.
 */
import type { RheaPatch } from './patch.js';
import { errorsModule, framesModule, logModule, transportPrototype } from './rhea-lib.js';
import {
  BOOLEAN,
  DESCRIBED,
  FALSE,
  FRAME_TYPE_AMQP,
  LIST8,
  LIST32,
  NULL,
  SMALLUINT,
  SMALLULONG,
  TRANSFER_CODE,
  TRUE,
  UBYTE,
  UINT,
  UINT0,
  VBIN8,
  VBIN32,
} from './type-codes.js';

interface Frame {
  size: number;
  type: number;
  channel: number;
  performative?: unknown;
  payload?: Buffer;
}
interface FramesModule {
  TYPE_AMQP: number;
  read_frame(buffer: Buffer): Frame | null;
}
interface DebugChannel {
  enabled?: boolean;
}
interface Performative {
  dispatch(target: unknown, frame: Frame): void;
}
interface TransportInternals {
  header_received?: unknown;
  read_complete: boolean;
  frame_type: number;
  handler: unknown;
}
interface TransportPrototype {
  read(this: TransportInternals, buffer: Buffer): number;
}
interface TransferTarget {
  on_transfer(frame: Frame): void;
}

const frames = framesModule as FramesModule;
const log = logModule as { frames?: DebugChannel; raw?: DebugChannel; io?: DebugChannel };
const transport = transportPrototype as TransportPrototype;
const ProtocolError = (errorsModule as { ProtocolError: new (message: string) => Error }).ProtocolError;

/** Field values as rhea's getters return them: undefined when absent, null when encoded as null. */
type Uint = number | null | undefined;
type Flag = boolean | number | null | undefined;

/** A transfer performative read from the frame bytes: the fields rhea's transfer class exposes. */
export class TransferFields {
  handle: Uint = undefined;
  delivery_id: Uint = undefined;
  delivery_tag: Buffer | null | undefined = undefined;
  message_format: Uint = undefined;
  settled: Flag = undefined;
  more: Flag = undefined;
  rcv_settle_mode: Uint = undefined;
  /** Always absent or null here: a transfer with a state is read by rhea. */
  state: null | undefined = undefined;
  resume: Flag = undefined;
  aborted: Flag = undefined;
  batchable: Flag = undefined;

  /** What Transport#read calls on a performative (types.js define_composite: dispatch). */
  dispatch(target: TransferTarget, frame: Frame): void {
    target.on_transfer(frame);
  }
}

/** The transfer's fields (frames.js): handle .. batchable. */
const TRANSFER_FIELDS = 11;

// The reader's position in the frame, kept outside any object: no allocation per field.
let at = 0;
/** Set when a field is in an encoding this reader leaves to rhea. */
let unread = false;

function readUint(buffer: Buffer, end: number): Uint {
  const code = buffer[at++];
  if (code === UINT0) return 0;
  if (code === SMALLUINT && at < end) return buffer[at++];
  if (code === UINT && at + 4 <= end) {
    at += 4;
    return buffer.readUInt32BE(at - 4);
  }
  if (code === NULL) return null;
  unread = true;
  return undefined;
}

function readUbyte(buffer: Buffer, end: number): Uint {
  const code = buffer[at++];
  if (code === UBYTE && at < end) return buffer[at++];
  if (code === NULL) return null;
  unread = true;
  return undefined;
}

function readFlag(buffer: Buffer, end: number): Flag {
  const code = buffer[at++];
  if (code === TRUE) return true;
  if (code === FALSE) return false;
  // rhea reads a `boolean` (0x56) as its byte, a number: kept, so the fast path gives the same value.
  if (code === BOOLEAN && at < end) return buffer[at++];
  if (code === NULL) return null;
  unread = true;
  return undefined;
}

function readBinary(buffer: Buffer, end: number): Buffer | null | undefined {
  const code = buffer[at++];
  let length = -1;
  if (code === VBIN8 && at < end) length = buffer[at++];
  else if (code === VBIN32 && at + 4 <= end) {
    length = buffer.readUInt32BE(at);
    at += 4;
  } else if (code === NULL) return null;
  if (length < 0 || at + length > end) {
    unread = true;
    return undefined;
  }
  at += length;
  // A view, as rhea's reader gives (Buffer#slice).
  return buffer.subarray(at - length, at);
}

function readField(fields: TransferFields, index: number, buffer: Buffer, end: number): void {
  switch (index) {
    case 0:
      fields.handle = readUint(buffer, end);
      return;
    case 1:
      fields.delivery_id = readUint(buffer, end);
      return;
    case 2:
      fields.delivery_tag = readBinary(buffer, end);
      return;
    case 3:
      fields.message_format = readUint(buffer, end);
      return;
    case 4:
      fields.settled = readFlag(buffer, end);
      return;
    case 5:
      fields.more = readFlag(buffer, end);
      return;
    case 6:
      fields.rcv_settle_mode = readUbyte(buffer, end);
      return;
    case 7:
      // A delivery state (transactional-state, or any other) is rhea's to read.
      if (buffer[at++] === NULL) fields.state = null;
      else unread = true;
      return;
    case 8:
      fields.resume = readFlag(buffer, end);
      return;
    case 9:
      fields.aborted = readFlag(buffer, end);
      return;
    default:
      fields.batchable = readFlag(buffer, end);
  }
}

/**
 * The frame in `buffer` (one whole frame, as Transport#read slices it) when it is an AMQP
 * transfer this reader reads in full; undefined for anything it leaves to rhea's reader.
 */
export function readTransferFrame(buffer: Buffer): Frame | undefined {
  const length = buffer.length;
  if (length < 12 || buffer.readUInt32BE(0) !== length || buffer[5] !== FRAME_TYPE_AMQP) return undefined;
  const doff = buffer[4];
  at = doff * 4;
  if (doff < 2 || at + 3 > length) return undefined;
  if (buffer[at] !== DESCRIBED || buffer[at + 1] !== SMALLULONG || buffer[at + 2] !== TRANSFER_CODE) return undefined;
  at += 3;
  let size: number;
  let count: number;
  const listCode = buffer[at++];
  if (listCode === LIST8 && at + 2 <= length) {
    size = buffer[at];
    count = buffer[at + 1];
    at += 2;
    size -= 1;
  } else if (listCode === LIST32 && at + 8 <= length) {
    size = buffer.readUInt32BE(at);
    count = buffer.readUInt32BE(at + 4);
    at += 8;
    size -= 4;
  } else return undefined;
  // A transfer without its mandatory handle, with fields rhea does not know, or whose size
  // runs past the frame: rhea's reader decides (and refuses what it must).
  const end = at + size;
  if (count < 1 || count > TRANSFER_FIELDS || size < count || end > length) return undefined;
  unread = false;
  const fields = new TransferFields();
  for (let index = 0; index < count; index++) {
    if (at >= end) return undefined;
    readField(fields, index, buffer, end);
    if (unread) return undefined;
  }
  // Items that do not fill the list's size exactly: rhea reads by items, not size; left to it.
  if (at !== end) return undefined;
  const frame: Frame = { size: length, type: FRAME_TYPE_AMQP, channel: buffer.readUInt16BE(6), performative: fields };
  if (end < length) frame.payload = buffer.subarray(end, length);
  return frame;
}

let applied = false;
/** rhea's frames.read_frame, for every frame the transfer reader leaves to it. */
let rheaReadFrame: FramesModule['read_frame'] = frames.read_frame;

/** Read incoming transfer frames straight from their bytes (per thread); every other frame is rhea's. */
export const transferReader: RheaPatch = {
  name: 'transfer reader',
  targets: () => ({
    'frames.read_frame': frames.read_frame,
    'frame type AMQP (frames.js)': frames.TYPE_AMQP,
    'debug channel frames (log.js)': log.frames,
    'debug channel raw (log.js)': log.raw,
    'debug channel io (log.js)': log.io,
    'Transport#read': transport.read,
    'errors.ProtocolError': ProtocolError,
  }),
  apply(): void {
    if (applied) return;
    const original = frames.read_frame;
    rheaReadFrame = original;
    frames.read_frame = (buffer: Buffer): Frame | null => {
      // With frame logging on, rhea's own reader: its log line prints the performative's class.
      if (log.frames?.enabled) return original(buffer);
      return readTransferFrame(buffer) ?? original(buffer);
    };
    const read = transport.read;
    transport.read = function (this: TransportInternals, buffer: Buffer): number {
      if (!this.header_received || log.io?.enabled || log.raw?.enabled || log.frames?.enabled) {
        return read.call(this, buffer);
      }
      return readFrames(this, buffer);
    };
    applied = true;
  },
};

/** Transport#read's loop (transport.js, 3.0.5) past the protocol header, without its debug calls. */
function readFrames(transport: TransportInternals, buffer: Buffer): number {
  let offset = 0;
  while (offset < buffer.length - 4 && !transport.read_complete) {
    const size = buffer.readUInt32BE(offset);
    // Not all of the frame yet.
    if (buffer.length < offset + size) break;
    const slice = buffer.subarray(offset, offset + size);
    const frame = (readTransferFrame(slice) ?? rheaReadFrame(slice)) as Frame;
    if (frame.type !== transport.frame_type) throw new ProtocolError(`Invalid frame type: ${frame.type}`);
    offset += size;
    if (frame.performative) (frame.performative as Performative).dispatch(transport.handler, frame);
  }
  return offset;
}
