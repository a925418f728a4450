/**
 * Events passed up without rhea's per-level overhead. Every delivery event ('message' for an
 * incoming transfer, 'accepted' and 'settled' for a settlement) climbs link -> session ->
 * connection -> container (link.js, session.js, connection.js, container.js dispatch). At each
 * level rhea calls its events debug channel (off, but still a call with its arguments; the
 * container's builds a string first) and asks `listeners(name).length`, which copies the
 * listener array. In the broker, three events per message: profiled on a 100-byte closed loop
 * (2026-12-07), the debug calls alone were 1.4% of its CPU, the dispatch functions about 3%.
 *
 * Each event's context names its link as receiver or sender (link.js, _context), asking
 * is_receiver, which reads the role through the attach performative's getter and unwraps it
 * again, every time; a link's role is fixed when rhea builds it (link.init, from its class),
 * so Receiver and Sender answer from their prototype.
 *
 * This patch gives the four levels the same dispatch without those: the same observers, the
 * same listeners in the same order, the same return value, the event passed up exactly when
 * rhea passes it up. With rhea's events debug channel on, rhea's own dispatch runs (and logs).
 * Every rhea call site dispatches a name and one argument (a context or an error); that is
 * what is passed on.
 */
import { EventEmitter } from 'node:events';
import type { RheaPatch } from './patch.js';
import {
  connectionPrototype,
  containerPrototype,
  linkPrototype,
  logModule,
  receiverPrototype,
  senderPrototype,
  sessionPrototype,
} from './rhea-lib.js';

interface DebugChannel {
  enabled?: boolean;
}
type Dispatch = (name: string, argument: unknown) => boolean;
interface Dispatching {
  dispatch: Dispatch;
}
interface LinkLevel extends EventEmitter {
  observers: EventEmitter;
  session: Dispatching;
}
interface SessionLevel extends EventEmitter {
  observers: EventEmitter;
  connection: Dispatching;
}
interface ConnectionLevel extends EventEmitter {
  container?: Dispatching;
}

const link = linkPrototype as Dispatching;
const session = sessionPrototype as Dispatching;
const connection = connectionPrototype as Dispatching;
const container = containerPrototype as Dispatching;
const log = logModule as { events?: DebugChannel };
interface Role {
  is_receiver(): boolean;
}
const roles = { link: linkPrototype as Role, receiver: receiverPrototype as Role, sender: senderPrototype as Role };
const emit = EventEmitter.prototype.emit;

/** link.js dispatch: the link's observers, then its listeners, else the session's. */
function linkQuiet(link: LinkLevel, name: string, argument: unknown): boolean {
  emit.call(link.observers, name, argument);
  if (link.listenerCount(name) > 0) {
    emit.call(link, name, argument);
    return true;
  }
  return sessionQuiet(link.session as unknown as SessionLevel, name, argument);
}

/** session.js dispatch: the session's observers, then its listeners, else the connection's. */
function sessionQuiet(session: SessionLevel, name: string, argument: unknown): boolean {
  emit.call(session.observers, name, argument);
  if (session.listenerCount(name) > 0) {
    emit.call(session, name, argument);
    return true;
  }
  return connectionQuiet(session.connection as unknown as ConnectionLevel, name, argument);
}

/** connection.js dispatch: its listeners, else the container's. */
function connectionQuiet(connection: ConnectionLevel, name: string, argument: unknown): boolean {
  if (connection.listenerCount(name) > 0) {
    emit.call(connection, name, argument);
    return true;
  }
  return connection.container ? containerQuiet(connection.container as unknown as EventEmitter, name, argument) : false;
}

/** container.js dispatch: emits (an 'error' nobody hears throws, as there); asked after emitting, as rhea does. */
function containerQuiet(container: EventEmitter, name: string, argument: unknown): boolean {
  emit.call(container, name, argument);
  return container.listenerCount(name) > 0;
}

let applied = false;

/** Pass rhea's events up without debug calls or listener copies while its events channel is off (per thread). */
export const eventDispatch: RheaPatch = {
  name: 'event dispatch',
  targets: () => ({
    'link#dispatch': link.dispatch,
    'Session#dispatch': session.dispatch,
    'Connection#dispatch': connection.dispatch,
    'Container#dispatch': container.dispatch,
    'debug channel events (log.js)': log.events,
    'link#is_receiver': roles.link.is_receiver,
  }),
  apply(): void {
    if (applied) return;
    const rhea = {
      link: link.dispatch as (this: LinkLevel, name: string, argument: unknown) => boolean,
      session: session.dispatch as (this: SessionLevel, name: string, argument: unknown) => boolean,
      connection: connection.dispatch as (this: ConnectionLevel, name: string, argument: unknown) => boolean,
      container: container.dispatch as (this: EventEmitter, name: string, argument: unknown) => boolean,
    };
    // The debug channel is asked once per event, where it enters; the levels above are called directly.
    link.dispatch = function (this: LinkLevel, name: string, argument: unknown): boolean {
      return log.events?.enabled ? rhea.link.call(this, name, argument) : linkQuiet(this, name, argument);
    } as Dispatch;
    session.dispatch = function (this: SessionLevel, name: string, argument: unknown): boolean {
      return log.events?.enabled ? rhea.session.call(this, name, argument) : sessionQuiet(this, name, argument);
    } as Dispatch;
    connection.dispatch = function (this: ConnectionLevel, name: string, argument: unknown): boolean {
      return log.events?.enabled ? rhea.connection.call(this, name, argument) : connectionQuiet(this, name, argument);
    } as Dispatch;
    container.dispatch = function (this: EventEmitter, name: string, argument: unknown): boolean {
      return log.events?.enabled ? rhea.container.call(this, name, argument) : containerQuiet(this, name, argument);
    } as Dispatch;
    // link.init builds a Receiver with role true and a Sender with role false; nothing sets it again.
    roles.receiver.is_receiver = () => true;
    roles.sender.is_receiver = () => false;
    applied = true;
  },
};
