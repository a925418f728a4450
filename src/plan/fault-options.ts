/**
 * The fault options of a plan: `--faults SPEC`, `--seed N` (shared with
 * --broker-chaos), `--restart-command CMD` and `--faults-via`, checked together so that a
 * run never starts with a fault it cannot carry out.
 */
import { faultTimeline } from './fault-timeline.js';
import { parseFaultSpec, type FaultPlan, type StandingFault } from './fault-spec.js';
import { PlanError } from './errors.js';
import { parseCount, type RawNumber } from './units.js';

/** --faults-via: who carries the faults out instead of the built-in proxy. */
export type FaultsVia = { readonly kind: 'toxiproxy'; readonly apiUrl: string };

/** toxiproxy's smallest bandwidth: its rate attribute counts KB/s of 1,000 bytes. */
export const TOXIPROXY_MIN_BYTES_PER_SECOND = 1000;

export interface PlannedFaults {
  spec: FaultPlan;
  seed: number;
  /**
   * How far the timeline is drawn, ms from the run's start: the duration, or
   * for a count-bounded run a generous bound (faultHorizonMs); faults due
   * after the run has ended are never injected.
   */
  horizonMs: number;
  /** External broker: the shell command that restarts it, for broker-restart. */
  restartCommand?: string;
  /** --faults-via: an existing toxiproxy carries the faults out instead of the built-in proxy. */
  via?: FaultsVia;
}

export interface FaultInput {
  faults?: string;
  faultsVia?: string;
  seed?: RawNumber;
  restartCommand?: string;
}

/** What the horizon of a count-bounded run depends on. */
export interface RunLength {
  count: number | null;
  durationMs: number | null;
  warmupMs: number;
  rateHz: number | null;
  drainTimeoutMs: number;
}

/** A closed-loop count run has no known length: its faults are drawn over this long. */
export const CLOSED_LOOP_FAULT_HORIZON_MS = 10 * 60_000;
export const DEFAULT_SEED = 1;
const MAX_SEED = 0xffff_ffff;

export function resolveFaults(input: FaultInput, external: boolean, length: RunLength): PlannedFaults | undefined {
  const restartCommand = input.restartCommand?.trim();
  if (input.faults === undefined) {
    if (restartCommand !== undefined)
      throw new PlanError('--restart-command needs --faults with a broker-restart fault, got --restart-command alone');
    if (input.faultsVia !== undefined)
      throw new PlanError('--faults-via needs --faults (what to inject), got --faults-via alone');
    return undefined;
  }
  const spec = parseFaultSpec(String(input.faults));
  const via = input.faultsVia === undefined ? undefined : parseFaultsVia(String(input.faultsVia));
  if (via) refuseWhatToxiproxyCannotDo(spec.standing);
  const seed = seedOption(input.seed);
  const restarts = spec.timed.some((fault) => fault.kind === 'broker-restart');
  if (restartCommand !== undefined && restartCommand === '')
    throw new PlanError('--restart-command must be a shell command, got ""');
  if (restarts && external && restartCommand === undefined) {
    throw new PlanError(
      `--faults "${spec.text}": broker-restart against an external broker needs --restart-command (how salvo ` +
        `restarts it)`,
    );
  }
  if (restartCommand !== undefined && !external)
    throw new PlanError('--restart-command is for an external broker; the embedded one restarts by itself');
  if (restartCommand !== undefined && !restarts)
    throw new PlanError(`--restart-command needs a broker-restart fault in --faults, got --faults "${spec.text}"`);
  const horizonMs = faultHorizonMs(length);
  // Drawn now only to refuse a spec with too many events before anything starts.
  faultTimeline(spec, seed, horizonMs);
  return {
    spec,
    seed,
    horizonMs,
    ...(restartCommand !== undefined ? { restartCommand } : {}),
    ...(via ? { via } : {}),
  };
}

/**
 * The duration when there is one; open loop, warm-up + twice the time the
 * count takes at the rate + the drain timeout; closed loop, 10 minutes.
 */
export function faultHorizonMs(length: RunLength): number {
  if (length.durationMs !== null) return length.durationMs;
  if (length.rateHz !== null && length.count !== null) {
    return Math.ceil(length.warmupMs + (2 * length.count * 1000) / length.rateHz + length.drainTimeoutMs);
  }
  return CLOSED_LOOP_FAULT_HORIZON_MS;
}

export function seedOption(raw: RawNumber | undefined): number {
  if (raw === undefined) return DEFAULT_SEED;
  const seed = parseCount(raw);
  if (seed === null || seed > MAX_SEED)
    throw new PlanError(`--seed must be an integer from 0 to 4294967295, got ${JSON.stringify(String(raw))}`);
  return seed;
}

/** `toxiproxy=http://HOST:8474` -> the API's base URL. Pure; one-line PlanError otherwise. */
export function parseFaultsVia(text: string): FaultsVia {
  const value = text.trim();
  const match = /^toxiproxy=(.*)$/i.exec(value);
  if (match === null) {
    throw new PlanError(
      `--faults-via "${value}": expected toxiproxy=http://HOST:8474 (the API of a running toxiproxy server)`,
    );
  }
  const raw = (match[1] ?? '').trim();
  const fail = (problem: string): never => {
    throw new PlanError(`--faults-via "toxiproxy=${raw}": ${problem}`);
  };
  if (raw === '') fail('expected the toxiproxy API URL after "toxiproxy=", such as http://127.0.0.1:8474');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('not a URL; expected http://HOST:8474');
  }
  if (url.username !== '' || url.password !== '') {
    // Not echoed: the value holds a password.
    throw new PlanError(
      '--faults-via toxiproxy=URL: the URL must not carry credentials (toxiproxy has no authentication)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`toxiproxy's API is HTTP, not ${url.protocol.replace(/:$/, '')}; expected http://HOST:8474`);
  if (url.search !== '' || url.hash !== '') fail('expected no query or fragment in the API URL');
  return { kind: 'toxiproxy', apiUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

/** What toxiproxy cannot do (a bandwidth below its 1 KB/s) is refused before anything starts. */
export function refuseWhatToxiproxyCannotDo(standing: readonly StandingFault[]): void {
  for (const fault of standing) {
    if (fault.kind === 'bandwidth' && fault.bytesPerSecond < TOXIPROXY_MIN_BYTES_PER_SECOND) {
      throw new PlanError(
        `--faults-via toxiproxy: bandwidth ${fault.bytesPerSecond} bytes/s is below toxiproxy's smallest rate, ` +
          `1 KB/s (${TOXIPROXY_MIN_BYTES_PER_SECOND} bytes/s)`,
      );
    }
  }
}
