/**
 * Every place where salvo reaches into rhea beyond its public API lives here,
 * so that an upgrade of rhea breaks in one module (and its test) only.
 *
 * - Raw payloads: session.js decodes each incoming transfer with
 *   `message.decode` looked up at call time. A broker that forwards bytes
 *   swaps that function for one that returns a copy of the raw payload.
 * - Write coalescing: rhea calls socket.write once per frame. Corking the
 *   socket around rhea's processing pass and its input handler turns one tick's
 *   frames into one writev.
 * - SASL offer: rhea's SASL client reads the server's sasl-mechanisms frame,
 *   picks one and forgets the rest. A wrapper around its handler records the
 *   offered list per connection (observation only; behaviour is unchanged).
 * - Aborting a connection that never opened: the socket is destroyed.
 * - The broker's connection guard finds a connection's socket (socketOf).
 * - Transaction types (enableTransactionTypes): rhea knows neither the
 *   coordinator target nor the declared / transactional-state delivery states,
 *   and has no way to put a state on a transfer. Four wrappers teach it:
 *   terminus.unwrap (0x30), message.unwrap_outcome (0x33, 0x34),
 *   frames.transfer (state for deliveries whose tag was marked) and
 *   Session#on_transfer (reads a 0x34 transfer state before rhea's generic
 *   unwrap drops its descriptor). Non-transactional traffic is unchanged.
 * - Attach before transfers (enableAttachBeforeTransfers, the broker): rhea's
 *   Session#_process writes transfers before link attaches; a pre-pass writes
 *   pending attaches first.
 */
import { createRequire } from 'node:module';
import {
  COORDINATOR,
  DECLARED,
  TRANSACTIONAL_STATE,
  isDescribedAs,
  readCoordinator,
  readDeclared,
  readTransactionalState,
} from './transactions/codec.js';
import type { Typed } from './transactions/codec.js';

const require = createRequire(import.meta.url);

/**
 * The one rhea release these patches were written and tested against. package.json pins it
 * exactly; a test fails when the installed rhea differs, so an upgrade is a deliberate act
 * that re-reads every patch below.
 */
export const PATCHED_RHEA_VERSION = '3.0.5';

/** The rhea version this thread loaded. */
export function installedRheaVersion(): string {
  return (require('rhea/package.json') as { version: string }).version;
}

interface MessageModule {
  decode(buffer: Buffer): unknown;
  encode(message: object): Buffer;
}
interface ConnectionPrototype {
  input(this: PatchedConnection, buffer: Buffer): void;
  _process(this: PatchedConnection): void;
}
interface PatchedConnection {
  socket?: { cork?: () => void; uncork?: () => void };
}

const messageModule = require('rhea/lib/message.js') as MessageModule;
const connectionClass = require('rhea/lib/connection.js') as { prototype: ConnectionPrototype };
const saslModule = require('rhea/lib/sasl.js') as { Client: { prototype: SaslClientPrototype } };

interface SaslClientPrototype {
  on_sasl_mechanisms(this: SaslClient, frame: { performative: { sasl_server_mechanisms?: unknown } }): void;
}
interface SaslClient {
  connection: object;
}

/** rhea's own decoder, kept before any patch so broker code can still decode on demand. */
export const decodeMessage: (buffer: Buffer) => unknown = messageModule.decode.bind(messageModule);
export const encodeMessage: (message: object) => Buffer = messageModule.encode.bind(messageModule);

let rawPayloads = false;
let coalescing = false;
let saslObserved = false;
const saslOffers = new WeakMap<object, string[]>();

/**
 * From now on, every rhea receiver in this thread gets `context.message` as a
 * Buffer holding the message's encoded sections (a private copy, since rhea
 * hands out a view into the socket's read chunk). Only a thread that hosts
 * nothing but the broker may call this.
 */
export function enableRawPayloads(): void {
  if (rawPayloads) return;
  messageModule.decode = (buffer: Buffer) => Buffer.from(buffer);
  rawPayloads = true;
}

/**
 * Like enableRawPayloads, without the copy: `context.message` is a view into
 * rhea's read buffer, valid only during the 'message' event. For a thread
 * whose receivers read what they need synchronously and keep nothing.
 */
export function enableRawPayloadViews(): void {
  if (rawPayloads) return;
  messageModule.decode = (buffer: Buffer) => buffer;
  rawPayloads = true;
}

/** Coalesce each processing pass's frames into one socket write (per thread). */
export function enableWriteCoalescing(): void {
  if (coalescing) return;
  const proto = connectionClass.prototype;
  proto.input = corked(proto.input);
  proto._process = corked(proto._process);
  coalescing = true;
}

function corked<A extends unknown[]>(
  original: (this: PatchedConnection, ...args: A) => void,
): (this: PatchedConnection, ...args: A) => void {
  return function (this: PatchedConnection, ...args: A): void {
    const socket = this.socket;
    if (!socket || !socket.cork || !socket.uncork) {
      original.apply(this, args);
      return;
    }
    socket.cork();
    try {
      original.apply(this, args);
    } finally {
      socket.uncork();
    }
  };
}

// ---- exact dispositions ----
//
// rhea 3.0.5 batches a receiver's dispositions into ranges (session.js,
// write_dispositions), but compares outcomes only once a range holds two
// deliveries: a second delivery is always folded into a one-delivery range,
// whatever its outcome. So reject(d1) + accept(d2) in one tick goes out as
// "d1..d2 rejected" (an accepted message reported rejected), and accept(d1) +
// reject(d2) as "d1..d2 accepted" (a rejected message reported accepted).
// The fix hands rhea its pending dispositions in runs of equal outcome.

interface IncomingDelivery {
  settled: boolean;
  state?: unknown;
}
interface IncomingPrototype {
  process(this: { updated: IncomingDelivery[] }, session: unknown): void;
}

let exactDispositions = false;

function incomingPrototype(): IncomingPrototype {
  const Session = require('rhea/lib/session.js') as new (connection: object, channel: number) => { incoming: object };
  return Object.getPrototypeOf(new Session({ options: {} }, 0).incoming) as IncomingPrototype;
}

/** Make rhea never merge dispositions with different outcomes into one range (per thread, idempotent). */
export function enableExactDispositions(): void {
  if (exactDispositions) return;
  const proto = incomingPrototype();
  const original = proto.process;
  const equivalent = (messageModule as unknown as { are_outcomes_equivalent(a: unknown, b: unknown): boolean }).are_outcomes_equivalent;
  const mergeable = (a: IncomingDelivery, b: IncomingDelivery): boolean => a.settled === b.settled && equivalent(a.state, b.state);
  proto.process = function (this: { updated: IncomingDelivery[] }, session: unknown): void {
    const updated = this.updated;
    if (updated.length > 1) {
      let start = 0;
      for (let i = 1; i < updated.length; i++) {
        if (mergeable(updated[i - 1], updated[i])) continue;
        this.updated = updated.slice(start, i);
        original.call(this, session);
        start = i;
      }
      if (start > 0) this.updated = updated.slice(start);
    }
    original.call(this, session);
  };
  exactDispositions = true;
}

/** What the disposition patch depends on: rhea's Incoming.process and its outcome comparison. */
export function exactDispositionTargets(): { incomingProcess: boolean; outcomesEquivalent: boolean } {
  return {
    incomingProcess: typeof incomingPrototype().process === 'function',
    outcomesEquivalent: typeof (messageModule as unknown as { are_outcomes_equivalent?: unknown }).are_outcomes_equivalent === 'function',
  };
}

/**
 * From now on, record the mechanisms each client connection's server offers
 * (per thread, idempotent; safe anywhere since it only observes).
 */
export function observeSaslMechanisms(): void {
  if (saslObserved) return;
  const proto = saslModule.Client.prototype;
  const original = proto.on_sasl_mechanisms;
  proto.on_sasl_mechanisms = function (this: SaslClient, frame) {
    const offered = frame.performative.sasl_server_mechanisms;
    const list = Array.isArray(offered) ? offered : offered === undefined || offered === null ? [] : [offered];
    saslOffers.set(this.connection, list.map(String));
    original.call(this, frame);
  };
  saslObserved = true;
}

/**
 * The mechanisms the server offered on this connection, in its order;
 * undefined when no SASL exchange was seen (observeSaslMechanisms not called
 * before connecting, or the connection skipped SASL).
 */
export function offeredSaslMechanisms(connection: object): string[] | undefined {
  return saslOffers.get(connection);
}

/** Ends a connection's socket at once (for a connection abandoned before it opened). */
export function destroySocket(connection: object): void {
  (connection as { socket?: { destroy?: () => void } }).socket?.destroy?.();
}

/** The socket a connection reads and writes (undefined once rhea has let go of it). */
export function socketOf(connection: object): object | undefined {
  return (connection as { socket?: object }).socket;
}

/** What the patch test checks: the shapes these patches depend on are still there. */
export function patchTargetsPresent(): { decode: boolean; input: boolean; process: boolean; saslMechanisms: boolean } {
  return {
    decode: typeof messageModule.decode === 'function',
    input: typeof connectionClass.prototype.input === 'function',
    process: typeof connectionClass.prototype._process === 'function',
    saslMechanisms: typeof saslModule.Client?.prototype?.on_sasl_mechanisms === 'function',
  };
}

// ---- transaction types ----

interface TransferFields {
  delivery_tag?: unknown;
}
interface FrameBody {
  value: unknown[];
}
interface FramesModule {
  transfer(fields: TransferFields): FrameBody;
}
interface SessionPrototype {
  on_transfer(this: unknown, frame: { performative?: FrameBody }): void;
}
interface OutcomeModule {
  unwrap_outcome(outcome: unknown): unknown;
}
interface TerminusModule {
  unwrap(field: unknown): unknown;
}

const terminusModule = require('rhea/lib/terminus.js') as TerminusModule;
const framesModule = require('rhea/lib/frames.js') as FramesModule;
const sessionClass = require('rhea/lib/session.js') as { prototype: SessionPrototype };
const rheaTypes = require('rhea/lib/types.js') as { Null(): unknown };

/** Index of `state` in the transfer performative's field list (frames.js). */
export const TRANSFER_STATE_INDEX = 7;

let transactionTypes = false;
const transferStates = new WeakMap<object, Typed>();

/**
 * Teach rhea (in this thread; idempotent) the transaction types: a peer's
 * coordinator target arrives as a CoordinatorTarget, a declared outcome as
 * Declared, a transactional-state (on a disposition or a transfer) as
 * TransactionalState (each from ./transactions/codec.ts, carrying
 * `constructor.composite_type`, so rhea dispatches a `declared` /
 * `transactional_state` event for them). Transfers of deliveries whose tag
 * went through markTransactionalTransfer carry that state.
 */
export function enableTransactionTypes(): void {
  if (transactionTypes) return;
  const unwrapTerminus = terminusModule.unwrap;
  terminusModule.unwrap = function (this: unknown, field: unknown): unknown {
    if (isDescribedAs(field, COORDINATOR)) return readCoordinator(field as Typed);
    return unwrapTerminus.call(this, field);
  };
  const outcomes = messageModule as unknown as OutcomeModule;
  const unwrapOutcome = outcomes.unwrap_outcome;
  outcomes.unwrap_outcome = function (this: unknown, outcome: unknown): unknown {
    if (isDescribedAs(outcome, DECLARED)) return readDeclared(outcome as Typed);
    if (isDescribedAs(outcome, TRANSACTIONAL_STATE)) return readTransactionalState(outcome as Typed);
    return unwrapOutcome.call(this, outcome);
  };
  const transfer = framesModule.transfer;
  framesModule.transfer = function (this: unknown, fields: TransferFields): FrameBody {
    const frame = transfer.call(this, fields);
    const tag = fields.delivery_tag;
    const state = typeof tag === 'object' && tag !== null ? transferStates.get(tag) : undefined;
    if (state) {
      while (frame.value.length < TRANSFER_STATE_INDEX) frame.value.push(rheaTypes.Null());
      frame.value[TRANSFER_STATE_INDEX] = state;
    }
    return frame;
  };
  const onTransfer = sessionClass.prototype.on_transfer;
  sessionClass.prototype.on_transfer = function (this: unknown, frame: { performative?: FrameBody }): void {
    const fields = frame.performative?.value;
    const raw = fields?.[TRANSFER_STATE_INDEX];
    // rhea's transfer getter would unwrap the state into a bare list; a plain object passes through.
    if (fields && raw && isDescribedAs(raw, TRANSACTIONAL_STATE)) fields[TRANSFER_STATE_INDEX] = readTransactionalState(raw as Typed);
    onTransfer.call(this, frame);
  };
  transactionTypes = true;
}

/** Every transfer frame of the delivery sent with this tag (a Buffer object, by identity) carries `state`. */
export function markTransactionalTransfer(tag: Buffer, state: Typed): void {
  transferStates.set(tag, state);
}

/** Replace a link's local target before its attach is written (rhea only builds 0x29 targets). */
export function setLocalTarget(link: object, target: Typed): void {
  (link as { local: { attach: { target?: unknown } } }).local.attach.target = target;
}

/**
 * Settle an outgoing delivery and stop waiting for the peer to settle it too.
 * rhea frees a sender's delivery slot only once both ends settled; a peer that
 * never settles (Proton after a transactional accept is committed) would pin
 * the session's delivery ring for good.
 */
export function forgetDelivery(delivery: object, state?: Typed): void {
  const d = delivery as { update(settled: boolean, state?: Typed): void; remote_settled: boolean; settled: boolean };
  if (!d.settled) d.update(true, state);
  d.remote_settled = true;
}

/**
 * Watch a link's events without taking them from the application: rhea emits
 * every link event on the link's `observers` first, while a listener on the
 * link itself would stop the event reaching the session, connection and
 * container. Returns the unsubscribe function.
 */
export function observeLink(link: object, events: string[], listener: (context: unknown) => void): () => void {
  const observers = (link as { observers: { on(e: string, l: (c: unknown) => void): void; off(e: string, l: (c: unknown) => void): void } }).observers;
  for (const event of events) observers.on(event, listener);
  return () => {
    for (const event of events) observers.off(event, listener);
  };
}

interface SessionInternals {
  state: { need_open(): boolean };
  local: { begin: unknown };
  links: Record<string, { state: { need_open(): boolean }; local: { attach: unknown } }>;
  output(frame: unknown): void;
}

let attachFirst = false;

/**
 * Write every pending link attach before any transfer (per thread, idempotent).
 * rhea's Session#_process writes outgoing transfers before it lets each link
 * write its attach. A server that gets a receiver's attach and its flow in one
 * read, and sends from the flow event (a broker with queued messages), would
 * put transfers on the wire ahead of the attach, which the peer rejects
 * ("Invalid handle", or "transfer after detach" when the handle is reused).
 */
export function enableAttachBeforeTransfers(): void {
  if (attachFirst) return;
  const proto = sessionClass.prototype as unknown as { _process(this: SessionInternals): void };
  const original = proto._process;
  proto._process = function (this: SessionInternals): void {
    if (this.state.need_open()) this.output(this.local.begin);
    for (const key in this.links) {
      const link = this.links[key];
      if (link.state.need_open()) this.output(link.local.attach);
    }
    original.call(this);
  };
  attachFirst = true;
}

/** What the transaction patch test checks: the shapes enableTransactionTypes depends on. */
export function transactionPatchTargets(): {
  terminusUnwrap: boolean;
  unwrapOutcome: boolean;
  framesTransfer: boolean;
  sessionOnTransfer: boolean;
  sessionProcess: boolean;
  typesNull: boolean;
} {
  return {
    terminusUnwrap: typeof terminusModule.unwrap === 'function',
    unwrapOutcome: typeof (messageModule as unknown as OutcomeModule).unwrap_outcome === 'function',
    framesTransfer: typeof framesModule.transfer === 'function',
    sessionOnTransfer: typeof sessionClass.prototype.on_transfer === 'function',
    sessionProcess: typeof (sessionClass.prototype as unknown as { _process?: unknown })._process === 'function',
    typesNull: typeof rheaTypes.Null === 'function',
  };
}

// ---- deliveries the broker gives up on ----

interface RingDelivery {
  link: object;
  settled: boolean;
  remote_settled: boolean;
}
interface AbandonRing {
  size: number;
  head: number;
  capacity: number;
  entries: (RingDelivery | undefined)[];
}
interface RingedLink {
  is_sender(): boolean;
  session: { outgoing: { deliveries: AbandonRing }; incoming: { deliveries: AbandonRing } };
  connection: { _register(): void };
}

/**
 * Forget, on both sides and without writing anything, every delivery of `link`
 * still in its session's ring: a detached consumer's unsettled deliveries (the
 * broker has put their messages back on the queue) or a detached producer's
 * unsettled transfers (left in doubt for their sender). rhea frees ring slots
 * only from the head and only once a delivery is settled (both ends, for an
 * outgoing one), so each abandoned delivery would otherwise pin a slot for good
 * and the session would stall once its ring (2,048 slots) wrapped past it.
 * Returns how many deliveries were released from the ring.
 */
export function abandonDeliveries(link: object): number {
  const ringed = link as RingedLink;
  const ring = ringed.is_sender() ? ringed.session.outgoing.deliveries : ringed.session.incoming.deliveries;
  let abandoned = 0;
  for (let i = 0; i < ring.size; i++) {
    const delivery = ring.entries[(ring.head + i) % ring.capacity];
    if (!delivery || delivery.link !== link || (delivery.settled && delivery.remote_settled)) continue;
    delivery.settled = true;
    delivery.remote_settled = true;
    abandoned++;
  }
  // A processing pass pops the freed slots from the ring's head.
  if (abandoned > 0) ringed.connection._register();
  return abandoned;
}

/** Forget one incoming delivery the broker will never settle (a transfer that arrived after its link was detached). */
export function abandonDelivery(delivery: object): void {
  const d = delivery as RingDelivery & { link: RingedLink };
  d.settled = true;
  d.remote_settled = true;
  d.link.connection._register();
}

/**
 * How many of a sending link's deliveries rhea still holds unwritten, whole or in part: it
 * writes a delivery's transfers only within the peer's session window, so a delivery the
 * broker handed over may not have left yet. Those are the ids from the session's next
 * pending delivery up. Not for the hot path (a broker restart counts with it).
 */
export function unsentDeliveries(link: object): number {
  const outgoing = (link as { session: { outgoing: UnsentOutgoing } }).session.outgoing;
  let unsent = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === link) unsent++;
  }
  return unsent;
}

interface UnsentOutgoing {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: object } | undefined };
}

// ---- drain answered even without credit ----
// ---- hardening against hostile peers (the broker's connection guard) ----
//
// Seven things rhea 3.0.5 does with a peer's bad input, each fixed here:
// - A disposition's range is walked id by id (session.js, on_disposition):
//   first 0, last 4,294,967,295 is four billion lookups in one frame, and the
//   thread stalls for minutes. The range is clipped to the ids the session's
//   delivery ring actually holds.
// - An input it cannot process (a framing or decode error, or a performative
//   that its state machine throws on) makes it end the socket with no AMQP
//   close: the peer never learns why. Once the connection is open, a close
//   carrying the error is written first (Transport#read is where all input
//   passes, inside Connection#input's try).
// - A failed SASL outcome is written and the socket left open for the peer
//   to close (or not); it is ended once the outcome is out.
// - A begin on a channel the peer already uses, or an attach on a handle
//   already in use, silently replaces the session or link (connection.js
//   on_begin, session.js on_attach), which leaves the old one unreachable yet
//   alive. Both are protocol errors (spec 2.7.2, 2.7.3): now thrown as such.
//   So is a transfer on a link where the peer is the receiver: rhea's session
//   hands it to the broker's sending link as if it were an incoming message,
//   corrupting that link's credit and delivery-count.
// - A frame's size is taken from its first four bytes and read until that
//   many have come, however many that is (connection.js input): a peer can
//   announce a 4 GiB frame and make the broker buffer all of it. A frame
//   larger than the max-frame-size this thread advertises is a framing error.
// - A list, map or array header is believed (types.js read_compound,
//   read_array): a count of four billion in a 20-byte frame allocates an array
//   that long and, for an array of zero-width elements (nulls), loops four
//   billion times. A size beyond the bytes left, or a count beyond the size,
//   is a decode error.
// - A sender answering a drain (link.js, Sender#_get_drain) moves its credit
//   into delivery-count one unit at a time: a flow with drain and a credit of
//   four billion is four billion iterations. It is moved in one step
//   (enableDrainAnswers, which also answers a drain that came with no credit).

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
  transport: unknown;
  amqp_transport: unknown;
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

const transportClass = require('rhea/lib/transport.js') as { prototype: TransportPrototype };
const SASL_OK = 0;
let hardened = false;
let frameLimit = 0;

function dispositionSides(): DispositionSide[] {
  const Session = require('rhea/lib/session.js') as new (connection: object, channel: number) => { incoming: object; outgoing: object };
  const session = new Session({ options: {} }, 0);
  return [Object.getPrototypeOf(session.outgoing) as DispositionSide, Object.getPrototypeOf(session.incoming) as DispositionSide];
}

/**
 * Apply the seven fixes above (per thread, idempotent); incoming frames larger than
 * `maxFrameBytes` (what the thread's listeners advertise; 0: no limit) are refused.
 */
export function hardenAgainstHostilePeers(maxFrameBytes: number): void {
  frameLimit = maxFrameBytes;
  if (hardened) return;
  for (const side of dispositionSides()) side.on_disposition = clippedDisposition(side.on_disposition);
  const transport = transportClass.prototype;
  const peekSize = transport.peek_size;
  transport.peek_size = function (this: { handler: unknown }, buffer: Buffer): number | undefined {
    const size = peekSize.call(this, buffer);
    if (size !== undefined && frameLimit > 0 && size > frameLimit) {
      const error = new PeerProtocolError(`frame of ${size} bytes exceeds max-frame-size ${frameLimit}`, 'amqp:connection:framing-error');
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
  // One step, also echoing a drain that came with no credit (see enableDrainAnswers).
  enableDrainAnswers();
  refuseReuse();
  boundCompoundHeaders();
  const sasl = (require('rhea/lib/sasl.js') as { Server: { prototype: SaslServerPrototype } }).Server.prototype;
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
  hardened = true;
}

interface ReuseFrame {
  channel: number;
  performative: { remote_channel?: number | null; handle?: unknown };
}

/** An input error that names its AMQP condition (closeWithError puts it in the close). */
class PeerProtocolError extends Error {
  constructor(message: string, readonly condition: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function stillOpen(endpoint: unknown): boolean {
  return Boolean((endpoint as { is_remote_open?: () => boolean } | undefined)?.is_remote_open?.());
}

function refuseReuse(): void {
  const connection = connectionClass.prototype as unknown as {
    on_begin(this: { remote_channel_map: Record<number, unknown> }, frame: ReuseFrame): void;
  };
  const onBegin = connection.on_begin;
  connection.on_begin = function (this: { remote_channel_map: Record<number, unknown> }, frame: ReuseFrame): void {
    const peerInitiated = frame.performative.remote_channel === null || frame.performative.remote_channel === undefined;
    if (peerInitiated && stillOpen(this.remote_channel_map[frame.channel])) {
      throw new PeerProtocolError(`begin on channel ${frame.channel}, already in use`, 'amqp:connection:framing-error');
    }
    onBegin.call(this, frame);
  };
  const session = sessionClass.prototype as unknown as {
    on_attach(this: { remote: { handles: Record<string, unknown> } }, frame: ReuseFrame): void;
  };
  const onAttach = session.on_attach;
  session.on_attach = function (this: { remote: { handles: Record<string, unknown> } }, frame: ReuseFrame): void {
    const handle = String(frame.performative.handle);
    // rhea keeps a detached link under its handle for a while (or for good): only a link the peer still has attached holds it.
    if (stillOpen(this.remote.handles[handle])) throw new PeerProtocolError(`attach on handle ${handle}, already in use`, 'amqp:session:handle-in-use');
    onAttach.call(this, frame);
  };
  const withLinks = sessionClass.prototype as unknown as {
    on_transfer(this: { remote: { handles: Record<string, { is_sender?: () => boolean }> } }, frame: ReuseFrame): void;
  };
  const onTransfer = withLinks.on_transfer;
  withLinks.on_transfer = function (this: { remote: { handles: Record<string, { is_sender?: () => boolean }> } }, frame: ReuseFrame): void {
    const link = this.remote.handles[String(frame.performative.handle)];
    if (link?.is_sender?.()) throw new PeerProtocolError(`transfer on handle ${String(frame.performative.handle)}, where the peer receives`, 'amqp:not-allowed');
    onTransfer.call(this, frame);
  };
}

interface TypesReader {
  position: number;
  buffer: Buffer;
  read_size_count(this: TypesReader, width: number): { size: number; count: number };
}

function readerPrototype(): TypesReader {
  return (require('rhea/lib/types.js') as { Reader: { prototype: TypesReader } }).Reader.prototype;
}

function boundCompoundHeaders(): void {
  const reader = readerPrototype();
  const original = reader.read_size_count;
  const DecodeError = (require('rhea/lib/errors.js') as { TypeError: new (message: string) => Error }).TypeError;
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

interface DrainingSender {
  _draining: boolean;
  _drained: boolean;
  credit: number;
  delivery_count: number;
}
const linkModule = require('rhea/lib/link.js') as { Sender: { prototype: { _get_drain(this: DrainingSender): boolean } } };

let drainAnswers = false;

/**
 * Make every sender's drain answer carry drain=true (per thread, idempotent). rhea's
 * Sender#_get_drain echoes drain only while credit is left, so a drain that came with
 * no credit (go-amqp's DrainCredit, Qpid JMS's receiveNoWait) is answered with a flow that
 * lacks the flag, and the peer waits for good. The patched version gives up whatever
 * credit is left (delivery-count advances over it) and echoes drain once per request.
 */
export function enableDrainAnswers(): void {
  if (drainAnswers) return;
  linkModule.Sender.prototype._get_drain = function (this: DrainingSender): boolean {
    if (!this._draining || !this._drained) return false;
    this.delivery_count += this.credit;
    this.credit = 0;
    this._drained = false;
    return true;
  };
  drainAnswers = true;
}

/** What the drain patch replaces is still there. */
export function drainPatchTarget(): boolean {
  return typeof linkModule.Sender?.prototype?._get_drain === 'function';
}

// ---- aborted transfers ----

interface TransferPerformative {
  more?: boolean;
  aborted?: boolean;
}
interface IncomingTransfer {
  performative: TransferPerformative;
  payload?: Buffer;
}
interface AbortingReceiver {
  _incomplete?: { frames?: Buffer[]; settled: boolean; remote_settled: boolean };
  credit: number;
  delivery_count: number;
  dispatch(event: string, context: object): boolean;
  _context(context: object): object;
}
interface IncomingWithTransfer {
  on_transfer(this: unknown, frame: IncomingTransfer, receiver: AbortingReceiver): void;
}

/** The event a receiver link raises (in a thread that enabled aborted transfers) for a discarded delivery. */
export const DELIVERY_ABORTED_EVENT = 'delivery_aborted';

let abortedTransfers = false;

/**
 * Discard aborted deliveries (AMQP 1.0 section 2.7.5; per thread, idempotent). rhea ignores
 * the transfer's `aborted` flag and hands the partial bytes out as a whole message. The
 * patched handler files the aborting frame like any other (so delivery ids, transfer ids and
 * the session window stay in step with the sender), then drops the delivery: no 'message'
 * event, its ring slot freed (an aborted delivery is implicitly settled), and its credit
 * counted as used, as the sender counts it. The link raises DELIVERY_ABORTED_EVENT instead,
 * so its owner can grant that credit again.
 */
export function enableAbortedTransfers(): void {
  if (abortedTransfers) return;
  const proto = incomingPrototype() as unknown as IncomingWithTransfer;
  const original = proto.on_transfer;
  proto.on_transfer = function (this: unknown, frame: IncomingTransfer, receiver: AbortingReceiver): void {
    if (!frame.performative.aborted) return original.call(this, frame, receiver);
    // "any payload within the frame carrying the performative MUST be ignored"
    frame.performative.more = true;
    frame.payload = undefined;
    original.call(this, frame, receiver);
    const delivery = receiver._incomplete;
    receiver._incomplete = undefined;
    if (!delivery) return;
    delete delivery.frames;
    delivery.settled = true;
    delivery.remote_settled = true;
    if (receiver.credit > 0) receiver.credit--;
    receiver.delivery_count++;
    receiver.dispatch(DELIVERY_ABORTED_EVENT, receiver._context({ delivery }));
  };
  abortedTransfers = true;
}

/** What the aborted-transfers patch wraps is still there. */
export function abortedTransfersTarget(): boolean {
  return typeof (incomingPrototype() as unknown as Partial<IncomingWithTransfer>).on_transfer === 'function';
}

function senderPrototype(): { _get_drain?: (this: DrainingSender) => boolean } {
  return (require('rhea/lib/link.js') as { Sender: { prototype: { _get_drain?: (this: DrainingSender) => boolean } } }).Sender.prototype;
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

function closeWithError(connection: HardenedConnection, error: unknown): void {
  const name = (error as { name?: string })?.name;
  const condition = error instanceof PeerProtocolError ? error.condition : name === 'ProtocolError' ? 'amqp:connection:framing-error' : name === 'TypeError' ? 'amqp:decode-error' : 'amqp:internal-error';
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

function endIfFailed(server: SaslServerInternals): void {
  if (server.outcome === undefined || server.outcome === SASL_OK) return;
  server.connection.output();
  server.connection.socket?.end();
}

/** What the hardening test checks: the shapes hardenAgainstHostilePeers depends on. */
export function hardeningTargets(): {
  onDisposition: boolean;
  ringEnds: boolean;
  transportRead: boolean;
  saslServer: boolean;
  writeClose: boolean;
  senderDrain: boolean;
  compoundHeaders: boolean;
  onBeginAttach: boolean;
} {
  const sides = dispositionSides();
  const Session = require('rhea/lib/session.js') as new (connection: object, channel: number) => { outgoing: { deliveries: Partial<DeliveryRing> } };
  const ring = new Session({ options: {} }, 0).outgoing.deliveries;
  const sasl = (require('rhea/lib/sasl.js') as { Server?: { prototype: Partial<SaslServerPrototype> } }).Server?.prototype;
  return {
    onDisposition: sides.every((side) => typeof side.on_disposition === 'function'),
    ringEnds: typeof ring.get_head === 'function' && typeof ring.get_tail === 'function',
    transportRead: typeof transportClass.prototype.read === 'function' && typeof transportClass.prototype.peek_size === 'function',
    saslServer: typeof sasl?.do_step === 'function' && typeof sasl?.on_sasl_init === 'function',
    writeClose: typeof (connectionClass.prototype as unknown as { _write_close?: unknown })._write_close === 'function',
    senderDrain: typeof senderPrototype()._get_drain === 'function',
    compoundHeaders: typeof readerPrototype().read_size_count === 'function',
    onBeginAttach: typeof (connectionClass.prototype as unknown as { on_begin?: unknown }).on_begin === 'function'
      && typeof (sessionClass.prototype as unknown as { on_attach?: unknown }).on_attach === 'function',
  };
}
