/**
 * rhea's private modules, loaded here once for the whole folder: the one place in salvo that
 * names a file of rhea/lib. Where rhea's public entry hands out the same object (`rhea.message`
 * is lib/message.js, `rhea.types` is lib/types.js), that one is used.
 *
 * Each export is typed as a bare object: every patch declares the few members it touches,
 * so what a patch depends on is written next to the patch.
 */
import { createRequire } from 'node:module';
import rhea from 'rhea';

const require = createRequire(import.meta.url);

type SessionClass = new (connection: object, channel: number) => { incoming: object; outgoing: object };

/** The rhea version this thread loaded. */
export function installedRheaVersion(): string {
  return (require('rhea/package.json') as { version: string }).version;
}

/** lib/message.js: encode, decode, unwrap_outcome, are_outcomes_equivalent. */
export const messageModule: object = rhea.message;
/** lib/types.js: Null, Reader. */
export const typesModule: object = rhea.types;
/** lib/frames.js: transfer. */
export const framesModule = require('rhea/lib/frames.js') as object;
/** lib/terminus.js: unwrap. */
export const terminusModule = require('rhea/lib/terminus.js') as object;
/** lib/log.js: rhea's debug channels (frames, raw). */
export const logModule = require('rhea/lib/log.js') as object;
/** lib/errors.js: TypeError (rhea's decode error). */
export const errorsModule = require('rhea/lib/errors.js') as object;

/** Connection.prototype (lib/connection.js). */
export const connectionPrototype = (require('rhea/lib/connection.js') as { prototype: object }).prototype;
const Session = require('rhea/lib/session.js') as SessionClass;
/** Session.prototype (lib/session.js). */
export const sessionPrototype = Session.prototype as object;
/** Transport.prototype (lib/transport.js), where every incoming byte is framed. */
export const transportPrototype = (require('rhea/lib/transport.js') as { prototype: object }).prototype;
/** Sender.prototype (lib/link.js). */
export const senderPrototype = (require('rhea/lib/link.js') as { Sender: { prototype: object } }).Sender.prototype;
/** Receiver.prototype (lib/link.js). */
export const receiverPrototype = (require('rhea/lib/link.js') as { Receiver: { prototype: object } }).Receiver
  .prototype;
/** The prototype Sender.prototype and Receiver.prototype share (lib/link.js: `link`, with dispatch). */
export const linkPrototype = Object.getPrototypeOf(senderPrototype) as object;
/** Container.prototype (lib/container.js): rhea's default export is a container. */
export const containerPrototype = Object.getPrototypeOf(rhea) as object;
const sasl = require('rhea/lib/sasl.js') as { Client?: { prototype: object }; Server?: { prototype: object } };
/** The SASL client's prototype (lib/sasl.js); undefined if rhea renamed it. */
export const saslClientPrototype: object | undefined = sasl.Client?.prototype;
/** The SASL server's prototype (lib/sasl.js); undefined if rhea renamed it. */
export const saslServerPrototype: object | undefined = sasl.Server?.prototype;

// A session's incoming and outgoing halves are instances of classes session.js does not export:
// their prototypes are taken from a session built on a stand-in connection (no socket, no I/O).
const specimen = new Session({ options: {} }, 0);
/** The prototype of a session's incoming half (Incoming in session.js). */
export const incomingPrototype = Object.getPrototypeOf(specimen.incoming) as object;
/** The prototype of a session's outgoing half (Outgoing in session.js). */
export const outgoingPrototype = Object.getPrototypeOf(specimen.outgoing) as object;
/** A session's outgoing delivery ring, from the same stand-in session (read-only use: its shape). */
export const specimenRing = (specimen.outgoing as { deliveries: object }).deliveries;

const Connection = require('rhea/lib/connection.js') as new (
  options: object,
) => {
  create_session(): { attach_sender(options: object): object; attach_receiver(options: object): object };
};

/**
 * A connection with one session, one sender and one receiver, never connected (no socket, no
 * timer): what a target check reads rhea's per-instance fields from. Not for the hot path.
 */
export function specimenEndpoints(): { connection: object; session: object; sender: object; receiver: object } {
  const connection = new Connection({ id: 'salvo-specimen', reconnect: false });
  const session = connection.create_session();
  const sender = session.attach_sender({ target: 'specimen' });
  const receiver = session.attach_receiver({ source: 'specimen' });
  return { connection, session, sender, receiver };
}
