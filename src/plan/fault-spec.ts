/**
 * The `--faults` language: text in, a typed list of faults out. Pure.
 *
 *   spec       := fault ( (";" | ",") fault )*
 *   fault      := "reset" when
 *               | "blackhole" DURATION when
 *               | "latency" DURATION [ "+" DURATION ] [ direction ]   fixed + jitter
 *               | "bandwidth" SIZE [ "/s" ] [ direction ]            bytes per second
 *               | "close-after-bytes" SIZE                          per connection, both directions summed
 *               | "broker-restart" when                             the broker itself (run by the coordinator, not the
 * proxy)
 *   when       := "at" DURATION                                     once, that long after the start
 *               | "every" DURATION                                  at 1x, 2x, 3x... the period
 *               | "random" DURATION "-" DURATION                    gaps drawn uniformly (seeded)
 *   direction  := "up" (client to broker) | "down" (broker to client) | "both" (the default)
 *
 * DURATION and SIZE are the units of src/plan/units.ts (a bare number of a
 * duration is seconds; `k` of a size is 1,024). Words are case-insensitive.
 * `reset`, `blackhole` and `broker-restart` are events on a timeline (schedule.ts); latency,
 * bandwidth and close-after-bytes stand for the whole run, so each may be
 * given once per direction.
 */
import { PlanError } from './errors.js';
import { parseDurationMs, parseSizeBytes } from './units.js';

export type FaultDirection = 'up' | 'down' | 'both';

export type FaultTiming =
  | { readonly mode: 'at'; readonly atMs: number }
  | { readonly mode: 'every'; readonly everyMs: number }
  | { readonly mode: 'random'; readonly minMs: number; readonly maxMs: number };

export type TimedFault =
  | { readonly kind: 'reset'; readonly timing: FaultTiming }
  | { readonly kind: 'blackhole'; readonly durationMs: number; readonly timing: FaultTiming }
  | { readonly kind: 'broker-restart'; readonly timing: FaultTiming };

export type StandingFault =
  | {
      readonly kind: 'latency';
      readonly fixedMs: number;
      readonly jitterMs: number;
      readonly direction: FaultDirection;
    }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number; readonly direction: FaultDirection }
  | { readonly kind: 'close-after-bytes'; readonly bytes: number };

export type Fault = TimedFault | StandingFault;

export interface FaultPlan {
  /** The spec as the user typed it, for messages and result.json. */
  readonly text: string;
  readonly timed: readonly TimedFault[];
  readonly standing: readonly StandingFault[];
}

/** A spec that does not parse; `token` is the word it stumbled on ('' at the end of a fault). */
export class FaultSpecError extends PlanError {
  constructor(
    spec: string,
    problem: string,
    readonly token: string,
  ) {
    super(`--faults "${spec}": ${problem}`);
    this.name = 'FaultSpecError';
  }
}

const KINDS = ['reset', 'blackhole', 'latency', 'bandwidth', 'close-after-bytes', 'broker-restart'] as const;
const DIRECTIONS: readonly FaultDirection[] = ['up', 'down', 'both'];

export function parseFaultSpec(text: string): FaultPlan {
  const spec = text.trim();
  const clauses = spec.split(/[;,]/).map((clause) => clause.trim());
  if (spec === '' || clauses.some((clause) => clause === '')) {
    throw new FaultSpecError(spec, `expected a fault (${quotedList(KINDS)}) before and after every ";" or ","`, '');
  }
  const timed: TimedFault[] = [];
  const standing: StandingFault[] = [];
  for (const clause of clauses) {
    const fault = new ClauseReader(spec, clause).fault();
    if (fault.kind === 'reset' || fault.kind === 'blackhole' || fault.kind === 'broker-restart') timed.push(fault);
    else {
      rejectRepeat(spec, standing, fault);
      standing.push(fault);
    }
  }
  return { text: spec, timed, standing };
}

/** One fault's words, read left to right; every error names the word it met. */
class ClauseReader {
  private readonly words: string[];
  private next = 0;

  constructor(
    private readonly spec: string,
    clause: string,
  ) {
    // "5ms + 2ms" and "1s - 5s" read as the single words "5ms+2ms" and "1s-5s".
    this.words = clause
      .replace(/\s*\+\s*/g, '+')
      .replace(/\s+-\s*|\s*-\s+/g, '-')
      .split(/\s+/);
  }

  fault(): Fault {
    const kind = this.take().toLowerCase();
    const fault = this.body(kind);
    if (this.next < this.words.length) this.fail(`unexpected "${this.peek()}" after the ${kind} fault`, this.peek());
    return fault;
  }

  private body(kind: string): Fault {
    switch (kind) {
      case 'reset':
      case 'broker-restart':
        return { kind, timing: this.timing(kind) };
      case 'blackhole': {
        const durationMs = this.duration(`after "blackhole"`, { positive: true });
        return { kind, durationMs, timing: this.timing(`blackhole ${this.words[1]}`) };
      }
      case 'latency':
        return { kind, ...this.latency(), direction: this.direction('latency') };
      case 'bandwidth':
        return { kind, bytesPerSecond: this.rate(), direction: this.direction('bandwidth') };
      case 'close-after-bytes':
        return { kind, bytes: this.size(`after "close-after-bytes"`) };
      default:
        return this.fail(`unknown fault "${kind}", expected ${quotedList(KINDS)}`, this.words[0]);
    }
  }

  private timing(after: string): FaultTiming {
    const word = this.take().toLowerCase();
    switch (word) {
      case 'at':
        return { mode: 'at', atMs: this.duration(`after "at"`, { positive: false }) };
      case 'every':
        return { mode: 'every', everyMs: this.duration(`after "every"`, { positive: true }) };
      case 'random':
        return this.randomRange();
      default:
        return this.fail(`expected "every", "at" or "random" after "${after}", got ${shown(word)}`, word);
    }
  }

  private randomRange(): FaultTiming {
    const word = this.take();
    const [low = '', high, ...rest] = word.split('-');
    const minMs = parseDurationMs(low);
    const maxMs = high === undefined ? null : parseDurationMs(high);
    if (rest.length > 0 || minMs === null || maxMs === null || minMs <= 0) {
      this.fail(`expected a range of durations such as "1s-5s" after "random", got ${shown(word)}`, word);
    }
    if (maxMs < minMs) this.fail(`the range after "random" must not end before it starts, got "${word}"`, word);
    return { mode: 'random', minMs, maxMs };
  }

  private latency(): { fixedMs: number; jitterMs: number } {
    const word = this.take();
    const [fixed = '', jitter, ...rest] = word.split('+');
    const fixedMs = parseDurationMs(fixed);
    const jitterMs = jitter === undefined ? 0 : parseDurationMs(jitter);
    if (rest.length > 0 || fixedMs === null || jitterMs === null) {
      this.fail(
        `expected a delay such as "5ms" or "5ms+2ms" (fixed + jitter) after "latency", got ${shown(word)}`,
        word,
      );
    }
    return { fixedMs, jitterMs };
  }

  private rate(): number {
    const word = this.take();
    const bytes = parseSizeBytes(word.replace(/\/s$/i, ''));
    if (bytes === null || bytes <= 0) {
      this.fail(`expected a rate such as "100kB/s" after "bandwidth", got ${shown(word)}`, word);
    }
    return bytes;
  }

  private size(after: string): number {
    const word = this.take();
    const bytes = parseSizeBytes(word);
    if (bytes === null || bytes <= 0) this.fail(`expected a size such as "64k" ${after}, got ${shown(word)}`, word);
    return bytes;
  }

  private duration(after: string, { positive }: { positive: boolean }): number {
    const word = this.take();
    const ms = parseDurationMs(word);
    if (ms === null || (positive && ms <= 0)) {
      this.fail(
        `expected a ${positive ? 'positive ' : ''}duration such as "2s" or "500ms" ${after}, got ${shown(word)}`,
        word,
      );
    }
    return ms;
  }

  private direction(kind: string): FaultDirection {
    if (this.next >= this.words.length) return 'both';
    const word = this.take().toLowerCase();
    if (!(DIRECTIONS as readonly string[]).includes(word)) {
      this.fail(`expected ${quotedList(DIRECTIONS)} after the ${kind} value, got ${shown(word)}`, word);
    }
    return word as FaultDirection;
  }

  private take(): string {
    return this.words[this.next++] ?? '';
  }

  private peek(): string {
    return this.words[this.next] ?? '';
  }

  private fail(problem: string, token: string): never {
    throw new FaultSpecError(this.spec, problem, token);
  }
}

function rejectRepeat(spec: string, earlier: readonly StandingFault[], fault: StandingFault): void {
  const clash = earlier.find((other) => other.kind === fault.kind && overlaps(direction(other), direction(fault)));
  if (clash) throw new FaultSpecError(spec, `${fault.kind} is given twice for the same direction`, fault.kind);
}

function direction(fault: StandingFault): FaultDirection {
  return fault.kind === 'close-after-bytes' ? 'both' : fault.direction;
}

function overlaps(a: FaultDirection, b: FaultDirection): boolean {
  return a === 'both' || b === 'both' || a === b;
}

function shown(word: string): string {
  return word === '' ? 'nothing' : `"${word}"`;
}

function quotedList(words: readonly string[]): string {
  const quoted = words.map((word) => `"${word}"`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
