/**
 * A TCP proxy between clients and a broker that injects faults: it listens on
 * 127.0.0.1:0, opens one upstream connection per client connection (a pair),
 * and forwards bytes both ways. On request it resets every pair (RST to both
 * peers), blackholes them for a while (stops reading and forwarding, keeps the
 * sockets open), and for the whole run it may delay each direction (fixed +
 * jitter, order kept), cap its bytes per second (token bucket) and end a pair
 * after so many bytes. Every fault it injects is recorded as plain data, and
 * how late it wrote each delayed chunk is measured (release-lateness.ts).
 *
 * The forwarding path: one 'data' handler per direction, bound once per pair.
 * Unshaped, a chunk is written straight through with pipe's backpressure (pause
 * on a full write buffer, resume on 'drain'); only latency and bandwidth put
 * chunks in a queue (latency-queue.ts). A delayed chunk is written when the
 * proxy's one release clock says it is due (release-clock.ts); bandwidth
 * (token-bucket.ts) waits on a timer.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyQueue } from './latency-queue.js';
import { ReleaseClock, releaseNowUs, type DueWaiter } from './release-clock.js';
import { ReleaseLateness } from './release-lateness.js';
import { TokenBucket } from './token-bucket.js';
import type { LatencySummary } from '../metrics/index.js';
import type { FaultRecord } from '../metrics/fault-record.js';

export type { FaultRecord };
import type { ProxyEvent } from '../plan/fault-timeline.js';
import { mulberry32 } from '../plan/fault-timeline.js';
import type { FaultDirection, StandingFault } from '../plan/fault-spec.js';

export interface FaultProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  readonly standing?: readonly StandingFault[];
  /** Seeds latency jitter; the same seed gives the same delays in the same order. */
  readonly seed?: number;
}

/** An event to inject now (a timeline event without its time). */
export type FaultAction = { readonly kind: 'reset' } | { readonly kind: 'blackhole'; readonly durationMs: number };

interface Shaping {
  readonly fixedMs: number;
  readonly jitterMs: number;
  readonly bytesPerSecond: number;
}

// Why a direction's source is paused; it reads again when no reason is left.
const HOLD_BACKPRESSURE = 1;
const HOLD_BLACKHOLE = 2;
const HOLD_QUEUE_FULL = 4;
/** Bytes a shaped direction may hold before it stops reading its source. */
const QUEUE_LIMIT_BYTES = 1024 * 1024;
/** Grace for a pair ended by close-after-bytes to flush before it is destroyed. */
const END_GRACE_MS = 1000;

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private readonly records: FaultRecord[] = [];
  private readonly shapingUp: Shaping | null;
  private readonly shapingDown: Shaping | null;
  private readonly closeAfterBytes: number;
  private readonly random: () => number;
  private readonly releases = new ReleaseClock();
  private readonly lateness = new ReleaseLateness();
  private originMs = performance.now();
  private blackholeUntilMs = 0;
  private blackholeTimer: NodeJS.Timeout | undefined;
  private timelineTimer: NodeJS.Timeout | undefined;
  private measureTimer: NodeJS.Timeout | undefined;
  private nextPairId = 1;

  private constructor(
    private readonly server: net.Server,
    private readonly options: FaultProxyOptions,
  ) {
    const standing = options.standing ?? [];
    this.shapingUp = shapingFor(standing, 'up');
    this.shapingDown = shapingFor(standing, 'down');
    const limit = standing.find((fault) => fault.kind === 'close-after-bytes');
    this.closeAfterBytes = limit?.kind === 'close-after-bytes' ? limit.bytes : Infinity;
    this.random = mulberry32(options.seed ?? 1);
    // Standing faults hold from the start: stamped 0, whatever the time the constructor took.
    for (const fault of standing)
      this.records.push({ atMs: 0, kind: fault.kind, target: 'all connections', effect: describeStanding(fault) });
    server.on('connection', (client: Socket) => this.accept(client));
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FaultProxy(server, options);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Connection pairs open now. */
  get connectionCount(): number {
    return this.pairs.size;
  }

  faults(): readonly FaultRecord[] {
    return this.records;
  }

  /** How late delayed chunks were written after their due time (release-lateness.ts); null when none was delayed. */
  releaseLateness(): LatencySummary | null {
    return this.lateness.summary();
  }

  inject(action: FaultAction): FaultRecord {
    return action.kind === 'reset' ? this.reset() : this.blackhole(action.durationMs);
  }

  /**
   * Restarts the clock at `originMs` (performance.now() of any thread of the
   * process: they share one origin; default now) and injects each event at
   * its time; replaces any earlier timeline. Release lateness counts from
   * `measureFromMs` after the origin (the run's warm-up end) on.
   */
  arm(timeline: readonly ProxyEvent[], originMs = performance.now(), measureFromMs = 0): void {
    clearTimeout(this.timelineTimer);
    clearTimeout(this.measureTimer);
    this.originMs = originMs;
    this.lateness.reset();
    const untilMeasuredMs = measureFromMs - this.elapsedMs();
    if (untilMeasuredMs > 0) this.measureTimer = setTimeout(() => this.lateness.reset(), untilMeasuredMs);
    const fireFrom = (index: number): void => {
      while (index < timeline.length && timeline[index].atMs <= this.elapsedMs()) this.inject(timeline[index++]);
      if (index < timeline.length) {
        this.timelineTimer = setTimeout(() => fireFrom(index), timeline[index].atMs - this.elapsedMs());
      }
    };
    fireFrom(0);
  }

  async stop(): Promise<readonly FaultRecord[]> {
    clearTimeout(this.timelineTimer);
    clearTimeout(this.measureTimer);
    clearTimeout(this.blackholeTimer);
    for (const pair of this.pairs) pair.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    return this.records;
  }

  private reset(): FaultRecord {
    const count = this.pairs.size;
    for (const pair of this.pairs) pair.reset();
    return this.record('reset', allConnections(count), `${plural(count, 'connection')} reset`);
  }

  private blackhole(durationMs: number): FaultRecord {
    const now = performance.now();
    this.blackholeUntilMs = Math.max(this.blackholeUntilMs, now + durationMs);
    for (const pair of this.pairs) pair.hold(HOLD_BLACKHOLE);
    clearTimeout(this.blackholeTimer);
    this.blackholeTimer = setTimeout(() => this.endBlackhole(), this.blackholeUntilMs - now);
    return this.record(
      'blackhole',
      allConnections(this.pairs.size),
      `forwarding stopped for ${durationMs} ms on ${plural(this.pairs.size, 'connection')} and any opened meanwhile`,
    );
  }

  private endBlackhole(): void {
    this.blackholeTimer = undefined;
    this.blackholeUntilMs = 0;
    for (const pair of this.pairs) pair.release(HOLD_BLACKHOLE);
  }

  private accept(client: Socket): void {
    const upstream = net.connect({
      host: this.options.targetHost,
      port: this.options.targetPort,
      allowHalfOpen: true,
      noDelay: true,
    });
    client.setNoDelay(true);
    const pair = new Pair(this.nextPairId++, client, upstream, this);
    this.pairs.add(pair);
    if (this.blackholeUntilMs > 0) pair.hold(HOLD_BLACKHOLE);
  }

  /** @internal for Pair */
  pairClosed(pair: Pair): void {
    this.pairs.delete(pair);
  }

  /** @internal for Pair */
  pairSettings(): PairSettings {
    return {
      up: this.shapingUp,
      down: this.shapingDown,
      closeAfterBytes: this.closeAfterBytes,
      random: this.random,
      releases: this.releases,
      lateness: this.lateness,
    };
  }

  /** @internal for Pair */
  record(kind: string, target: string, effect: string): FaultRecord {
    const record = { atMs: Math.max(0, Math.round(this.elapsedMs())), kind, target, effect };
    this.records.push(record);
    return record;
  }

  private elapsedMs(): number {
    return performance.now() - this.originMs;
  }
}

interface PairSettings {
  readonly up: Shaping | null;
  readonly down: Shaping | null;
  readonly closeAfterBytes: number;
  readonly random: () => number;
  readonly releases: ReleaseClock;
  readonly lateness: ReleaseLateness;
}

/** A client connection and its upstream connection. */
class Pair {
  private readonly up: Flow;
  private readonly down: Flow;
  private closedSockets = 0;
  /** Bytes this pair may still forward (close-after-bytes), both directions together. */
  remainingBytes: number;
  private readonly limitBytes: number;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly proxy: FaultProxy,
  ) {
    const settings = proxy.pairSettings();
    this.limitBytes = settings.closeAfterBytes;
    this.remainingBytes = settings.closeAfterBytes;
    this.up = new Flow(client, upstream, this, settings.up, settings);
    this.down = new Flow(upstream, client, this, settings.down, settings);
    this.watch(client, upstream);
    this.watch(upstream, client);
  }

  hold(reason: number): void {
    this.up.hold(reason);
    this.down.hold(reason);
  }

  release(reason: number): void {
    this.up.release(reason);
    this.down.release(reason);
  }

  reset(): void {
    resetSocket(this.client);
    resetSocket(this.upstream);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Called by a Flow when the byte budget is spent: both peers get a FIN. */
  endForBytes(): void {
    this.up.stop();
    this.down.stop();
    this.client.end();
    this.upstream.end();
    setTimeout(() => this.destroy(), END_GRACE_MS).unref();
    this.proxy.record('close-after-bytes', `connection ${this.id}`, `closed after ${this.limitBytes} bytes`);
  }

  private watch(socket: Socket, other: Socket): void {
    // A peer's reset is passed on as a reset, anything else as a close.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') resetSocket(other);
      else other.destroy();
    });
    socket.on('close', () => {
      if (!other.destroyed) other.end();
      if (++this.closedSockets === 2) {
        this.up.stop();
        this.down.stop();
        this.proxy.pairClosed(this);
      }
    });
  }
}

/** One direction of a pair: source's bytes written to sink, shaped or not. */
class Flow implements DueWaiter {
  private holds = 0;
  /** Shaped directions only: what was read and is not written yet. */
  private readonly queue: LatencyQueue | undefined;
  /** Directions with a bandwidth fault only. */
  private readonly bucket: TokenBucket | null;
  private timer: NodeJS.Timeout | undefined;
  private readonly releases: ReleaseClock;
  private readonly lateness: ReleaseLateness;
  private waitingDrain = false;
  private sourceEnded = false;
  private stopped = false;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly pair: Pair,
    shaping: Shaping | null,
    settings: PairSettings,
  ) {
    this.releases = settings.releases;
    this.lateness = settings.lateness;
    this.queue = shaping ? new LatencyQueue(shaping.fixedMs, shaping.jitterMs, settings.random) : undefined;
    this.bucket = shaping && shaping.bytesPerSecond > 0 ? new TokenBucket(shaping.bytesPerSecond, clockMs()) : null;
    source.on('data', shaping ? this.onShapedData : this.onData);
    source.on('end', this.onEnd);
    sink.on('drain', this.onDrain);
  }

  hold(reason: number): void {
    if (this.holds === 0) this.source.pause();
    this.holds |= reason;
  }

  release(reason: number): void {
    if ((this.holds & reason) === 0) return;
    this.holds &= ~reason;
    if (this.holds === 0 && !this.source.destroyed) this.source.resume();
    if (reason === HOLD_BLACKHOLE && this.queue) this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.cancelWake();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (!this.forward(chunk)) this.hold(HOLD_BACKPRESSURE);
  };

  private readonly onShapedData = (chunk: Buffer): void => {
    const queue = this.queue!;
    queue.push(chunk, clockMs());
    if (queue.queuedBytes > QUEUE_LIMIT_BYTES) this.hold(HOLD_QUEUE_FULL);
    if (!this.waking()) this.drain();
  };

  private readonly onDrain = (): void => {
    this.release(HOLD_BACKPRESSURE);
    if (this.waitingDrain) {
      this.waitingDrain = false;
      this.drain();
    }
  };

  private readonly onEnd = (): void => {
    this.sourceEnded = true;
    if ((this.queue?.queuedBytes ?? 0) === 0 && !this.stopped) this.sink.end();
  };

  /** `released`: the release clock's call, so every chunk written now was due by now and its lateness counts. */
  private drain(released = false): void {
    // A blackhole's end or a 'drain' may call this while a wake-up is pending: one at a time.
    this.cancelWake();
    const queue = this.queue!;
    const bucket = this.bucket;
    while (queue.length > 0) {
      if (this.stopped || this.waitingDrain || (this.holds & HOLD_BLACKHOLE) !== 0) return;
      const nowMs = clockMs();
      const dueMs = queue.headDueMs();
      if (dueMs > nowMs) return this.releases.at(this, dueMs * 1000);
      const length = queue.headBytes();
      if (bucket !== null && !bucket.ready(length, nowMs)) return this.wake(bucket.waitMs(length));
      const chunk = queue.take(bucket === null ? length : bucket.take(length));
      if (queue.queuedBytes <= QUEUE_LIMIT_BYTES / 2) this.release(HOLD_QUEUE_FULL);
      // A bandwidth or drain wait ends the loop, and what follows it is late on purpose: not counted.
      if (released) this.lateness.record((nowMs - dueMs) * 1000);
      if (!this.forward(chunk)) this.waitingDrain = true;
    }
    if (this.sourceEnded && !this.stopped) this.sink.end();
  }

  private wake(afterMs: number): void {
    this.timer = setTimeout(() => this.drain(), Math.max(1, Math.ceil(afterMs)));
  }

  /** The release clock's call: the chunk ahead is due. */
  onDue(): void {
    this.drain(true);
  }

  private waking(): boolean {
    return this.timer !== undefined || this.releases.has(this);
  }

  private cancelWake(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.releases.cancel(this);
  }

  /** Writes through, within the pair's byte budget; false when the sink's buffer is full. */
  private forward(chunk: Buffer): boolean {
    if (this.stopped) return true;
    const pair = this.pair;
    if (pair.remainingBytes === Infinity) return this.sink.write(chunk);
    if (chunk.length < pair.remainingBytes) {
      pair.remainingBytes -= chunk.length;
      return this.sink.write(chunk);
    }
    const last = chunk.subarray(0, pair.remainingBytes);
    pair.remainingBytes = 0;
    if (last.length > 0) this.sink.write(last);
    pair.endForBytes();
    return true;
  }
}

/** The Flow's clock: the release clock's, in ms. */
function clockMs(): number {
  return releaseNowUs() / 1000;
}

function shapingFor(standing: readonly StandingFault[], direction: 'up' | 'down'): Shaping | null {
  let fixedMs = 0;
  let jitterMs = 0;
  let bytesPerSecond = 0;
  for (const fault of standing) {
    if (fault.kind === 'close-after-bytes' || !applies(fault.direction, direction)) continue;
    if (fault.kind === 'latency') {
      fixedMs = fault.fixedMs;
      jitterMs = fault.jitterMs;
    } else bytesPerSecond = fault.bytesPerSecond;
  }
  return fixedMs > 0 || jitterMs > 0 || bytesPerSecond > 0 ? { fixedMs, jitterMs, bytesPerSecond } : null;
}

function applies(given: FaultDirection, direction: 'up' | 'down'): boolean {
  return given === 'both' || given === direction;
}

function describeStanding(fault: StandingFault): string {
  const where = (direction: FaultDirection): string =>
    direction === 'both' ? 'both directions' : direction === 'up' ? 'client to broker' : 'broker to client';
  switch (fault.kind) {
    case 'latency':
      return (
        `${fault.fixedMs} ms${fault.jitterMs > 0 ? ` + up to ${fault.jitterMs} ms jitter` : ''} added, ` +
        `${where(fault.direction)}`
      );
    case 'bandwidth':
      return `limited to ${fault.bytesPerSecond} bytes/s, ${where(fault.direction)}`;
    case 'close-after-bytes':
      return `each connection closed after ${fault.bytes} bytes`;
  }
}

function resetSocket(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

function allConnections(count: number): string {
  return `all connections (${count})`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
