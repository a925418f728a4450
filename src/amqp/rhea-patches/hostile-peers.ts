/**
 * Hardening against hostile peers (the broker's connection guard). Seven things rhea 3.0.5 does
 * with a peer's bad input, each fixed here:
 * - A disposition's range is walked id by id (session.js, on_disposition): first 0, last
 *   4,294,967,295 is four billion lookups in one frame, and the thread stalls for minutes. The
 *   range is clipped to the ids the session's delivery ring actually holds.
 * - An input it cannot process (a framing or decode error, or a performative that its state
 *   machine throws on) makes it end the socket with no AMQP close: the peer never learns why.
 *   Once the connection is open, a close carrying the error is written first (Transport#read is
 *   where all input passes, inside Connection#input's try).
 * - A failed SASL outcome is written and the socket left open for the peer to close (or not);
 *   it is ended once the outcome is out.
 * - A begin on a channel the peer already uses, or an attach on a handle already in use,
 *   silently replaces the session or link (connection.js on_begin, session.js on_attach), which
 *   leaves the old one unreachable yet alive. Both are protocol errors (spec 2.7.2, 2.7.3): now
 *   thrown as such. So is a transfer on a link where the peer is the receiver: rhea's session
 *   hands it to the broker's sending link as if it were an incoming message, corrupting that
 *   link's credit and delivery-count.
 * - A frame's size is taken from its first four bytes and read until that many have come,
 *   however many that is (connection.js input): a peer can announce a 4 GiB frame and make the
 *   broker buffer all of it. A frame larger than the max-frame-size this thread advertises
 *   (refuseFramesOver) is a framing error.
 * - A list, map or array header is believed (types.js read_compound, read_array): a count of
 *   four billion in a 20-byte frame allocates an array that long and, for an array of
 *   zero-width elements (nulls), loops four billion times. A size beyond the bytes left, or a
 *   count beyond the size, is a decode error.
 * - A sender answering a drain (link.js, Sender#_get_drain) moves its credit into delivery-count
 *   one unit at a time: a flow with drain and a credit of four billion is four billion
 *   iterations. It is moved in one step (drain-echo.ts, applied with this patch, which also
 *   answers a drain that came with no credit).
 */
import { drainEcho } from './drain-echo.js';
import type { RheaPatch } from './patch.js';
import {
  connectionPrototype,
  errorsModule,
  incomingPrototype,
  outgoingPrototype,
  saslServerPrototype,
  sessionPrototype,
  specimenRing,
  transportPrototype,
  typesModule,
} from './rhea-lib.js';

interface DispositionFields {
  role?: boolean;
  first?: unknown;
  last?: unknown;
  settled?: boolean;
  state?: unknown;
}
interface DeliveryRing {
  get_head(): { id: number } | undefined;
  get_tail(): { id: number } | undefined;
}
interface DispositionSide {
  deliveries: DeliveryRing;
  on_disposition(this: DispositionSide, fields: DispositionFields): void;
}
interface HardenedConnection {
  socket?: { writable?: boolean; end(): void };
  state: { local_open: boolean; remote_open: boolean };
  local: { close: { error?: unknown } };
  _write_close(): void;
}
interface TransportPrototype {
  read(this: { handler: unknown }, buffer: Buffer): number;
  peek_size(this: { handler: unknown }, buffer: Buffer): number | undefined;
}
interface SaslServerPrototype {
  do_step(this: SaslServerInternals, challenge: unknown): void;
  on_sasl_init(this: SaslServerInternals, frame: unknown): void;
}
interface SaslServerInternals {
  outcome?: number;
  connection: { output(): void; socket?: { end(): void } };
}
interface ReuseFrame {
  channel: number;
  performative: { remote_channel?: number | null; handle?: unknown };
}
interface ChannelOwner {
  remote_channel_map: Record<number, unknown>;
}
interface HandleOwner {
  remote: { handles: Record<string, { is_remote_open?: () => boolean; is_sender?: () => boolean }> };
}
interface ReuseConnection {
  on_begin(this: ChannelOwner, frame: ReuseFrame): void;
  _write_close?: unknown;
}
interface ReuseSession {
  on_attach(this: HandleOwner, frame: ReuseFrame): void;
  on_transfer(this: HandleOwner, frame: ReuseFrame): void;
}
interface TypesReader {
  position: number;
  buffer: Buffer;
  read_size_count(this: TypesReader, width: number): { size: number; count: number };
}

const sides = [outgoingPrototype as DispositionSide, incomingPrototype as DispositionSide];
const ring = specimenRing as Partial<DeliveryRing>;
const transport = transportPrototype as TransportPrototype;
const saslServer = saslServerPrototype as Partial<SaslServerPrototype> | undefined;
const connection = connectionPrototype as ReuseConnection;
const session = sessionPrototype as ReuseSession;
const reader = (typesModule as { Reader: { prototype: TypesReader } }).Reader.prototype;
const DecodeError = (errorsModule as { TypeError: new (message: string) => Error }).TypeError;
const SASL_OK = 0;
let applied = false;
let frameLimit = 0;

/** Apply the seven fixes above (per thread). Incoming frames are limited by refuseFramesOver. */
export const hostilePeers: RheaPatch = {
  name: 'hostile peers',
  targets: () => ({
    'Outgoing#on_disposition': sides[0].on_disposition,
    'Incoming#on_disposition': sides[1].on_disposition,
    'deliveries.get_head': ring.get_head,
    'deliveries.get_tail': ring.get_tail,
    'Transport#read': transport.read,
    'Transport#peek_size': transport.peek_size,
    'sasl.Server#do_step': saslServer?.do_step,
    'sasl.Server#on_sasl_init': saslServer?.on_sasl_init,
    'Connection#_write_close': connection._write_close,
    'Connection#on_begin': connection.on_begin,
    'Session#on_attach': session.on_attach,
    'Session#on_transfer': session.on_transfer,
    'types.Reader#read_size_count': reader.read_size_count,
    'errors.TypeError': DecodeError,
    ...drainEcho.targets(),
  }),
  apply(): void {
    if (applied) return;
    for (const side of sides) side.on_disposition = clippedDisposition(side.on_disposition);
    limitFrames();
    // One step, also echoing a drain that came with no credit.
    drainEcho.apply();
    refuseReuse();
    boundCompoundHeaders();
    endFailedSasl();
    applied = true;
  },
};

/**
 * Incoming frames larger than `maxFrameBytes` (what the thread's listeners advertise; 0: no
 * limit) are refused, once hostilePeers is applied.
 */
export function refuseFramesOver(maxFrameBytes: number): void {
  frameLimit = maxFrameBytes;
}

/** An input error that names its AMQP condition (closeWithError puts it in the close). */
class PeerProtocolError extends Error {
  constructor(
    message: string,
    readonly condition: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function clippedDisposition(original: DispositionSide['on_disposition']): DispositionSide['on_disposition'] {
  return function (this: DispositionSide, fields: DispositionFields): void {
    const head = this.deliveries.get_head();
    const tail = this.deliveries.get_tail();
    const first = fields.first;
    // rhea reads a missing (or zero) last as first.
    const last = fields.last ? fields.last : first;
    if (!head || !tail || typeof first !== 'number' || typeof last !== 'number') return;
    const from = Math.max(first, head.id);
    const to = Math.min(last, tail.id);
    if (from > to) return;
    original.call(this, { role: fields.role, first: from, last: to, settled: fields.settled, state: fields.state });
  };
}

function limitFrames(): void {
  const peekSize = transport.peek_size;
  transport.peek_size = function (this: { handler: unknown }, buffer: Buffer): number | undefined {
    const size = peekSize.call(this, buffer);
    if (size !== undefined && frameLimit > 0 && size > frameLimit) {
      const error = new PeerProtocolError(
        `frame of ${size} bytes exceeds max-frame-size ${frameLimit}`,
        'amqp:connection:framing-error',
      );
      closeWithError(this.handler as HardenedConnection, error);
      throw error;
    }
    return size;
  };
  const read = transport.read;
  transport.read = function (this: { handler: unknown }, buffer: Buffer): number {
    try {
      return read.call(this, buffer);
    } catch (error) {
      closeWithError(this.handler as HardenedConnection, error);
      throw error;
    }
  };
}

function stillOpen(endpoint: unknown): boolean {
  return Boolean((endpoint as { is_remote_open?: () => boolean } | undefined)?.is_remote_open?.());
}

function refuseReuse(): void {
  const onBegin = connection.on_begin;
  connection.on_begin = function (this: ChannelOwner, frame: ReuseFrame): void {
    const peerInitiated = frame.performative.remote_channel === null || frame.performative.remote_channel === undefined;
    if (peerInitiated && stillOpen(this.remote_channel_map[frame.channel])) {
      throw new PeerProtocolError(`begin on channel ${frame.channel}, already in use`, 'amqp:connection:framing-error');
    }
    onBegin.call(this, frame);
  };
  const onAttach = session.on_attach;
  session.on_attach = function (this: HandleOwner, frame: ReuseFrame): void {
    const handle = String(frame.performative.handle);
    // rhea keeps a detached link under its handle for a while (or for good): only a link the peer still has
    // attached holds it.
    if (stillOpen(this.remote.handles[handle])) {
      throw new PeerProtocolError(`attach on handle ${handle}, already in use`, 'amqp:session:handle-in-use');
    }
    onAttach.call(this, frame);
  };
  const onTransfer = session.on_transfer;
  session.on_transfer = function (this: HandleOwner, frame: ReuseFrame): void {
    const handle = String(frame.performative.handle);
    if (this.remote.handles[handle]?.is_sender?.()) {
      throw new PeerProtocolError(`transfer on handle ${handle}, where the peer receives`, 'amqp:not-allowed');
    }
    onTransfer.call(this, frame);
  };
}

function boundCompoundHeaders(): void {
  const original = reader.read_size_count;
  reader.read_size_count = function (this: TypesReader, width: number): { size: number; count: number } {
    const limits = original.call(this, width);
    // The size counts the bytes after the size field, the count's own included.
    const left = this.buffer.length - (this.position - width);
    if (limits.size > left || limits.count > limits.size) {
      throw new DecodeError(`compound of ${limits.count} items in ${limits.size} bytes, ${left} left`);
    }
    return limits;
  };
}

function endFailedSasl(): void {
  const sasl = saslServer as SaslServerPrototype;
  const doStep = sasl.do_step;
  sasl.do_step = function (this: SaslServerInternals, challenge: unknown): void {
    doStep.call(this, challenge);
    endIfFailed(this);
  };
  const onInit = sasl.on_sasl_init;
  sasl.on_sasl_init = function (this: SaslServerInternals, frame: unknown): void {
    onInit.call(this, frame);
    endIfFailed(this);
  };
}

function endIfFailed(server: SaslServerInternals): void {
  if (server.outcome === undefined || server.outcome === SASL_OK) return;
  server.connection.output();
  server.connection.socket?.end();
}

function closeWithError(connection: HardenedConnection, error: unknown): void {
  const name = (error as { name?: string })?.name;
  const condition =
    error instanceof PeerProtocolError
      ? error.condition
      : name === 'ProtocolError'
        ? 'amqp:connection:framing-error'
        : name === 'TypeError'
          ? 'amqp:decode-error'
          : 'amqp:internal-error';
  writeClose(connection, condition, error instanceof Error ? error.message : String(error));
}

/**
 * Writes a close frame carrying an error at once, ahead of rhea ending the socket; a no-op
 * unless the connection is past both opens (before that no close frame is allowed).
 */
export function writeClose(connection: object, condition: string, description: string): void {
  const c = connection as HardenedConnection;
  if (!c?.state?.local_open || !c.state.remote_open || !c.socket?.writable) return;
  try {
    c.local.close.error = { condition, description: description.slice(0, 200) };
    c._write_close();
  } catch {
    // The close is a courtesy: the socket is ended whatever happens here.
  }
}
