/**
 * The toxiproxy backend of --faults (`--faults-via toxiproxy=URL`): the same
 * ProxyThread and the same FaultRecords as the built-in proxy, carried out by
 * an existing toxiproxy server (v2.5.0) through its HTTP API. Each run creates
 * its own proxy (salvo-<random>) on a free port and deletes it in stop().
 *
 * What maps to what, and why it is not always the obvious toxic (each found
 * by test against a real v2.5.0 server, test/faults/toxiproxy.test.ts):
 *   latency F+J dir     `latency` toxic per stream. toxiproxy draws latency ± jitter,
 *                       salvo means F plus up to J, so it gets latency F+J/2, jitter J/2.
 *   bandwidth R dir     `bandwidth` toxic per stream; its rate is in KB/s of 1,000 bytes.
 *   close-after-bytes N `limit_data` toxic on both streams; toxiproxy counts each
 *                       direction apart, so a connection ends after N bytes one way.
 *   reset               a `reset_peer` toxic added to a live connection only acts when
 *                       data next passes, and then ends it with a FIN: SO_LINGER 0 is set
 *                       on a connection's sockets only when it opens with a reset_peer
 *                       toxic in place. So the proxy carries one from the start with
 *                       toxicity 0 (it never fires; it only sets linger 0), and a reset
 *                       disables and re-enables the proxy: toxiproxy closes every
 *                       connection, and with linger 0 each close is an RST to both peers.
 *   blackhole D         a `timeout` toxic drops the bytes that arrive while it is in
 *                       place and closes the connection when it is removed, which is not
 *                       a blackhole. A `latency` toxic far longer than D holds each
 *                       byte (and, once its buffer is full, stops reading: TCP
 *                       backpressure) and lets all of it through, in order, when it is
 *                       removed after D, with the connections still open. (toxiproxy
 *                       waits up to 5 s per chunk for the next stage while flushing; a
 *                       client that reads nothing for that long loses that chunk.)
 *
 * A fault the armed timeline fails to inject (the API went away) stops the
 * timeline; stop() still deletes the proxy, then rejects with that failure.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SalvoError } from '../errors.js';
import { refuseWhatToxiproxyCannotDo, TOXIPROXY_MIN_BYTES_PER_SECOND } from '../plan/fault-options.js';
import type { FaultAction, FaultProxyOptions, FaultRecord } from './proxy.js';
import type { ProxyThread } from './proxy-thread.js';
import type { ProxyEvent } from '../plan/fault-timeline.js';
import type { FaultDirection, StandingFault } from '../plan/fault-spec.js';
import { ToxiproxyApi } from './toxiproxy-api.js';

export interface ToxiproxyOptions extends FaultProxyOptions {
  /**
   * Whether resets are real RSTs (the default). The price: linger 0 on every
   * connection turns its ordinary close into an RST too, which may drop bytes
   * toxiproxy still holds at that moment. A run without resets passes false.
   */
  readonly resets?: boolean;
}

/** A ProxyThread that also names its proxy on the toxiproxy server. */
export interface ToxiproxyThread extends ProxyThread {
  /** `salvo-<8 hex digits>`, unique per run. */
  readonly proxyName: string;
}

export type ToxicStream = 'upstream' | 'downstream';

/** A toxic as POST /proxies/{proxy}/toxics takes it. */
export interface Toxic {
  readonly name: string;
  readonly type: 'latency' | 'bandwidth' | 'limit_data' | 'reset_peer';
  readonly stream: ToxicStream;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

/** The toxics for a run's standing faults, and the record each fault leaves. */
export interface StandingToxics {
  readonly toxics: readonly Toxic[];
  readonly records: readonly { readonly kind: string; readonly effect: string }[];
}

/** toxiproxy's bandwidth unit: its rate attribute is in KB/s of 1,000 bytes. */
const BYTES_PER_RATE_UNIT = TOXIPROXY_MIN_BYTES_PER_SECOND;
/** Longer than any run: a hold toxic lets bytes through when it is removed, not when this ends. */
const HOLD_LATENCY_MS = 24 * 3600 * 1000;
const RESET_SWITCH: Toxic = {
  name: 'salvo_linger0',
  type: 'reset_peer',
  stream: 'downstream',
  toxicity: 0,
  attributes: { timeout: 0 },
};
const STREAMS: readonly ToxicStream[] = ['upstream', 'downstream'];

/** Pure: the standing faults as toxics; a PlanError for what toxiproxy cannot do. */
export function standingToxics(standing: readonly StandingFault[]): StandingToxics {
  refuseWhatToxiproxyCannotDo(standing);
  const toxics: Toxic[] = [];
  const records: { kind: string; effect: string }[] = [];
  for (const fault of standing) {
    switch (fault.kind) {
      case 'latency': {
        // salvo: fixed + uniform [0, jitter); toxiproxy: latency + uniform [-jitter, jitter), whole ms.
        const half = Math.round(fault.jitterMs / 2);
        const attributes = { latency: fault.fixedMs + half, jitter: half };
        for (const stream of streamsOf(fault.direction)) toxics.push(toxic('latency', stream, attributes));
        const jitter = fault.jitterMs > 0 ? ` + up to ${2 * half} ms jitter` : '';
        records.push({
          kind: fault.kind,
          effect:
            `${fault.fixedMs} ms${jitter} added, ${where(fault.direction)} (toxiproxy latency ` +
            `${attributes.latency} ms ± ${half} ms)`,
        });
        break;
      }
      case 'bandwidth': {
        const rate = Math.round(fault.bytesPerSecond / BYTES_PER_RATE_UNIT);
        for (const stream of streamsOf(fault.direction)) toxics.push(toxic('bandwidth', stream, { rate }));
        records.push({
          kind: fault.kind,
          effect:
            `limited to ${rate * BYTES_PER_RATE_UNIT} bytes/s, ${where(fault.direction)} (toxiproxy bandwidth ` +
            `${rate} KB/s)`,
        });
        break;
      }
      case 'close-after-bytes':
        for (const stream of STREAMS) toxics.push(toxic('limit_data', stream, { bytes: fault.bytes }));
        records.push({
          kind: fault.kind,
          effect:
            `each connection closed after ${fault.bytes} bytes in either direction (toxiproxy limit_data ` +
            `counts each direction apart)`,
        });
    }
  }
  return { toxics, records };
}

/** Creates this run's proxy on toxiproxy at apiUrl (as parseFaultsVia gives it) and its standing toxics. */
export async function startToxiproxy(apiUrl: string, options: ToxiproxyOptions): Promise<ToxiproxyThread> {
  const standing = standingToxics(options.standing ?? []);
  const api = new ToxiproxyApi(apiUrl);
  const local = isLoopback(new URL(apiUrl).hostname);
  const name = `salvo-${randomBytes(4).toString('hex')}`;
  const created = await api.request('POST', '/proxies', {
    name,
    // Port 0: toxiproxy picks a free port and answers with it. On a remote server, clients come from elsewhere.
    listen: `${local ? '127.0.0.1' : '0.0.0.0'}:0`,
    upstream: hostPort(options.targetHost, options.targetPort),
    enabled: true,
  });
  try {
    const port = listenPort(created, apiUrl);
    // The reset switch goes first: linger 0 is set only on connections that open after it.
    for (const toxic of [...(options.resets === false ? [] : [RESET_SWITCH]), ...standing.toxics]) {
      await api.request('POST', `/proxies/${name}/toxics`, toxic);
    }
    const host = local ? '127.0.0.1' : new URL(apiUrl).hostname.replace(/^\[(.*)\]$/, '$1');
    return new ToxiproxyBackend(api, name, host, port, options.resets !== false, standing.records);
  } catch (error) {
    await api.request('DELETE', `/proxies/${name}`).catch(() => undefined);
    throw error;
  }
}

class ToxiproxyBackend implements ToxiproxyThread {
  private readonly records: FaultRecord[] = [];
  private originMs = performance.now();
  /** API calls one at a time, in the order asked: a blackhole's end never overtakes the next reset. */
  private queue: Promise<unknown> = Promise.resolve();
  private timelineTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private holdUntilMs = 0;
  /** The first failure of a fault the timeline injected; stop() reports it. */
  private failure: unknown;
  private stopped: Promise<FaultRecord[]> | undefined;

  constructor(
    private readonly api: ToxiproxyApi,
    readonly proxyName: string,
    readonly host: string,
    readonly port: number,
    private readonly resets: boolean,
    standing: StandingToxics['records'],
  ) {
    // Standing faults hold for the whole run: stamped at 0, as the built-in proxy stamps them.
    for (const { kind, effect } of standing) this.record(kind, 'all connections', effect, 0);
  }

  inject(action: FaultAction): Promise<FaultRecord> {
    if (this.stopped) return Promise.reject(new SalvoError('internal', `toxiproxy proxy ${this.proxyName} is stopped`));
    return this.serially(() => (action.kind === 'reset' ? this.reset() : this.blackhole(action.durationMs)));
  }

  arm(timeline: readonly ProxyEvent[], originMs = performance.now()): void {
    clearTimeout(this.timelineTimer);
    this.originMs = originMs;
    const fireFrom = (index: number): void => {
      while (index < timeline.length && timeline[index].atMs <= this.elapsedMs()) {
        if (this.failure !== undefined || this.stopped) return;
        const event = timeline[index++];
        this.inject(
          event.kind === 'reset' ? { kind: 'reset' } : { kind: 'blackhole', durationMs: event.durationMs },
        ).catch((error: unknown) => this.fail(error));
      }
      if (index < timeline.length) {
        this.timelineTimer = setTimeout(() => fireFrom(index), timeline[index].atMs - this.elapsedMs());
      }
    };
    fireFrom(0);
  }

  stop(): Promise<FaultRecord[]> {
    this.stopped ??= (async () => {
      clearTimeout(this.timelineTimer);
      clearTimeout(this.holdTimer);
      // Let a call in flight finish (each is bounded), then delete: that also closes every connection.
      await this.queue;
      let deleteFailure: { error: unknown } | undefined;
      try {
        await this.api.request('DELETE', `/proxies/${this.proxyName}`);
      } catch (error) {
        deleteFailure = { error };
      }
      // The first failure is the one to tell: a DELETE failing after it often has the same cause.
      if (this.failure !== undefined) throw this.failure;
      if (deleteFailure) throw deleteFailure.error;
      return [...this.records];
    })();
    return this.stopped;
  }

  /** toxiproxy's API says nothing of when it wrote a delayed chunk. */
  releaseLateness(): null {
    return null;
  }

  /**
   * A fault the server fails to take ends the timeline and comes back from stop(); nothing runs in a thread of ours to
   * crash.
   */
  onFailure(): void {}

  private async reset(): Promise<FaultRecord> {
    if (!this.resets) throw new SalvoError('internal', `toxiproxy proxy ${this.proxyName} was started without resets`);
    const atMs = this.elapsedMs();
    const started = performance.now();
    await this.api.request('POST', `/proxies/${this.proxyName}`, { enabled: false });
    await this.api.request('POST', `/proxies/${this.proxyName}`, { enabled: true });
    const closedMs = Math.max(1, Math.round(performance.now() - started));
    return this.record(
      'reset',
      'all connections',
      `every connection reset (RST to both peers); new connections refused for ${closedMs} ms while toxiproxy ` +
        `re-opened the listener`,
      atMs,
    );
  }

  private async blackhole(durationMs: number): Promise<FaultRecord> {
    const atMs = this.elapsedMs();
    // Overlapping blackholes make one that ends with the later of them, as in the built-in proxy.
    if (this.holdUntilMs === 0) {
      for (const stream of STREAMS) {
        await this.api.request(
          'POST',
          `/proxies/${this.proxyName}/toxics`,
          toxic('latency', stream, { latency: HOLD_LATENCY_MS, jitter: 0 }, 'salvo_blackhole'),
        );
      }
    }
    this.holdUntilMs = Math.max(this.holdUntilMs, performance.now() + durationMs);
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.serially(() => this.endBlackhole()).catch((error: unknown) => this.fail(error));
    }, this.holdUntilMs - performance.now());
    return this.record(
      'blackhole',
      'all connections',
      `forwarding stopped for ${durationMs} ms on all connections and any opened meanwhile`,
      atMs,
    );
  }

  private async endBlackhole(): Promise<void> {
    this.holdTimer = undefined;
    this.holdUntilMs = 0;
    for (const stream of STREAMS)
      await this.api.request('DELETE', `/proxies/${this.proxyName}/toxics/salvo_blackhole_${stream}`);
  }

  private serially<T>(call: () => Promise<T>): Promise<T> {
    const result = this.queue.then(call);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    clearTimeout(this.timelineTimer);
  }

  private record(kind: string, target: string, effect: string, atMs = this.elapsedMs()): FaultRecord {
    const record = { atMs: Math.max(0, Math.round(atMs)), kind, target, effect };
    this.records.push(record);
    return record;
  }

  private elapsedMs(): number {
    return performance.now() - this.originMs;
  }
}

function toxic(
  type: Toxic['type'],
  stream: ToxicStream,
  attributes: Readonly<Record<string, number>>,
  prefix = `salvo_${type}`,
): Toxic {
  return { name: `${prefix}_${stream}`, type, stream, toxicity: 1, attributes };
}

function streamsOf(direction: FaultDirection): readonly ToxicStream[] {
  return direction === 'both' ? STREAMS : direction === 'up' ? ['upstream'] : ['downstream'];
}

function where(direction: FaultDirection): string {
  return direction === 'both' ? 'both directions' : direction === 'up' ? 'client to broker' : 'broker to client';
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The port toxiproxy chose, from the `listen` ("127.0.0.1:41234") of its answer to POST /proxies. */
function listenPort(created: unknown, apiUrl: string): number {
  const listen = typeof created === 'object' && created !== null ? (created as { listen?: unknown }).listen : undefined;
  const port = typeof listen === 'string' ? Number(/:(\d+)$/.exec(listen)?.[1]) : NaN;
  if (!Number.isInteger(port) || port <= 0) {
    throw new SalvoError(
      'refused',
      `toxiproxy at ${apiUrl} answered POST /proxies without a listen address and port: ` +
        `${JSON.stringify(created)?.slice(0, 200)}`,
    );
  }
  return port;
}
