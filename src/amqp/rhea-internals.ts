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
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

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

/** rhea's own decoder, kept before any patch so broker code can still decode on demand. */
export const decodeMessage: (buffer: Buffer) => unknown = messageModule.decode.bind(messageModule);
export const encodeMessage: (message: object) => Buffer = messageModule.encode.bind(messageModule);

let rawPayloads = false;
let coalescing = false;

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

/** What the patch test checks: the shapes these patches depend on are still there. */
export function patchTargetsPresent(): { decode: boolean; input: boolean; process: boolean } {
  return {
    decode: typeof messageModule.decode === 'function',
    input: typeof connectionClass.prototype.input === 'function',
    process: typeof connectionClass.prototype._process === 'function',
  };
}
