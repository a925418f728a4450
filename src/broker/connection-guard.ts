/**
 * Keeps slow and hostile peers from holding broker memory without bound.
 *
 * - Open deadline: a socket that has not completed header, SASL and open
 *   within `openTimeoutMs` of being accepted is destroyed (a peer that sends
 *   the protocol header and then nothing).
 * - Idle time-out: the broker advertises half of `idleTimeoutMs` in its open,
 *   as AMQP 2.4.5 advises, and rhea closes a connection that sends nothing for
 *   twice what was advertised (close with amqp:resource-limit-exceeded, socket
 *   aborted a second later). rhea also sends empty frames at half the peer's
 *   advertised idle time-out, so a healthy idle peer stays open both ways.
 *   rhea stops its idle timer while a frame is half read, so a peer that
 *   starts a large frame and goes quiet would never be closed: the sweep
 *   also closes an open connection whose socket read nothing for
 *   `idleTimeoutMs` plus `IDLE_GRACE_MS` (rhea, when its timer runs, first).
 * - Output cap: a peer that stops reading makes its socket's unsent bytes
 *   grow. A socket holding more than `maxOutputBytes` unsent, of which
 *   nothing reached the peer for `STALL_MS`, is destroyed; so is
 *   one holding more than `HARD_CAP_FACTOR` times the cap, reading or not (a
 *   trickling reader with huge credit). A healthy consumer whose credit times
 *   message size passes the cap is left alone while it reads. rhea sees a
 *   socket error, reports the connection disconnected, and the broker returns
 *   that connection's unsettled deliveries to their queues.
 * - Frame size: the broker advertises `maxFrameBytes` as its max-frame-size
 *   and refuses a larger frame as soon as its size field is read, instead of
 *   buffering up to 4 GiB of it.
 * - Half-closed sockets: after rhea ends a socket on a protocol error, a peer
 *   that never closes its side could keep it (and its connection's state)
 *   forever; it is destroyed after `LINGER_MS`.
 *
 * - rhea's own handling of bad input (rhea-patches/hostile-peers.ts, applied by setupBrokerThread):
 *   a disposition's range is clipped to ids that exist, an open connection
 *   hears why it is closed, a failed SASL exchange ends the socket.
 *
 * One sweep timer checks every socket; nothing runs per frame or per message,
 * so the cap may be overshot by what the broker writes between two sweeps.
 */
import type { Socket } from 'node:net';
import type { Connection } from 'rhea';
import { refuseFramesOver, socketOf, writeClose } from '../amqp/rhea-patches/index.js';

export interface GuardOptions {
  /** From accept to the peer's open (header and SASL included); 0 = no deadline. */
  openTimeoutMs: number;
  /** Silence after which a connection is closed; half is advertised. 0 = none. */
  idleTimeoutMs: number;
  /** Unsent output per socket above which the socket is destroyed; 0 = no cap. */
  maxOutputBytes: number;
  /** Largest frame taken from a peer, advertised as max-frame-size in the open; 0 = no limit. */
  maxFrameBytes: number;
}

export const GUARD_DEFAULTS: GuardOptions = {
  openTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxOutputBytes: 64 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
};

const LINGER_MS = 2000;
const IDLE_GRACE_MS = 1000;
const HARD_CAP_FACTOR = 4;
/** How long a socket over the cap may go without the peer reading a byte (a loaded peer pauses). */
const STALL_MS = 1000;
const MAX_SWEEP_MS = 250;
const MIN_SWEEP_MS = 10;

interface Watched {
  acceptedAt: number;
  opened: boolean;
  endedAt: number;
  /** Bytes handed to the kernel by the previous sweep, and when that count last grew. */
  flushed: number;
  progressAt: number;
  /** Bytes read by the previous sweep, and when that count last grew. */
  read: number;
  readAt: number;
  connection?: Connection;
}

export class GuardCutError extends Error {
  constructor(readonly reason: 'open-timeout' | 'output-cap' | 'linger') {
    super(`connection cut by the broker: ${reason}`);
    this.name = 'GuardCutError';
  }
}

export class ConnectionGuard {
  private readonly sockets = new Map<Socket, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sweepMs: number;

  constructor(private readonly options: GuardOptions) {
    refuseFramesOver(options.maxFrameBytes);
    const shortest = Math.min(...[options.openTimeoutMs, LINGER_MS].filter((ms) => ms > 0));
    this.sweepMs = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, Math.floor(shortest / 4)));
  }

  /** What rhea's listen() needs to advertise and enforce the idle time-out. */
  listenOptions(): { idle_time_out?: number; max_frame_size?: number } {
    const { idleTimeoutMs, maxFrameBytes } = this.options;
    return {
      ...(idleTimeoutMs > 0 ? { idle_time_out: Math.max(1, Math.floor(idleTimeoutMs / 2)) } : {}),
      ...(maxFrameBytes > 0 ? { max_frame_size: maxFrameBytes } : {}),
    };
  }

  /** A socket was accepted: its open deadline starts now. */
  watch(socket: Socket): void {
    this.sockets.set(socket, {
      acceptedAt: Date.now(),
      opened: false,
      endedAt: 0,
      flushed: 0,
      progressAt: Date.now(),
      read: 0,
      readAt: Date.now(),
    });
    // rhea removes its own error listener when it aborts a socket; an error after that must not crash the broker.
    socket.on('error', ignore);
    socket.once('close', () => this.forget(socket));
    this.timer ??= setInterval(() => this.sweep(), this.sweepMs).unref();
  }

  /** The peer's open arrived. */
  opened(connection: Connection): void {
    const socket = socketOf(connection);
    const watched = socket && this.sockets.get(socket as Socket);
    if (!watched) return;
    watched.opened = true;
    watched.connection = connection;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private overCap(socket: Socket, watched: Watched, maxOutputBytes: number, now: number): boolean {
    const unsent = socket.writableLength;
    // bytesWritten counts what is still buffered too.
    const flushed = socket.bytesWritten - unsent;
    if (flushed !== watched.flushed || unsent === 0) watched.progressAt = now;
    watched.flushed = flushed;
    const stalled = now - watched.progressAt > STALL_MS;
    return unsent > HARD_CAP_FACTOR * maxOutputBytes || (unsent > maxOutputBytes && stalled);
  }

  private forget(socket: Socket): void {
    this.sockets.delete(socket);
    if (this.sockets.size === 0) this.stop();
  }

  private sweep(): void {
    const now = Date.now();
    const { openTimeoutMs, idleTimeoutMs, maxOutputBytes } = this.options;
    for (const [socket, watched] of this.sockets) {
      if (socket.destroyed) continue;
      if (socket.bytesRead !== watched.read) {
        watched.read = socket.bytesRead;
        watched.readAt = now;
      }
      if (openTimeoutMs > 0 && !watched.opened && now - watched.acceptedAt > openTimeoutMs) {
        cut(socket, 'open-timeout');
      } else if (maxOutputBytes > 0 && this.overCap(socket, watched, maxOutputBytes, now)) {
        cut(socket, 'output-cap');
      } else if (
        idleTimeoutMs > 0 &&
        watched.connection &&
        !socket.writableEnded &&
        now - watched.readAt > idleTimeoutMs + IDLE_GRACE_MS
      ) {
        writeClose(watched.connection, 'amqp:resource-limit-exceeded', `nothing read for ${idleTimeoutMs} ms`);
        socket.end();
      } else if (socket.writableEnded) {
        watched.endedAt ||= now;
        if (now - watched.endedAt > LINGER_MS) cut(socket, 'linger');
      }
    }
  }
}

function ignore(): void {}

/**
 * Destroyed with an error, so that rhea hears of it ('error', then 'disconnected'); a bare destroy() is silent to it.
 */
function cut(socket: Socket, reason: GuardCutError['reason']): void {
  socket.destroy(new GuardCutError(reason));
}
