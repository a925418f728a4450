/**
 * What the kernel still holds of a TCP connection whose two ends are on this
 * host: bytes written by one end and not yet acknowledged, and bytes arrived
 * at the other end that its process has not read. Linux lists both, for every
 * socket of the network namespace, in /proc/net/tcp and /proc/net/tcp6
 * (tx_queue and rx_queue). Elsewhere, or for a peer on another host, nothing
 * is known.
 *
 * A broker restart needs it: bytes a peer has not read when an RST arrives
 * are thrown away by the peer's kernel, so a transfer "written" is not yet a
 * transfer received.
 */
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
/** Socket states in those tables (include/net/tcp_states.h), in hex. */
const TIME_WAIT = '06';
const LISTEN = '0A';

interface Queues {
  tx: number;
  rx: number;
}

/**
 * For each socket, whether everything it wrote has been read by the process at the other
 * end: true or false when the peer is on this host, null when that cannot be known.
 */
export async function peersHaveRead(sockets: Iterable<Socket>): Promise<(boolean | null)[]> {
  const table = await readTables();
  const answers: (boolean | null)[] = [];
  for (const socket of sockets) {
    if (socket.destroyed || socket.localPort === undefined || socket.remotePort === undefined) continue;
    const ours = table.get(key(socket.localPort, socket.remotePort));
    const theirs = table.get(key(socket.remotePort, socket.localPort));
    answers.push(ours && theirs ? ours.tx === 0 && theirs.rx === 0 : null);
  }
  return answers;
}

/** Sockets by "local port:remote port" (ports are enough to tell connections on one host apart). */
async function readTables(): Promise<Map<string, Queues>> {
  const table = new Map<string, Queues>();
  for (const file of TABLES) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) addLine(table, line);
  }
  return table;
}

/** `sl local rem st tx:rx ...`, addresses as HEXIP:HEXPORT, queues in hex. */
function addLine(table: Map<string, Queues>, line: string): void {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 5) return;
  // A listener or a connection in TIME_WAIT holds no data; one might share the ports of a live one.
  if (fields[3] === LISTEN || fields[3] === TIME_WAIT) return;
  const local = portOf(fields[1]);
  const remote = portOf(fields[2]);
  const [tx, rx] = fields[4].split(':').map((hex) => parseInt(hex, 16));
  if (local === null || remote === null || !Number.isFinite(tx) || !Number.isFinite(rx)) return;
  const id = key(local, remote);
  const seen = table.get(id);
  table.set(id, seen ? { tx: Math.max(tx, seen.tx), rx: Math.max(rx, seen.rx) } : { tx, rx });
}

function portOf(address: string | undefined): number | null {
  const port = address ? parseInt(address.slice(address.lastIndexOf(':') + 1), 16) : NaN;
  return Number.isFinite(port) ? port : null;
}

function key(local: number, remote: number): string {
  return `${local}:${remote}`;
}
