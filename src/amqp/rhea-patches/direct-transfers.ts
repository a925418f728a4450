/**
 * Direct transfers. For every transfer frame rhea's Outgoing#process calls frames.transfer with
 * six fields (handle, delivery id, tag, message format, settled, more), which builds a composite
 * performative (a value array and one wrapped type object per field, each set through a setter
 * that calls wrap_field); the frame writer then asks it for described() (a descriptor, a List32,
 * a mapped copy of the array) and walks that generically, copying the tag through Buffer.from.
 * Profiled on a 100-byte closed loop (2026-12-07), building and encoding transfers was about a
 * third of a sender thread's busy time and a sixth of the broker's, beside their garbage.
 *
 * This patch makes frames.transfer return a DirectTransfer (the six fields, as rhea passed them)
 * and the pooled frame encoder write it straight into its buffer: the same bytes rhea's encoder
 * writes for those fields (descriptor 0x53 0x14, a list32 of six, uint / vbin / boolean in rhea's
 * smallest forms). Which deliveries go, their ids, the session's transfer ids and windows, link
 * credit and delivery counts, and settlement all stay rhea's: only the encoding of the
 * performative changes. rhea's own composite is built instead (byte for byte the old path) for a
 * field rhea would encode otherwise (not a uint32, a tag not a Buffer), for a tag that carries a
 * transactional state (transaction-types.ts puts it on the transfer), and while rhea's frame
 * logging is on (its log shows the composite). A DirectTransfer written by rhea's own writer
 * (no pooled frames in the thread) describes itself as rhea's composite.
 */
import type { RheaPatch } from './patch.js';
import { framesModule, logModule } from './rhea-lib.js';
import { carriesTransferState } from './transaction-types.js';
import {
  DESCRIBED,
  FALSE,
  FRAME_TYPE_AMQP,
  LIST32,
  NULL,
  SMALLUINT,
  SMALLULONG,
  TRANSFER_CODE,
  TRUE,
  UINT,
  UINT0,
  VBIN8,
  VBIN32,
} from './type-codes.js';

/** The fields rhea's Outgoing#process passes for each transfer frame (session.js). */
export interface OutgoingTransferFields {
  handle: unknown;
  message_format: unknown;
  delivery_id: unknown;
  delivery_tag: unknown;
  settled: unknown;
  more: unknown;
}
interface Composite {
  described(): unknown;
}
interface FramesModule {
  transfer(fields: OutgoingTransferFields): Composite;
}
/** The part of rhea's types.Writer this encoder uses. */
interface ByteWriter {
  buffer: Buffer;
  position: number;
  ensure(length: number): void;
}

const frames = framesModule as FramesModule;
const log = logModule as { frames?: { enabled?: boolean }; raw?: { enabled?: boolean } };

/** A transfer performative written by writeTransferFrame; rhea's composite on demand. */
export class DirectTransfer {
  constructor(readonly fields: OutgoingTransferFields) {}

  /** What rhea's Writer asks a performative without a type for: rhea's own composite, described. */
  described(): unknown {
    return (rheaTransfer ?? frames.transfer)(this.fields).described();
  }

  /** rhea's frame log prints performatives with %j (not used while logging is on: rhea's composite goes then). */
  toJSON(): OutgoingTransferFields {
    return this.fields;
  }
}

/** frames.transfer as it was before this patch (rhea's, or transaction-types' wrapper of it). */
let rheaTransfer: ((fields: OutgoingTransferFields) => Composite) | undefined;

export const directTransfers: RheaPatch = {
  name: 'direct transfers',
  targets: () => ({ 'frames.transfer': frames.transfer }),
  apply(): void {
    if (rheaTransfer) return;
    const previous = frames.transfer;
    rheaTransfer = previous;
    frames.transfer = function (this: unknown, fields: OutgoingTransferFields): Composite | DirectTransfer {
      if (log.frames?.enabled || log.raw?.enabled || !directlyEncodable(fields)) return previous.call(this, fields);
      return new DirectTransfer(fields);
    };
  },
};

const MAX_UINT = 0xffff_ffff;
const isUint = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_UINT;

/** Fields that writeTransferFrame encodes as rhea would (else rhea's composite goes). */
function directlyEncodable(fields: OutgoingTransferFields): boolean {
  const tag = fields.delivery_tag;
  return (
    isUint(fields.handle) &&
    isUint(fields.delivery_id) &&
    isUint(fields.message_format) &&
    Buffer.isBuffer(tag) &&
    !carriesTransferState(tag)
  );
}

/** Frame header (8) + descriptor (3) + list32 head (9) + three uints (5 each) + two booleans + vbin32 head (5). */
const FIXED_MAX_BYTES = 8 + 3 + 9 + 15 + 2 + 5;
const DOFF_WORDS = 2;
const FIELD_COUNT = 6;

/**
 * Appends one AMQP frame carrying `transfer` and `payload` at the writer's position, as rhea's
 * frames.write_frame writes it (AMQP 1.0 sections 2.3.2 and 2.7.5; the encodings rhea's
 * wrap_uint, wrap_binary and wrap_boolean choose).
 */
export function writeTransferFrame(
  writer: ByteWriter,
  channel: number,
  transfer: DirectTransfer,
  payload: Buffer | undefined,
): void {
  const f = transfer.fields;
  const tag = f.delivery_tag as Buffer;
  const payloadBytes = payload ? payload.length : 0;
  const start = writer.position;
  writer.ensure(start + FIXED_MAX_BYTES + tag.length + payloadBytes);
  const buffer = writer.buffer;
  let at = start + 4;
  buffer[at++] = DOFF_WORDS;
  buffer[at++] = FRAME_TYPE_AMQP;
  buffer.writeUInt16BE(channel, at);
  at += 2;
  buffer[at++] = DESCRIBED;
  buffer[at++] = SMALLULONG;
  buffer[at++] = TRANSFER_CODE;
  buffer[at++] = LIST32; // size, then count
  const listSizeAt = at;
  at += 4;
  buffer.writeUInt32BE(FIELD_COUNT, at);
  at += 4;
  at = writeUint(buffer, at, f.handle as number);
  at = writeUint(buffer, at, f.delivery_id as number);
  if (tag.length > 255) {
    buffer[at++] = VBIN32;
    buffer.writeUInt32BE(tag.length, at);
    at += 4;
  } else {
    buffer[at++] = VBIN8;
    buffer[at++] = tag.length;
  }
  buffer.set(tag, at);
  at += tag.length;
  at = writeUint(buffer, at, f.message_format as number);
  buffer[at++] = booleanCode(f.settled);
  buffer[at++] = booleanCode(f.more);
  buffer.writeUInt32BE(at - listSizeAt - 4, listSizeAt);
  if (payload) {
    buffer.set(payload, at);
    at += payloadBytes;
  }
  buffer.writeUInt32BE(at - start, start);
  writer.position = at;
}

/** rhea's wrap_uint: uint0, smalluint below 256, else uint. */
function writeUint(buffer: Buffer, at: number, value: number): number {
  if (value === 0) {
    buffer[at] = UINT0;
    return at + 1;
  }
  if (value <= 255) {
    buffer[at] = SMALLUINT;
    buffer[at + 1] = value;
    return at + 2;
  }
  buffer[at] = UINT;
  buffer.writeUInt32BE(value, at + 1);
  return at + 5;
}

/** rhea's wrap_field for a boolean field: null when absent, else true or false by truthiness. */
function booleanCode(value: unknown): number {
  if (value === undefined || value === null) return NULL;
  return value ? TRUE : FALSE;
}
