/**
 * Write coalescing: rhea calls socket.write once per frame. Corking the socket around rhea's
 * processing pass and its input handler turns one tick's frames into one writev.
 */
import type { RheaPatch } from './patch.js';
import { connectionPrototype } from './rhea-lib.js';

interface ConnectionPrototype {
  input(this: CorkedConnection, buffer: Buffer): void;
  _process(this: CorkedConnection): void;
}
interface CorkedConnection {
  socket?: { cork?: () => void; uncork?: () => void };
}

const connection = connectionPrototype as ConnectionPrototype;
let applied = false;

/** Coalesce each processing pass's frames into one socket write (per thread). */
export const writeCoalescing: RheaPatch = {
  name: 'write coalescing',
  targets: () => ({ 'Connection#input': connection.input, 'Connection#_process': connection._process }),
  apply(): void {
    if (applied) return;
    connection.input = corked(connection.input);
    connection._process = corked(connection._process);
    applied = true;
  },
};

function corked<A extends unknown[]>(
  original: (this: CorkedConnection, ...args: A) => void,
): (this: CorkedConnection, ...args: A) => void {
  return function (this: CorkedConnection, ...args: A): void {
    const socket = this.socket;
    if (!socket?.cork || !socket.uncork) {
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
