/**
 * A raw TCP peer for broker tests: writes whatever bytes it is given and
 * records what the broker answers (headers, performatives, errors) and when
 * the broker lets the socket go. Every wait is bounded.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { errorCondition, P, readFrames } from './frames.js';
import type { ReadFrame } from './frames.js';

export interface RawClient {
  socket: Socket;
  frames: ReadFrame[];
  headers: number[];
  /** The broker's open arrived. */
  opened(): boolean;
  /** The condition of the broker's close (or failed sasl-outcome), if one came. */
  closeError(): string | undefined;
  closedByBroker(): boolean;
  write(bytes: Buffer): void;
  /** Resolves once `condition` holds (true) or after `ms` (false). */
  until(condition: () => boolean, ms: number): Promise<boolean>;
  /** Resolves when the socket has closed (true) or after `ms` (false). */
  closed(ms: number): Promise<boolean>;
  destroy(): void;
}

export function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const frames: ReadFrame[] = [];
    const headers: number[] = [];
    let pending = Buffer.alloc(0);
    let isClosed = false;
    let brokerEnded = false;
    const waiters = new Set<() => void>();
    const wake = (): void => {
      for (const waiter of [...waiters]) waiter();
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        pending = Buffer.from(
          readFrames(
            Buffer.concat([pending, chunk]),
            (id) => headers.push(id),
            (f) => frames.push(f),
          ),
        );
      } catch {
        pending = Buffer.alloc(0);
      }
      wake();
    });
    socket.on('end', () => {
      brokerEnded = true;
      wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      isClosed = true;
      wake();
    });
    const until = (condition: () => boolean, ms: number): Promise<boolean> => {
      if (condition()) return Promise.resolve(true);
      return new Promise((done) => {
        const timer = setTimeout(() => finish(false), ms);
        const check = (): void => {
          if (condition()) finish(true);
        };
        const finish = (value: boolean): void => {
          clearTimeout(timer);
          waiters.delete(check);
          done(value);
        };
        waiters.add(check);
      });
    };
    const client: RawClient = {
      socket,
      frames,
      headers,
      opened: () => frames.some((f) => f.code === P.open),
      closeError: () => {
        const last = frames.find((f) => f.code === P.close || (f.code === P.saslOutcome && f.fields[0] !== 0));
        if (!last) return undefined;
        return last.code === P.saslOutcome ? `sasl-outcome ${String(last.fields[0])}` : errorCondition(last);
      },
      closedByBroker: () => brokerEnded || isClosed,
      write: (bytes) => {
        if (!socket.destroyed && socket.writable) socket.write(bytes);
      },
      until,
      closed: (ms) => until(() => brokerEnded || isClosed, ms),
      destroy: () => socket.destroy(),
    };
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}
