/**
 * Incoming deliveries without closures. rhea's Incoming#on_transfer (session.js) builds each
 * delivery as an object literal with five fresh closures (update, accept, release, reject,
 * modified), and each accept builds a new accepted outcome. Profiled on a 100-byte closed loop
 * (2026-12-07), on_transfer was 4-5% of a receiver thread's CPU and 3.5% of the broker's, plus
 * its share of garbage collection.
 *
 * This patch files each delivery as an IncomingDelivery, whose methods live on its prototype and
 * behave as rhea's closures do (the same settle default from rcv-settle-mode, the same
 * session-half the delivery was filed in, so a delivery of a connection since lost never
 * reaches the new one's dispositions), and accept() hands over one shared accepted outcome
 * (rhea writes a disposition's state as given and never changes it). The transfer sequence
 * (delivery ids, multi-frame deliveries, transfer ids, credit and delivery-count) is rhea's
 * logic, line for line.
 *
 * It replaces Incoming#on_transfer outright, so it must be applied before any patch that wraps
 * it (aborted-transfers.ts); apply throws if one already did.
 */
import type { RheaPatch } from './patch.js';
import { incomingPrototype, messageModule } from './rhea-lib.js';

interface TransferPerformative {
  delivery_id?: number | null;
  delivery_tag?: unknown;
  message_format?: number | null;
  settled?: unknown;
  state?: unknown;
  more?: unknown;
}
interface TransferFrame {
  performative: TransferPerformative;
  payload?: Buffer;
}
interface ReceiverInternals {
  _incomplete?: IncomingDelivery;
  credit: number;
  delivery_count: number;
  local: { attach: { rcv_settle_mode?: number } };
  is_remote_open(): boolean;
  dispatch(event: string, context: object): boolean;
  _context(context: object): object;
}
interface DeliveryRing {
  push(delivery: IncomingDelivery): void;
}
interface IncomingInternals {
  next_transfer_id: number;
  next_delivery_id: number | null | undefined;
  deliveries: DeliveryRing;
  update(delivery: IncomingDelivery, settled: boolean, state: unknown): void;
  on_transfer(this: IncomingInternals, frame: TransferFrame, receiver: ReceiverInternals): void;
}
interface Described {
  described(): unknown;
}
interface MessageModule {
  decode(buffer: Buffer): unknown;
  accepted(): Described;
  released(): Described;
  rejected(fields: object): Described;
  modified(fields: object): Described;
}

const incoming = incomingPrototype as IncomingInternals;
const message = messageModule as MessageModule;
const rheaOnTransfer = incoming.on_transfer;

/** The one accepted outcome every accept() hands over (rhea writes it as given; nothing changes it). */
let acceptedOutcome: unknown;

/** A delivery as rhea's Incoming#on_transfer files it, with its methods on the prototype. */
export class IncomingDelivery {
  settled = false;
  state: unknown = undefined;
  incomplete: unknown = undefined;
  frames: Buffer[] | undefined;

  constructor(
    /** The session half that filed it: its updates go there, as rhea's closure does. */
    private readonly filedIn: IncomingInternals,
    readonly id: number,
    readonly tag: unknown,
    readonly format: number | null | undefined,
    readonly link: ReceiverInternals,
    public remote_settled: unknown,
    public remote_state: unknown,
    payload: Buffer | undefined,
  ) {
    // rhea keeps the payload list as given, an undefined payload included.
    this.frames = [payload as Buffer];
  }

  update(settled: boolean | undefined, state?: unknown): void {
    const settle = settled === undefined ? this.link.local.attach.rcv_settle_mode !== 1 : settled;
    this.filedIn.update(this, settle, state);
  }

  accept(): void {
    acceptedOutcome ??= message.accepted().described();
    this.update(undefined, acceptedOutcome);
  }

  release(params?: object): void {
    this.update(undefined, params ? message.modified(params).described() : message.released().described());
  }

  reject(error?: unknown): void {
    this.update(undefined, message.rejected({ error }).described());
  }

  modified(params: object): void {
    this.update(undefined, message.modified(params).described());
  }
}

/** rhea's Incoming#on_transfer (session.js, 3.0.5) with the delivery as an IncomingDelivery. */
function onTransfer(this: IncomingInternals, frame: TransferFrame, receiver: ReceiverInternals): void {
  this.next_transfer_id++;
  if (!receiver.is_remote_open()) throw Error('transfer after detach');
  const fields = frame.performative;
  if (this.next_delivery_id === undefined) this.next_delivery_id = fields.delivery_id;
  let current = receiver._incomplete;
  if (current) {
    if (fields.delivery_id !== undefined && fields.delivery_id !== null && current.id !== fields.delivery_id) {
      throw Error(`frame sequence error: delivery ${current.id} not complete, got ${fields.delivery_id}`);
    }
    if (frame.payload) current.frames?.push(frame.payload);
  } else if (this.next_delivery_id === fields.delivery_id) {
    current = new IncomingDelivery(
      this,
      fields.delivery_id as number,
      fields.delivery_tag,
      fields.message_format,
      receiver,
      fields.settled === undefined ? false : fields.settled,
      fields.state,
      frame.payload,
    );
    this.deliveries.push(current);
    this.next_delivery_id = (fields.delivery_id as number) + 1;
  } else {
    throw Error(`frame sequence error: expected ${this.next_delivery_id}, got ${fields.delivery_id}`);
  }
  current.incomplete = fields.more;
  if (current.incomplete) {
    receiver._incomplete = current;
    return;
  }
  receiver._incomplete = undefined;
  const parts = current.frames as Buffer[];
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  current.frames = undefined;
  if (receiver.credit > 0) receiver.credit--;
  else console.error('Received transfer when credit was %d', receiver.credit);
  receiver.delivery_count++;
  const context =
    current.format === 0
      ? { message: message.decode(data), delivery: current }
      : { message: data, delivery: current, format: current.format };
  receiver.dispatch('message', receiver._context(context));
}

let applied = false;

/** File incoming deliveries without per-delivery closures (per thread; before abortedTransfers). */
export const incomingDeliveries: RheaPatch = {
  name: 'incoming deliveries',
  targets: () => ({
    'Incoming#on_transfer': incoming.on_transfer,
    'Incoming#update': incoming.update,
    'message.accepted': message.accepted,
    'message.released': message.released,
    'message.rejected': message.rejected,
    'message.modified': message.modified,
  }),
  apply(): void {
    if (applied) return;
    if (incoming.on_transfer !== rheaOnTransfer) {
      throw new Error('incomingDeliveries must be applied before any patch that wraps Incoming#on_transfer');
    }
    incoming.on_transfer = onTransfer;
    applied = true;
  },
};
