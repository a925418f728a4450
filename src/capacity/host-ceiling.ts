/**
 * What this host can generate, pure: from the figures the pre-flight
 * measured (preflight.ts), the rate above which a knee would be this host's
 * (salvo's CPU, and the broker's when it shares the host) rather than the
 * broker's, and whether the host is so busy that salvo's threads wait for a
 * CPU at any rate. Which of the two a failing step ran into decides the
 * advice: more threads help a generator with cores to spare, not a host
 * that has none.
 */

/** Where the broker runs, as far as this host's CPU is concerned. */
export type BrokerPlacement = 'embedded' | 'loopback' | 'remote';

/** One reading of the host's CPU counters (os.cpus(), summed over cores), in ms. */
export interface CpuTimes {
  busyMs: number;
  idleMs: number;
}

export interface HostFigures {
  cores: number;
  /** Cores left idle by everything else, measured over a second while salvo sat idle. */
  freeCores: number;
  /** os.loadavg()[0]. */
  loadAverage1m: number;
  /** How late a 1 ms timer fired in that second, µs: the wait of a thread that is ready for a CPU. */
  wakeUpLateUs: { p50: number; p99: number; max: number };
  /** The load run: msg/s sent in its measured seconds. */
  reachedRate: number;
  /** The load run's rate: null, flat out (closed loop); a number, open loop at --max-rate, never above it. */
  loadRate: number | null;
  /** salvo's process CPU per message sent (and received) in those seconds; the embedded broker's thread included. */
  salvoCpuUsPerMsg: number;
  /**
   * Extra host CPU per message in those seconds (busy cores beyond the idle second's): salvo plus a broker on this
   * host. Absent when the host's counters showed no extra busy time.
   */
  hostCpuUsPerMsg?: number;
  placement: BrokerPlacement;
}

/** A knee at or above this share of the ceiling is the host's: the ceiling is a few seconds' estimate, not a wall. */
export const HOST_BOUND_SHARE = 0.8;
/** Less idle CPU than this, in cores, is a busy host: a ready thread waits for one. */
export const BUSY_FREE_CORES = 0.25;
/** Wake-ups late by this share of --max-send-delay at p99 leave an open-loop sender no room: a busy host. */
export const BUSY_WAKE_SHARE = 0.25;

/** Busy cores between two readings: the busy share of the elapsed CPU time, times the cores. */
export function busyCores(before: CpuTimes, after: CpuTimes, cores: number): number {
  const busy = after.busyMs - before.busyMs;
  const total = busy + (after.idleMs - before.idleMs);
  return total > 0 ? (busy / total) * cores : 0;
}

/**
 * The CPU µs one message costs this host, as the ceiling counts it: salvo's own for a remote broker; for a broker
 * on this host, whichever is higher of salvo's process CPU (which holds the embedded broker's thread) and the host's
 * extra busy time (which holds a separate broker process's).
 */
export function cpuUsPerMessage(
  figures: Pick<HostFigures, 'salvoCpuUsPerMsg' | 'hostCpuUsPerMsg' | 'placement'>,
): number {
  if (figures.placement === 'remote' || figures.hostCpuUsPerMsg === undefined) return figures.salvoCpuUsPerMsg;
  return Math.max(figures.salvoCpuUsPerMsg, figures.hostCpuUsPerMsg);
}

/**
 * msg/s this host can generate (and, with the broker here, serve): the idle cores' worth of messages at the measured
 * CPU cost, but never less than the load run reached, since salvo gets a share of a busy host's CPU by
 * competing for it and idle cores alone would call that nothing.
 */
export function hostCeilingRate(
  figures: Pick<HostFigures, 'freeCores' | 'reachedRate' | 'salvoCpuUsPerMsg' | 'hostCpuUsPerMsg' | 'placement'>,
): number {
  const perMessage = cpuUsPerMessage(figures);
  const fromIdle = perMessage > 0 ? Math.floor((Math.max(0, figures.freeCores) * 1_000_000) / perMessage) : 0;
  return Math.max(fromIdle, Math.round(figures.reachedRate));
}

/** Why the host is busy, one phrase each (none: it is not): salvo's threads would wait for a CPU at any rate. */
export function busyReasons(
  figures: Pick<HostFigures, 'cores' | 'freeCores' | 'loadAverage1m' | 'wakeUpLateUs'>,
  maxSendDelayUs: number,
): string[] {
  const reasons: string[] = [];
  if (figures.loadAverage1m >= figures.cores)
    reasons.push(`load average ${figures.loadAverage1m.toFixed(1)} on ${figures.cores} cores`);
  if (figures.freeCores < BUSY_FREE_CORES) reasons.push(`${figures.freeCores.toFixed(2)} cores idle`);
  if (figures.wakeUpLateUs.p99 >= BUSY_WAKE_SHARE * maxSendDelayUs)
    reasons.push(`timers late by ${(figures.wakeUpLateUs.p99 / 1000).toFixed(1)}ms at p99`);
  return reasons;
}

/** How the host limited a failing step: out of CPU at this rate, or too busy to keep any schedule. */
export type HostLimit = 'cpu' | 'busy';

/**
 * Whether the host, not the broker, set a failing step's limit. salvo behind its schedule: at or above the ceiling
 * it ran out of CPU; below it on a busy host, its threads waited for one. The broker behind: only when it shares this
 * host and the rate reached the ceiling. A remote broker behind is the broker's knee.
 */
export function hostLimitOf(
  step: { rate: number; limitedBy: 'generator' | 'in-flight' | 'broker' | 'both' },
  host: { ceilingRate: number; busy: readonly string[]; placement: BrokerPlacement },
): HostLimit | undefined {
  const atCeiling = step.rate >= HOST_BOUND_SHARE * host.ceilingRate;
  if (step.limitedBy === 'broker') return host.placement !== 'remote' && atCeiling ? 'cpu' : undefined;
  if (atCeiling) return 'cpu';
  return host.busy.length > 0 ? 'busy' : undefined;
}

/**
 * The broker's place from the target: none given is the embedded broker; a loopback host, or one of `localHosts` (this
 * machine's name and interface addresses), shares this host's CPU.
 */
export function placementOf(url: string | undefined, localHosts: readonly string[] = []): BrokerPlacement {
  if (url === undefined) return 'embedded';
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'remote';
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1' || bare.startsWith('127.') || bare === '0.0.0.0') return 'loopback';
  if (localHosts.some((local) => local.toLowerCase() === bare)) return 'loopback';
  return 'remote';
}
