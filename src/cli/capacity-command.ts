/**
 * `salvo capacity [PROFILE] [URL] --slo ...`: the highest open-loop rate
 * that meets every objective (src/capacity/capacity-run.ts drives it). The
 * options checked here, capacity.json and capacity.html written, the
 * summary printed. Exit 0 when a passing rate was found, 1 when even the
 * first step failed, 2 for bad input (no --slo among it), 3 when the broker
 * cannot be reached, 130 when interrupted.
 */
import { writeJsonFile } from './json-file.js';
import { join } from 'node:path';
import { Command } from 'commander';
import { runCapacity } from '../capacity/capacity-run.js';
import { formatCapacity, type CapacityResult } from '../capacity/format.js';
import { writeCapacityHtml } from '../capacity/html.js';
import { JUDGE_DEFAULTS } from '../capacity/judge.js';
import { REPEAT_DEFAULT } from '../capacity/repeat.js';
import type { StepSettings } from '../capacity/run-step.js';
import { SEARCH_DEFAULTS } from '../capacity/search.js';
import { ProgressLine } from '../coordinator/progress-line.js';
import { exitCodeFor } from '../errors.js';
import {
  checkMeasured,
  defaultedAddressNote,
  newRunId,
  parseDurationMs,
  parseObjectives,
  parseRateHz,
  PlanError,
  PLAN_DEFAULTS,
  redactUrl,
  resolvePlan,
  type Plan,
  type PlanInput,
} from '../plan/index.js';
import { loadProfile, loadProfileSecurity } from '../plan/profile.js';
import { URL_HELP } from './options.js';
import { envPassword } from './side-security.js';

interface CapacityFlags {
  profile?: string;
  slo?: string[];
  startRate: string;
  factor: string;
  resolution: string;
  maxSteps: string;
  maxTime: string;
  maxRate?: string;
  stepDuration: string;
  stepWarmup?: string;
  maxSendDelay: string;
  repeat: string;
  preflight: boolean;
  output?: string;
  json?: boolean;
  senders?: string;
  receivers?: string;
  connections?: string;
  links?: string;
  bodySize?: string;
  maxInFlight?: string;
  credit?: string;
  msgDurable?: boolean;
  recvRate?: string;
  recvDelay?: string;
}

/** Workload flags passed to every step as `salvo run` would take them. */
const WORKLOAD_FLAGS = [
  'senders',
  'receivers',
  'connections',
  'links',
  'bodySize',
  'maxInFlight',
  'credit',
  'msgDurable',
  'recvRate',
  'recvDelay',
] as const;

export function capacityCommand(): Command {
  return (
    new Command('capacity')
      .description('find the highest open-loop rate that meets every --slo: doubling steps, then a binary search')
      .argument('[profile-or-url]', 'a workload YAML (the same as --profile) or amqp[s]:// URL')
      .argument('[url]', `after a profile: ${URL_HELP}; none: an embedded broker`)
      // Headings as salvo run's (commander's optionsGroup: each option joins the last heading set).
      .optionsGroup('Search:')
      .option(
        '--slo <objective>',
        'required, at least one: KIND.PERCENTILE<DURATION (service, corrected, endToEnd, sendDelay; p50, p90, p99, p99.9, max), or ' +
          'throughput>N (acceptRate, sendRate, receiveRate); repeatable, as salvo run --threshold',
        collect,
      )
      .option('--start-rate <msg/s>', 'rate of the first step', String(SEARCH_DEFAULTS.startRate))
      .option('--factor <x>', 'growth of the rate from step to step until one fails', String(SEARCH_DEFAULTS.factor))
      .option(
        '--resolution <share>',
        'stop bisecting when the failing rate is within this share above the passing one',
        String(SEARCH_DEFAULTS.resolution),
      )
      .option('--max-steps <n>', 'at most this many steps', String(SEARCH_DEFAULTS.maxSteps))
      .option('--max-time <time>', 'start no step (search or repeat) that would end after this long', '5m')
      .option('--max-rate <msg/s>', 'never step above this rate')
      .option('--step-duration <time>', 'length of each step, warm-up included', '5s')
      .option(
        '--step-warmup <time>',
        'warm-up of each step, excluded from its figures (default: 20% of the step, at most 1s)',
      )
      .option(
        '--max-send-delay <time>',
        'a step whose sendDelay p99 exceeds this fell behind its schedule',
        `${JUDGE_DEFAULTS.maxSendDelayUs / 1000}ms`,
      )
      .option(
        '--repeat <n>',
        'after the search, run the capacity and the knee rates until each has run this many times, and report the spread',
        String(REPEAT_DEFAULT),
      )
      .option('--no-preflight', "skip the few seconds' measure of what this host can generate before the search")
      .optionsGroup('Workload (each step, as salvo run takes it):')
      .option(
        '--profile <file>',
        'a workload YAML (profiles/*.yaml), as salvo run takes it; flags given here override it',
      )
      .option('--senders <n>', 'sender worker threads')
      .option('--receivers <n>', 'receiver worker threads')
      .option('--connections <n>', 'connections per worker')
      .option('--links <n>', 'links per connection')
      .option('--body-size <bytes>', 'message body size: 1k, a range 100-10k or weighted sizes 100:80,10k:15')
      .option('--recv-rate <msg/s>', 'hold consumers slow: total receive rate of every step, paced by credit')
      .option('--recv-delay <time>', 'hold consumers slow: processing time of each message in every step, e.g. 5ms')
      .option('--max-in-flight <n>', 'sender limit of unsettled messages')
      .option('--credit <n>', 'receiver credit window')
      .option('--msg-durable', 'send durable messages')
      .optionsGroup('Output:')
      .option(
        '--output <dir>',
        `folder for capacity.json and each step's result (default ${PLAN_DEFAULTS.outputRoot}/<id>)`,
      )
      .option('--json', 'print capacity.json on stdout and nothing else')
      .action(async (first: string | undefined, second: string | undefined, flags: CapacityFlags) => {
        // Without an objective a step passes on schedule and backlog alone: the "capacity" found is where salvo or this
        // host gave out, which reads as the broker's figure and is not. Refused rather than warned: a warning scrolls
        // past above a table that looks like an answer.
        if ((flags.slo ?? []).length === 0)
          throw new PlanError(
            'salvo capacity needs at least one --slo (e.g. --slo "service.p99<10ms"): without one it finds where salvo ' +
              'or this host gives out, not a level of service',
          );
        const slos = parseObjectives(flags.slo ?? [], '--slo');
        const { profile, url } = positionals(first, second, flags.profile);
        // The steps take no TLS files or SASL choice yet: a profile's would be ignored, so it is refused.
        if (profile && Object.keys(loadProfileSecurity(profile)).length > 0)
          throw new PlanError(
            `${profile}: salvo capacity takes no TLS or SASL settings yet; use a profile without them`,
          );
        // SALVO_PASSWORD fills in a URL's missing password, as for salvo run.
        const password = envPassword(undefined);
        const input: PlanInput = {
          ...(profile ? withoutThresholds(loadProfile(profile)) : {}),
          ...workload(flags),
          ...(url ? { url } : {}),
          ...(password ? { password } : {}),
        };
        const search = searchOptions(flags);
        const stepDurationMs = positiveDuration(flags.stepDuration, '--step-duration');
        const stepWarmupMs =
          flags.stepWarmup === undefined
            ? Math.min(1_000, Math.floor(stepDurationMs * 0.2))
            : parseDurationMs(flags.stepWarmup);
        if (stepWarmupMs === null || stepWarmupMs >= stepDurationMs)
          throw new PlanError(
            `--step-warmup must be a duration shorter than --step-duration, got ${JSON.stringify(flags.stepWarmup)}`,
          );
        const maxSendDelayUs = positiveDuration(flags.maxSendDelay, '--max-send-delay') * 1_000;
        const repeat = Number(flags.repeat);
        if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 10)
          throw new PlanError(`--repeat must be an integer from 1 to 10, got ${JSON.stringify(flags.repeat)}`);
        const id = `capacity-${newRunId(new Date())}`;
        const dir = flags.output ?? join(PLAN_DEFAULTS.outputRoot, id);
        const stepInput: PlanInput = { ...input, drainTimeout: input.drainTimeout ?? '3s' };
        // A bad workload is a usage error before any step starts.
        const plan = resolvePlan({
          ...stepInput,
          rate: search.startRate,
          duration: `${stepDurationMs}ms`,
          warmup: `${stepWarmupMs}ms`,
          count: undefined,
          runId: id,
        });
        if (plan.rpc) throw new PlanError('--pattern rpc: capacity steps a one-way send rate, rpc is not supported');
        // An objective on a kind no step records could only fail: refused before the first step, as run's thresholds.
        checkMeasured(slos, plan, '--slo');
        const settings: StepSettings = {
          input: stepInput,
          slos,
          bounds: { ...JUDGE_DEFAULTS, maxSendDelayUs },
          durationMs: stepDurationMs,
          warmupMs: stepWarmupMs,
          dir,
          id,
        };
        const interrupt = new AbortController();
        const onSignal = (): void => interrupt.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const say = (line: string): void => {
          if (!flags.json) process.stderr.write(`${line}\n`);
        };
        try {
          const context = { progress: new ProgressLine(process.stderr, false), signal: interrupt.signal };
          const result = await runCapacity(
            {
              header: { id, target: url ? redactUrl(url) : 'embedded broker', ...addressField(plan) },
              url,
              slos,
              search,
              steps: settings,
              maxSendDelayUs,
              repeat,
              preflight: flags.preflight,
              maxInFlight: plan.maxInFlight,
            },
            context,
            say,
          );
          const file = writeJsonFile(dir, 'capacity.json', result);
          const html = writeCapacityHtml(result, dir);
          process.stdout.write(
            flags.json ? JSON.stringify(result, null, 2) + '\n' : formatCapacity(result, file, html) + '\n',
          );
          if (result.stoppedBy === 'interrupted') process.exitCode = exitCodeFor('interrupted');
          else if (result.capacityRate === null) process.exitCode = exitCodeFor('failed');
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      })
  );
}

/**
 * A URL is known by its scheme; anything else first is a profile.
 * `capacity [PROFILE] [URL]` or, as salvo run takes it, `capacity --profile FILE [URL]`: the two forms are one.
 * The positional form came first and is kept so that existing scripts work.
 */
function positionals(
  first: string | undefined,
  second: string | undefined,
  profileFlag: string | undefined,
): { profile?: string; url?: string } {
  const isUrl = (s: string): boolean => /^amqps?:\/\//i.test(s);
  if (profileFlag !== undefined) {
    if (first !== undefined && !isUrl(first))
      throw new PlanError(`a profile given twice: --profile ${profileFlag} and ${JSON.stringify(first)}; give one`);
    if (second !== undefined)
      throw new PlanError(`expected at most one URL after --profile, got ${JSON.stringify(second)} too`);
    return { profile: profileFlag, ...(first !== undefined ? { url: first } : {}) };
  }
  if (first === undefined) return {};
  if (isUrl(first)) {
    if (second !== undefined)
      throw new PlanError(
        `a profile comes before the URL, got ${JSON.stringify(second)} after ${JSON.stringify(first)}`,
      );
    return { url: first };
  }
  if (second !== undefined && !isUrl(second))
    throw new PlanError(`expected an amqp:// or amqps:// URL after the profile, got ${JSON.stringify(second)}`);
  return { profile: first, ...(second !== undefined ? { url: second } : {}) };
}

function workload(flags: CapacityFlags): PlanInput {
  const given: Record<string, unknown> = {};
  for (const name of WORKLOAD_FLAGS) if (flags[name] !== undefined) given[name] = flags[name];
  return given as PlanInput;
}

function searchOptions(flags: CapacityFlags): {
  startRate: number;
  factor: number;
  resolution: number;
  maxSteps: number;
  maxTimeMs: number;
  maxRate?: number;
} {
  const startRate = positiveRate(flags.startRate, '--start-rate');
  const factor = Number(flags.factor);
  if (!(factor > 1) || !Number.isFinite(factor))
    throw new PlanError(`--factor must be a number above 1, got ${JSON.stringify(flags.factor)}`);
  const resolution = Number(flags.resolution);
  if (!(resolution > 0 && resolution < 1))
    throw new PlanError(
      `--resolution must be a share between 0 and 1 (e.g. 0.1), got ${JSON.stringify(flags.resolution)}`,
    );
  const maxSteps = Number(flags.maxSteps);
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1 || maxSteps > 100)
    throw new PlanError(`--max-steps must be an integer from 1 to 100, got ${JSON.stringify(flags.maxSteps)}`);
  const maxTimeMs = positiveDuration(flags.maxTime, '--max-time');
  const maxRate = flags.maxRate === undefined ? undefined : positiveRate(flags.maxRate, '--max-rate');
  if (maxRate !== undefined && maxRate < startRate)
    throw new PlanError(`--max-rate must not be below --start-rate, got ${maxRate} and ${startRate}`);
  return { startRate, factor, resolution, maxSteps, maxTimeMs, ...(maxRate !== undefined ? { maxRate } : {}) };
}

function positiveRate(text: string, flag: string): number {
  const rate = parseRateHz(text);
  if (rate === null || !(rate > 0))
    throw new PlanError(`${flag} must be a positive number of messages per second, got ${JSON.stringify(text)}`);
  return rate;
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDurationMs(text);
  if (ms === null || ms < 1)
    throw new PlanError(`${flag} must be a positive duration (e.g. 5s, 500ms), got ${JSON.stringify(text)}`);
  return ms;
}

/** Commander's fold for a repeatable option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A profile's `thresholds` gate a single run; the steps are judged by --slo alone, so they are left out. */
function withoutThresholds(input: PlanInput): PlanInput {
  const { threshold: _gate, ...workload } = input;
  return workload;
}

/** capacity.json's `address`, only when the URL named none. */
function addressField(plan: Plan): Pick<CapacityResult, 'address'> {
  const address = defaultedAddressNote(plan);
  return address === undefined ? {} : { address };
}
