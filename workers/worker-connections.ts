/**
 * A worker's connections: opened at most CONNECTS_AT_ONCE at a time, each
 * connection's links attached in order.
 *
 * With reconnect on (the plan's), a lost connection is opened again after a
 * jittered backoff (src/amqp/reconnect.ts) and its links attach again; each
 * link is told when its connection goes (senders queue what is in doubt) and
 * when it is back. A connection down longer than the give-up bound ends the
 * worker's run as a lost connection does without reconnect.
 *
 * The control protocol (start, stop, reports, failure) is the runtime's
 * (worker-runtime.ts); this module only reads it and reports into it.
 */
import type { Connection, EventContext } from 'rhea';
import { connect, type ConnectOptions } from '../src/amqp/connect.js';
import { endpointConnectOptions, endpointUrl } from '../src/amqp/endpoint.js';
import { isTransientConnectFailure, reconnectDelayMs } from '../src/amqp/reconnect.js';
import { setupClientThread } from '../src/amqp/rhea-patches/index.js';
import { describeError, SalvoError } from '../src/errors.js';
import type { ConnectionEvent, Endpoint, LinkAssignment } from '../src/protocol/worker-messages.js';
import { monotonicNowUs } from '../src/timing/clock.js';
import { containerId } from './container-id.js';
import { ConnectionScopedError, conditionOf, connectionLossReason } from './link-errors.js';
import type { WorkerRuntime } from './worker-runtime.js';

const CONNECT_TIMEOUT_MS = 15_000;
/** Per worker: below a listener's default backlog even with several workers connecting at once. */
const CONNECTS_AT_ONCE = 64;
/** Bound on one reconnect attempt (TCP + TLS + SASL + open, then each attach). */
const RECONNECT_ATTEMPT_MS = 5_000;
/** A broker closing with this condition is going away on purpose (shutdown, failover): come back. */
const RECONNECTABLE_CONDITIONS: ReadonlySet<string> = new Set(['amqp:connection:forced']);

/** A link this module attaches, and attaches again after a reconnect (sender-link.ts, receiver-link.ts, ...). */
export interface ReattachableLink {
  attach(connection: Connection): Promise<void>;
  /** The connection is gone: returns how many of its deliveries are now in doubt. */
  connectionLost(): number;
  /** Attached again on a new connection. */
  resume(): void;
}

export class WorkerConnections {
  readonly connections: Connection[] = [];
  /** Opens connection `index` again (the same URL and TLS as the first time, the next container id). */
  private open: ((index: number, timeoutMs: number) => Promise<Connection>) | undefined;
  /** Per connection: how many times it has been opened, the `a<attempt>` of its container id. */
  private readonly attempts: number[] = [];
  private readonly linksOf: ReattachableLink[][] = [];
  /** Connections being reopened: their events are the reconnect loop's, not a new loss. */
  private readonly reconnecting = new Set<number>();
  /** Per connection being reopened: resolved when that ends, however it ends. */
  private readonly outages = new Map<number, { promise: Promise<void>; end: () => void }>();
  /** Backoff waits, woken early by a stop or a failure. */
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly runtime: WorkerRuntime) {
    const wake = (): void => {
      for (const sleeper of this.sleepers) sleeper();
    };
    runtime.onStop(wake);
    runtime.onFail(wake);
    runtime.onFinish(() => this.closeAll());
  }

  /** Opens every connection of the assignment, or fails with a one-line reason. */
  async connectAll(): Promise<void> {
    // This thread hosts only this worker's connections: one socket write per rhea pass.
    setupClientThread();
    const { endpoint, connectionEndpoints, workerId, runId, shardIndex = 0 } = this.runtime.assignment;
    // --send-url / --recv-url: each connection its own endpoint; the TLS files are read once per endpoint.
    const targets = await connectTargets(connectionEndpoints ?? [endpoint]);
    // A new container id for every attempt: a reconnect may come back before the broker has dropped the old connection.
    this.open = (i, timeoutMs) => {
      const attempt = this.attempts[i] ?? 0;
      this.attempts[i] = attempt + 1;
      const id = containerId({ runId, shardIndex, workerId, connection: i, attempt });
      const { url, options } = targets[connectionEndpoints ? i : 0];
      return connect(url, { ...options, containerId: id, timeoutMs });
    };
    // In parallel, so that N connections take one connect time against the coordinator's bound, but
    // at most CONNECTS_AT_ONCE at a time: hundreds of simultaneous SYNs overflow a listener's
    // backlog (511 in Node), and the retransmits outlast the connect timeout.
    const count = this.runtime.assignment.connections.length;
    const opened = await settledInLanes(count, CONNECTS_AT_ONCE, (i) => this.openFirst(i));
    for (const outcome of opened) if (outcome.status === 'fulfilled') this.connections.push(outcome.value);
    const failed = opened.findIndex((outcome) => outcome.status === 'rejected');
    if (failed >= 0) throw new ConnectionScopedError((opened[failed] as PromiseRejectedResult).reason, failed);
    this.connections.forEach((connection, index) => this.watch(connection, index));
  }

  /**
   * The first open of connection `index`; with reconnect on, a refused or reset socket is tried again (backoff, give-up
   * bound).
   */
  private async openFirst(index: number): Promise<Connection> {
    const reconnect = this.runtime.assignment.reconnect;
    const startUs = monotonicNowUs();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.open!(index, CONNECT_TIMEOUT_MS);
      } catch (error) {
        const retry =
          reconnect !== null &&
          !this.runtime.stopping &&
          isTransientConnectFailure(describeError(error)) &&
          monotonicNowUs() - startUs < reconnect.giveUpMs * 1000;
        if (!retry) throw error;
        await this.sleep(reconnectDelayMs(attempt, Math.random));
      }
    }
  }

  /**
   * One link per assignment entry, attached in order on its connection (each
   * attach bounded); connections attach side by side, so that thousands of
   * links take a few round trips per connection, not one per link in all.
   */
  async attachAll<L extends ReattachableLink>(create: (link: LinkAssignment) => L): Promise<L[]> {
    const perConnection = await Promise.all(
      this.runtime.assignment.connections.map(async (assigned, c) => {
        const links: L[] = [];
        this.linksOf[c] = links;
        for (const entry of assigned) {
          const link = create(entry);
          // Listed first: a connection lost during this attach is reopened with this link attached too.
          links.push(link);
          await this.whileRunning(this.attachOn(c, link), `attach to ${JSON.stringify(entry.address)}`).catch(
            (error: unknown) => {
              throw new ConnectionScopedError(error, c);
            },
          );
        }
        return links;
      }),
    );
    return perConnection.flat();
  }

  /**
   * Attached on connection `index`, or, if that connection is lost meanwhile, once the reconnect loop has attached it.
   */
  private attachOn(index: number, link: ReattachableLink): Promise<void> {
    if (this.reconnecting.has(index)) return this.outageEnd(index);
    const connection = this.connections[index];
    let onLost: (() => void) | undefined;
    // Registered after watch(): by the time this runs, the loss has started the reconnect loop.
    const lost = new Promise<void>((resolve) => {
      onLost = resolve;
      connection.once('disconnected', onLost);
    }).then(() => this.outageEnd(index));
    return Promise.race([link.attach(connection), lost]).finally(() =>
      connection.removeListener('disconnected', onLost!),
    );
  }

  /** Resolves when connection `index` is back (or its reconnect loop gave up or stopped). */
  private outageEnd(index: number): Promise<void> {
    return this.outages.get(index)?.promise ?? Promise.resolve();
  }

  /** `attached`, unless the worker fails or stops first, or the peer does not answer in time. */
  private whileRunning(attached: Promise<void>, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SalvoError('unreachable', `${what}: no answer in ${CONNECT_TIMEOUT_MS / 1000} s`)),
        CONNECT_TIMEOUT_MS,
      );
      const end = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.runtime.onFail(end);
      this.runtime.onStop(end);
      attached.then(end, reject);
    });
  }

  /** The run is over: every connection closed. */
  private closeAll(): void {
    for (const connection of this.connections) closeQuietly(connection);
  }

  /** After the open: a lost connection is reopened (reconnect on), or ends the worker's run. */
  private watch(connection: Connection, index: number): void {
    connection.on('disconnected', (ctx: EventContext) =>
      this.onLost(connection, index, `connection lost: ${connectionLossReason(ctx)}`),
    );
    connection.on('connection_error', (ctx: EventContext) =>
      this.onLost(
        connection,
        index,
        `connection closed by the broker: ${connectionLossReason(ctx)}`,
        conditionOf(ctx) ?? 'closed',
      ),
    );
  }

  /** `condition`: the broker closed the connection on purpose, with that error condition. */
  private onLost(connection: Connection, index: number, why: string, condition?: string): void {
    // Events of a connection already replaced, or of one the reconnect loop is still trying, are its own.
    if (this.runtime.closed || this.connections[index] !== connection || this.reconnecting.has(index)) return;
    const reconnect = this.runtime.assignment.reconnect;
    if (reconnect === null || (condition !== undefined && !RECONNECTABLE_CONDITIONS.has(condition))) {
      this.runtime.fail({
        code: 'unreachable',
        message: why,
        ...(condition !== undefined && condition !== 'closed' ? { condition } : {}),
        connection: index,
      });
      return;
    }
    void this.reconnect(index, why, reconnect.giveUpMs);
  }

  /**
   * Tells the links, then tries again and again (backoff) until the connection is back, a stop, or the give-up bound.
   */
  private async reconnect(index: number, why: string, giveUpMs: number): Promise<void> {
    this.reconnecting.add(index);
    let end!: () => void;
    const promise = new Promise<void>((resolve) => (end = resolve));
    this.outages.set(index, { promise, end });
    try {
      await this.reconnectLoop(index, why, giveUpMs);
    } finally {
      this.reconnecting.delete(index);
      this.outages.delete(index);
      end();
    }
  }

  private get over(): boolean {
    return this.runtime.stopping || this.runtime.closed;
  }

  private async reconnectLoop(index: number, why: string, giveUpMs: number): Promise<void> {
    const runtime = this.runtime;
    runtime.progress.add('down', 1);
    const lostUs = monotonicNowUs();
    const links = this.linksOf[index] ?? [];
    const inDoubt = links.reduce((n, link) => n + link.connectionLost(), 0);
    this.report({
      atUs: lostUs,
      kind: 'disconnect',
      connection: index,
      effect: `${why}${inDoubt > 0 ? `; ${inDoubt} in doubt` : ''}`,
    });
    let attempts = 0;
    let lastError = '';
    while (!this.over) {
      await this.sleep(reconnectDelayMs(attempts, Math.random));
      if (this.over) break;
      attempts++;
      const error = await this.reopen(index, links);
      if (error === undefined) {
        runtime.progress.add('down', -1);
        runtime.recorder.count(
          'reconnects',
          runtime.window === undefined || monotonicNowUs() < runtime.window.warmupEndUs,
        );
        const ms = Math.round((monotonicNowUs() - lostUs) / 1000);
        const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
        this.report({
          atUs: monotonicNowUs(),
          kind: 'reconnect',
          connection: index,
          effect: `back after ${ms} ms, ${tries}${inDoubt > 0 ? `; ${inDoubt} in doubt to resend` : ''}`,
        });
        for (const link of links) link.resume();
        return;
      }
      lastError = error;
      if (monotonicNowUs() - lostUs > giveUpMs * 1000) {
        runtime.fail({
          code: 'unreachable',
          message:
            `${why}; gave up reconnecting after ${giveUpMs / 1000} s (${attempts} attempts, the last: ` +
            `${lastError})`,
          connection: index,
        });
        break;
      }
    }
    runtime.progress.add('down', -1);
  }

  /** One attempt: a new connection, every link attached on it; undefined on success, else why not. */
  private async reopen(index: number, links: readonly ReattachableLink[]): Promise<string | undefined> {
    let connection: Connection;
    try {
      connection = await this.open!(index, RECONNECT_ATTEMPT_MS);
    } catch (error) {
      return describeError(error);
    }
    if (this.over) {
      closeQuietly(connection);
      return 'stopped';
    }
    this.connections[index] = connection;
    this.watch(connection, index);
    // Lost again while its links attach: this attempt failed, the loop goes on.
    const gone = new Promise<string>((resolve) => {
      connection.once('disconnected', (ctx: EventContext) => resolve(connectionLossReason(ctx)));
      connection.once('connection_error', (ctx: EventContext) => resolve(connectionLossReason(ctx)));
    });
    for (const link of links) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no attach within ${RECONNECT_ATTEMPT_MS / 1000} s`), RECONNECT_ATTEMPT_MS);
      });
      const outcome = await Promise.race([link.attach(connection).then(() => undefined), gone, timeout]);
      clearTimeout(timer);
      if (outcome !== undefined) {
        closeQuietly(connection);
        return outcome;
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** A disconnect or reconnect, for the run's fault log (µs on the run's clock). */
  private report(event: ConnectionEvent): void {
    if (!this.runtime.closed) this.runtime.post({ type: 'event', event });
  }
}

function closeQuietly(connection: Connection): void {
  try {
    connection.close();
  } catch {
    // Already gone.
  }
}

/**
 * `start(0) ... start(n - 1)` on at most `lanes` lanes, each lane starting the
 * next index as its previous one settles; outcomes in index order.
 */
async function settledInLanes<T>(
  n: number,
  lanes: number,
  start: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const outcomes: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      outcomes[i] = await start(i).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, lanes) }, lane));
  return outcomes;
}

/**
 * Each endpoint's URL and connect options, read once per distinct endpoint (a structured clone keeps the assignment's
 * shared references, so connections to one URL share one object).
 */
async function connectTargets(
  endpoints: readonly Endpoint[],
): Promise<{ url: ReturnType<typeof endpointUrl>; options: ConnectOptions }[]> {
  const read = new Map<Endpoint, Promise<ConnectOptions>>();
  for (const e of endpoints) if (!read.has(e)) read.set(e, endpointConnectOptions(e));
  return Promise.all(endpoints.map(async (e) => ({ url: endpointUrl(e), options: await read.get(e)! })));
}
