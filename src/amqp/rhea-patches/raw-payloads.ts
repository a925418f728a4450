/**
 * Raw payloads: session.js decodes each incoming transfer with `message.decode`, looked up at
 * call time. A thread that forwards bytes (the broker) or reads them itself (a receiver worker)
 * swaps that function for one that returns the raw payload.
 */
import type { RheaPatch } from './patch.js';
import { messageModule } from './rhea-lib.js';

interface MessageModule {
  decode(buffer: Buffer): unknown;
  encode(message: object): Buffer;
}

const message = messageModule as MessageModule;

/** rhea's own decoder, kept before any patch so broker code can still decode on demand. */
export const decodeMessage: (buffer: Buffer) => unknown = message.decode.bind(message);
export const encodeMessage: (message: object) => Buffer = message.encode.bind(message);

// One flag for both patches: whichever a thread applies first stays.
let applied = false;

/**
 * From now on, every rhea receiver in this thread gets `context.message` as a Buffer holding the
 * message's encoded sections (a private copy, since rhea hands out a view into the socket's read
 * chunk). Only a thread that hosts nothing but the broker may apply this.
 */
export const rawPayloads: RheaPatch = {
  name: 'raw payloads (copies)',
  targets: () => ({ 'message.decode': message.decode }),
  apply(): void {
    if (applied) return;
    message.decode = (buffer: Buffer) => Buffer.from(buffer);
    applied = true;
  },
};

/**
 * Like rawPayloads, without the copy: `context.message` is a view into rhea's read buffer, valid
 * only during the 'message' event. For a thread whose receivers read what they need
 * synchronously and keep nothing.
 */
export const rawPayloadViews: RheaPatch = {
  name: 'raw payloads (views)',
  targets: () => ({ 'message.decode': message.decode }),
  apply(): void {
    if (applied) return;
    message.decode = (buffer: Buffer) => buffer;
    applied = true;
  },
};
