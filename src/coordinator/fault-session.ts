/**
 * A run's faults: the proxy thread between the workers and the broker, its
 * timeline armed at the run's start instant, the broker restarts the
 * coordinator does itself, and what all of them recorded, put into the
 * run's FaultLog. Exists only for a run with --faults.
 */
import { isIP } from 'node:net';
import { SalvoError, describeError } from '../errors.js';
import type { FaultLog } from '../faults/log.js';
import { startProxyThread, type ProxyThread } from '../faults/proxy-thread.js';
import { startToxiproxy } from '../faults/toxiproxy.js';
import { faultTimeline, splitTimeline, type BrokerEvent, type ProxyEvent } from '../plan/fault-timeline.js';
import type { LatencySummary } from '../metrics/index.js';
import { monotonicNowUs } from '../timing/clock.js';
import type { PlannedFaults } from '../plan/index.js';
import type { Endpoint } from '../protocol/worker-messages.js';
import type { BrokerRestarter } from './broker-restart.js';

export class FaultSession {
  private timer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A restart failed: the run is ending, no further restart. */
  private halted = false;
  /** For live metrics (injectedSoFar): the proxy's timeline, when it was armed and stopped, restarts done. */
  private proxyTimeline: readonly ProxyEvent[] = [];
  private armedAtUs = 0;
  private stoppedAtUs = Infinity;
  private restarts = 0;
  /** Told through arm's onFailure already: stop() has nothing to add. */
  private proxyFailed = false;

  private constructor(
    private readonly faults: PlannedFaults,
    private readonly proxy: ProxyThread,
    private readonly restarter: BrokerRestarter | undefined,
    private readonly log: FaultLog,
  ) {}

  /**
   * Starts the proxy towards `target` (built in, or toxiproxy's); every standing fault applies from the first
   * connection.
   */
  static async open(
    faults: PlannedFaults,
    target: Endpoint,
    restarter: BrokerRestarter | undefined,
    log: FaultLog,
  ): Promise<FaultSession> {
    const options = {
      targetHost: target.host,
      targetPort: target.port,
      standing: faults.spec.standing,
      seed: faults.seed,
    };
    // toxiproxy's real resets cost linger 0 on every close: only a spec with resets pays it.
    const resets = faults.spec.timed.some((fault) => fault.kind === 'reset');
    const proxy = faults.via
      ? await startToxiproxy(faults.via.apiUrl, { ...options, resets })
      : await startProxyThread(options);
    return new FaultSession(faults, proxy, restarter, log);
  }

  /**
   * Where workers connect instead: the proxy. TLS passes through it, so the
   * certificate is still checked against the broker's name, not the proxy's.
   */
  endpointFor(target: Endpoint): Endpoint {
    return proxiedEndpoint(target, this.proxy.host, this.proxy.port);
  }

  /**
   * At the run's start instant: the proxy's timeline, and the coordinator's
   * own restarts; the proxy's lateness counts after `warmupMs`. `onFailure`:
   * a restart failed, or the proxy thread died.
   */
  arm(runStartUs: number, warmupMs: number, onFailure: (error: SalvoError) => void): void {
    this.proxy.onFailure((error) => {
      this.proxyFailed = true;
      onFailure(error);
    });
    const timeline = splitTimeline(faultTimeline(this.faults.spec, this.faults.seed, this.faults.horizonMs));
    this.proxyTimeline = timeline.proxy;
    this.armedAtUs = runStartUs;
    // The proxy's clock starts at the run's start instant itself, not when its thread reads the message.
    this.proxy.arm(timeline.proxy, performance.now() - (monotonicNowUs() - runStartUs) / 1000, warmupMs);
    this.scheduleRestarts(timeline.broker, runStartUs, onFailure);
  }

  /** Ends the timeline, waits for a restart under way, closes the proxy; its records go into the log. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedAtUs = monotonicNowUs();
    clearTimeout(this.timer);
    await this.restarting;
    if (this.proxyFailed) return;
    this.log.addProxyRecords(await this.proxy.stop(), 0);
  }

  /**
   * Once stopped: how late the built-in proxy wrote its delayed chunks; null before, without a latency fault, or
   * through toxiproxy.
   */
  releaseLateness(): LatencySummary | null {
    return this.proxy.releaseLateness();
  }

  /**
   * Faults injected so far by kind, for live metrics: the proxy's timeline as
   * far as it is due (the proxy's own records come only with its stop), and
   * the broker restarts done. Not per message: once a second at most.
   */
  injectedSoFar(nowUs: number): Map<string, number> {
    const byKind = new Map<string, number>();
    if (this.armedAtUs === 0) return byKind;
    const dueMs = (Math.min(nowUs, this.stoppedAtUs) - this.armedAtUs) / 1000;
    for (const event of this.proxyTimeline)
      if (event.atMs <= dueMs) byKind.set(event.kind, (byKind.get(event.kind) ?? 0) + 1);
    if (this.restarts > 0) byKind.set('broker-restart', this.restarts);
    return byKind;
  }

  private scheduleRestarts(
    events: readonly BrokerEvent[],
    runStartUs: number,
    onFailure: (error: SalvoError) => void,
  ): void {
    const restarter = this.restarter;
    if (events.length === 0 || !restarter) return;
    const next = (index: number): void => {
      if (this.stopped || this.halted || index >= events.length) return;
      const dueUs = runStartUs + events[index].atMs * 1000;
      const fire = (): void => {
        // A timer may fire up to a millisecond early by this clock: never restart before the time given.
        const earlyUs = dueUs - monotonicNowUs();
        if (earlyUs > 0) {
          this.timer = setTimeout(fire, Math.ceil(earlyUs / 1000));
          return;
        }
        // Restarts never overlap: one due while another runs waits for it.
        this.restarting = this.restarting
          .then(() => this.restartOnce(restarter, events[index], runStartUs, onFailure))
          .then(() => next(index + 1));
      };
      this.timer = setTimeout(fire, Math.max(0, (dueUs - monotonicNowUs()) / 1000));
    };
    next(0);
  }

  private async restartOnce(
    restarter: BrokerRestarter,
    event: BrokerEvent,
    runStartUs: number,
    onFailure: (error: SalvoError) => void,
  ): Promise<void> {
    if (this.stopped || this.halted) return;
    const atMs = Math.floor((monotonicNowUs() - runStartUs) / 1000);
    try {
      const effect = await restarter.restart();
      this.restarts += 1;
      this.log.add({ atMs, kind: 'broker-restart', target: restarter.target, effect });
    } catch (error) {
      // The time the spec gave, as the user wrote it; the record keeps the time it happened.
      const message = `broker-restart at ${event.atMs} ms: ${describeError(error)}`;
      this.log.add({
        atMs,
        kind: 'broker-restart',
        target: restarter.target,
        effect: `failed: ${describeError(error)}`,
      });
      this.halted = true;
      onFailure(new SalvoError(error instanceof SalvoError ? error.code : 'internal', message));
    }
  }
}

/** `target` reached through a proxy at host:port; amqps still checks the certificate against the target's name. */
export function proxiedEndpoint(target: Endpoint, host: string, port: number): Endpoint {
  const proxied: Endpoint = { ...target, host, port };
  if (target.tls && target.servername === undefined && !isIpLiteral(target.host)) proxied.servername = target.host;
  return proxied;
}

function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}
