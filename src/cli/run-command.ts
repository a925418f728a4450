/** `salvo run [URL]`: the load engine. Without a URL it targets an embedded broker. */
import { Command, Option } from 'commander';
import { readTlsFiles } from '../amqp/connect.js';
import { enabledMechanisms } from '../amqp/sasl.js';
import { executeRun, type RunContext, type RunOutcome, type RunTls } from '../coordinator/run.js';
import { ProgressLine } from '../coordinator/progress-line.js';
import { MetricsServer, resolveMetricsEndpoint } from '../coordinator/metrics-server.js';
import { exitCodeFor } from '../errors.js';
import {
  PLAN_DEFAULTS,
  PlanError,
  redactPlan,
  resolvePlan,
  type Plan,
  type PlanInput,
  type Side,
  type UrlTarget,
} from '../plan/index.js';
import { loadProfile, loadProfileSecurity } from '../plan/profile.js';
import { whyNothingMeasured } from '../results/result.js';
import { measuredPhrase, type ThresholdResult } from '../results/thresholds.js';
import { runOutputs } from './run-outputs.js';
import {
  addSecurityOptions,
  resolveSecurity,
  SECURITY_FLAGS,
  withProfile,
  type Security,
  type SecurityFlags,
} from './security-options.js';
import {
  addPasswordOption,
  addSideSecurityOptions,
  envPassword,
  resolveSideSecurity,
  SIDE_SECURITY_FLAGS,
  sideFlagName,
  sideTlsFlags,
  type SideSecurityFlags,
} from './side-security.js';
import { URL_HELP } from './options.js';
import { printedShardPlan, shardedPlans } from './shard-options.js';
import { mergeGathered } from './shard-zero.js';

interface RunFlags extends Omit<PlanInput, 'url' | 'password'>, SecurityFlags, SideSecurityFlags {
  profile?: string;
  urlEnv?: string;
  printPlan?: boolean;
  repeat?: string;
  slowPerMessage?: string;
  measure: boolean;
  ledger: boolean;
}

export function runCommand(): Command {
  // Grouped under headings (commander's optionsGroup: each option joins the last heading set) so that some
  // 60 options read as a few short lists; docs/run.md follows the same groups.
  const command = new Command('run')
    .description('send and receive messages, measure throughput and latency, check delivery')
    .argument('[url]', `${URL_HELP}; none: an embedded broker`)
    .optionsGroup(RUN_GROUPS.workload)
    .option(
      '--url-env <var>',
      'take the URL (with its password) from this environment variable instead: out of ps and shell history ' +
        '(a Kubernetes Secret)',
    )
    .option(
      '--send-url <urls>',
      'senders (requesters) connect here instead of URL: repeatable or comma-separated, connections take them in ' +
        'turn (docs/run.md#where-each-side-connects)',
      collect,
    )
    .option('--recv-url <urls>', 'receivers (responders) connect here instead of URL: likewise', collect)
    .option('--tag <key=value>', 'a label recorded in result.json, the summary and the report (repeatable)', collect)
    .option('--profile <file>', 'a workload YAML (profiles/*.yaml); flags given here override it')
    .option(
      '-c, --count <n>',
      `messages to send after warm-up, k/m suffixes (default: ${PLAN_DEFAULTS.count} when no --duration)`,
    )
    .option('-d, --duration <time>', 'stop sending after this long, e.g. 30s, 5m, 1h')
    .option(
      '--warmup <time>',
      'warm-up excluded from totals (default: 10% of --duration, at most 5s; none for count runs)',
    )
    .option('--rate <msg/s>', 'total send rate, open loop (default: as fast as allowed)')
    .option('--senders <n>', 'sender worker threads', String(PLAN_DEFAULTS.senders))
    .option('--receivers <n>', 'receiver worker threads (0: only send)', String(PLAN_DEFAULTS.receivers))
    .option('--connections <n>', 'connections per worker', String(PLAN_DEFAULTS.connections))
    .option('--links <n>', 'links per connection', String(PLAN_DEFAULTS.links))
    .option('--addresses <n>', 'spread links over address, address-1, ...', String(PLAN_DEFAULTS.addresses))
    .option(
      '--body-size <bytes>',
      'message body size: 1k, a range 100-10k (uniform) or weighted sizes 100:80,10k:15,1m:5 (seeded by --seed)',
      String(PLAN_DEFAULTS.bodySize),
    )
    .option('--recv-rate <msg/s>', 'slow consumers: total receive rate over all receivers, paced by credit')
    .option('--recv-delay <time>', 'slow consumers: processing time of each message before it is accepted, e.g. 5ms')
    .option(
      '--msg-property <name=value>',
      'application property on every message (repeatable): a constant, choice(a,b), cycle(a,b), seq, ' +
        'uniform(lo,hi); seeded by --seed',
      collect,
    )
    .option(
      '--recv-selector <expr>',
      'receivers attach with this JMS selector (e.g. "colour = \'green\'"); the ledger checks what they got',
    )
    .option(
      '--subscriptions <n>',
      'receivers consume as N subscriptions of a topic, receiver links dealt to them in turn (docs/topics.md)',
    )
    .option('--durable-subscriptions', 'with --subscriptions: subscriptions outlive a detach, a reconnect resumes')
    .optionsGroup(RUN_GROUPS.rpc)
    .option('--pattern <pattern>', 'rpc: requests with reply-to and correlation id, answered by responders')
    .option('--responders <n>', 'rpc: responder worker threads (0: a server salvo did not start answers)', '1')
    .option('--rpc-in-flight <n>', 'rpc: outstanding requests per requester link', '10')
    .option('--reply-to <address>', 'rpc: a fixed reply address (default: a dynamic receiver per link)')
    .option('--rpc-timeout <time>', 'rpc: give a request up after this long without a reply (default: 10s)')
    .optionsGroup(RUN_GROUPS.delivery)
    .option('--msg-durable', 'send durable messages')
    .option('--msg-ttl <time>', 'header ttl of every message (500ms, 2s): the broker may drop it queued longer')
    .option('--msg-priority <p>', 'header priority 0-9, or a choice drawn per message (0,4,9; seeded by --seed)')
    .option('--recv-start-after <time>', 'receivers attach but take nothing until this long after the start')
    .option('--link-at-least-once', 'unsettled sends, wait for outcomes (default)')
    .option('--link-at-most-once', 'pre-settled sends and receives')
    .option('--credit <n>', 'receiver credit window', String(PLAN_DEFAULTS.credit))
    .option('--max-in-flight <n>', 'sender limit of unsettled messages', String(PLAN_DEFAULTS.maxInFlight))
    .option('--drain-timeout <time>', 'receivers stop after this long without a message', '10s')
    .option(
      '--foreign <policy>',
      'messages this run did not send: accept (consume, count) or release (leave them for others)',
      PLAN_DEFAULTS.foreign,
    )
    .option('--reconnect', 'reopen lost connections and resend what was in doubt (default: on with --faults)')
    .option('--no-reconnect', 'a lost connection ends the run')
    .option(
      '--reconnect-give-up <time>',
      `a connection down this long ends its worker's run (default: ${PLAN_DEFAULTS.reconnectGiveUpMs / 1000}s)`,
    )
    .optionsGroup(RUN_GROUPS.transactions)
    .option('--tx-size <n>', 'send in transactions of n messages (declare, send n, discharge)')
    .option('--tx-action <action>', 'how send transactions end: commit (default) or rollback')
    .option(
      '--tx-rollback-ratio <share>',
      'roll back this share of send transactions (0..1, chosen by --seed), commit the rest',
    )
    .option('--recv-tx-size <n>', 'receive with prefetch 0 and accept inside transactions of n messages')
    .option('--recv-tx-action <action>', 'how receive transactions end: commit (default) or rollback (redelivered)')
    .option('--recv-tx-rollback-ratio <share>', 'roll back this share of receive transactions (0..1, chosen by --seed)')
    .optionsGroup(RUN_GROUPS.security);
  addSecurityOptions(command);
  addPasswordOption(command);
  addSideSecurityOptions(command);
  return (
    command
      .optionsGroup(RUN_GROUPS.faults)
      .option('--faults <spec>', 'inject faults through a proxy, e.g. "reset every 2s; latency 5ms" (docs/faults.md)')
      .option(
        '--faults-via <backend>',
        'toxiproxy=http://HOST:8474: an existing toxiproxy injects --faults instead of the built-in proxy',
      )
      .option('--restart-command <cmd>', 'external broker: the shell command a broker-restart fault runs')
      .option(
        '--broker-chaos <faults>',
        'checker self-test on the embedded broker: drop=R,dup=R,reorder=R of accepted messages, leak=R of ' +
          'rolled-back ones',
      )
      .option(
        '--seed <n>',
        'seed of --broker-chaos decisions, --faults random times and jitter, and which transactions roll back ' +
          '(default: 1)',
      )
      .optionsGroup(RUN_GROUPS.output)
      .option(
        '--threshold <objective>',
        'fail the run (exit 1) unless it meets this (repeatable): service.p99<10ms, endToEnd.p99.9<20ms, ' +
          'acceptRate>5000 (docs/run.md#thresholds)',
        collect,
      )
      .option('--output <dir>', 'result folder (default: results/<run-id>)')
      .option('--run-id <id>', 'name the run (and its folder); every shard of a --shards run gives the same')
      .option(
        '--shards <n>',
        'spread the run over N processes (docs/shards.md): this one runs part --shard-index; `salvo merge` judges',
      )
      .option('--shard-index <i>', 'which part this process runs, 0..N-1 (default: $JOB_COMPLETION_INDEX)')
      .option(
        '--control-address <address>',
        'where shards meet on the broker: start barrier, clock offsets, results to shard 0 (default: <address>.salvo-control)',
      )
      .option('--start-at <epoch-ms>', 'shards start at this wall-clock instant and meet no other (then salvo merge)')
      .option('--shard-timeout <time>', 'how long shards wait for each other at each meeting (default: 2m)')
      .option('--repeat <n>', 'run N times, into <output>/run-1 ... run-N (a set for salvo compare)', '1')
      .option('--json', 'print the result JSON on stdout and nothing else')
      .option('--quiet', 'no progress line, no summary')
      .option('--print-plan', 'print the resolved plan as JSON (passwords removed) and exit without running')
      .option(
        '--metrics-port <port>',
        'serve live Prometheus metrics at http://127.0.0.1:PORT/metrics during the run (0: any free port, printed)',
      )
      .option(
        '--metrics-host <address>',
        'the address --metrics-port listens on (default: 127.0.0.1); another one exposes the endpoint, which has ' +
          'no authentication, on purpose (a pod scraped from outside)',
      )
      // For scripts/bench/overhead.mjs only: what salvo costs without its measurements.
      .addOption(new Option('--no-measure', 'send unstamped messages and record no latency').hideHelp())
      // For scripts/bench/overhead.mjs only: the ledger's cost on the hot path.
      .addOption(new Option('--no-ledger', 'keep no per-message ledger, give no verdict').hideHelp())
      // For the compare tests only: a build slowed on purpose, by a fixed wait after every send.
      .addOption(new Option('--slow-per-message <us>', 'wait this many µs after each send').hideHelp())
      .action(async (url: string | undefined, flags: RunFlags, command: Command) => {
        const { measure, ledger, profile, printPlan, repeat, slowPerMessage, urlEnv, ...others } = flags;
        const target = urlFromEnv(url, urlEnv);
        const planFlags = Object.fromEntries(
          Object.entries(others).filter(
            ([name]) => !(SECURITY_FLAGS as readonly string[]).includes(name) && !SIDE_SECURITY_FLAGS.includes(name),
          ),
        );
        const typed = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
        const securityFlags = profile ? withProfile(flags, loadProfileSecurity(profile), typed) : flags;
        const password = envPassword(securityFlags.passwordEnv);
        const input: PlanInput = {
          ...(profile ? loadProfile(profile) : {}),
          ...explicitFlags(planFlags, command),
          ...(target ? { url: target } : {}),
          ...(password ? { password } : {}),
        };
        const plans = shardedPlans(repeatedPlans(input, repeatOption(repeat)), input, process.env, printPlan === true);
        if (printPlan) {
          const shown = plans.map((plan) => printedShardPlan(redactPlan(plan)));
          process.stdout.write(JSON.stringify(shown.length === 1 ? shown[0] : shown, null, 2) + '\n');
          return;
        }
        if (plans.length > 1 && plans[0].json)
          throw new PlanError(
            '--json prints one result on stdout: with --repeat, read <output>/run-N/result.json instead',
          );
        const security = resolveSecurity(securityFlags);
        const sideSecurity = resolveSideSecurity(securityFlags);
        // Workers read the TLS files themselves; reading them here first turns a bad path into one usage error.
        await readTlsFiles(security.files);
        for (const own of Object.values(sideSecurity)) await readTlsFiles(own.files);
        checkSasl(plans[0], security, sideSecurity, securityFlags);
        const metricsEndpoint = resolveMetricsEndpoint(input.metricsPort, input.metricsHost);
        // Bound before the broker and the workers start: a port in use is a usage error, nothing ran.
        const server = metricsEndpoint ? await MetricsServer.start(metricsEndpoint) : undefined;
        if (server) process.stderr.write(`metrics: ${server.url}${metricsEndpoint?.exposed ? EXPOSED_NOTE : ''}\n`);
        const context = {
          tls: runTls(security),
          sideTls: Object.fromEntries(
            Object.entries(sideSecurity).map(([side, own]) => [
              side,
              { ...runTls(own), tlsFlags: sideTlsFlags(securityFlags, side as Side) },
            ]),
          ),
          measure,
          ledger,
          slowPerMessageUs: slowOption(slowPerMessage),
          ...(server ? { metrics: server.metrics } : {}),
        };
        try {
          for (const [i, plan] of plans.entries()) {
            if (plans.length > 1 && !plan.json && !plan.quiet)
              process.stderr.write(`salvo: run ${i + 1} of ${plans.length} -> ${plan.outputDir}\n`);
            // A run that failed or was interrupted ends the set: its figures would not compare.
            if (!(await runOnce(plan, context)) || process.exitCode !== undefined) return;
          }
        } finally {
          // After the last result is written: a scrape until then sees the final figures.
          await server?.stop();
        }
      })
  );
}

/** The headings of `salvo run --help`, in the order they show (a test checks they all do). */
export const RUN_GROUPS = {
  workload: 'Workload:',
  rpc: 'Request/reply (--pattern rpc):',
  delivery: 'Delivery:',
  transactions: 'Transactions:',
  security: 'Security (TLS/SASL):',
  faults: 'Faults:',
  output: 'Output and metrics:',
} as const;

type OnceContext = Pick<RunContext, 'tls' | 'sideTls' | 'measure' | 'ledger' | 'slowPerMessageUs' | 'metrics'>;

/** One run, its result written and its summary printed (runOutputs); false when it failed or was interrupted. */
async function runOnce(plan: Plan, context: OnceContext): Promise<boolean> {
  context.metrics?.startRun(plan.runId);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let outcome: RunOutcome;
  try {
    const progressEnabled = !plan.quiet && !plan.json && process.stderr.isTTY === true;
    outcome = await executeRun(plan, {
      progress: new ProgressLine(process.stderr, progressEnabled),
      signal: interrupt.signal,
      ...context,
      observers: runOutputs(plan),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  judge(outcome);
  // Shard 0 of shards that met over the broker: the run's one verdict and exit code.
  mergeGathered(plan, outcome);
  return outcome.failure === undefined;
}

/**
 * --repeat N: N plans alike but for their run ids (`<id>-1` ...) and folders
 * (`<output>/run-1` ...), so that the folder is a set `salvo compare` reads.
 */
export function repeatedPlans(input: PlanInput, repeat: number): Plan[] {
  const first = resolvePlan(input);
  if (repeat === 1) return [first];
  const now = input.now ?? new Date();
  return Array.from({ length: repeat }, (_, i) =>
    resolvePlan({ ...input, now, runId: `${first.runId}-${i + 1}`, output: `${first.outputDir}/run-${i + 1}` }),
  );
}

/** Commander's fold for a repeatable option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function repeatOption(value: string | undefined): number {
  const n = Number(value ?? '1');
  if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
    throw new PlanError(`--repeat must be an integer from 1 to 1000, got ${JSON.stringify(value)}`);
  return n;
}

function slowOption(value: string | undefined): number {
  if (value === undefined) return 0;
  const us = Number(value);
  if (!Number.isFinite(us) || us < 0)
    throw new PlanError(`--slow-per-message must be a number of µs, got ${JSON.stringify(value)}`);
  return us;
}

/** Only the flags typed on the command line, so that a profile's values are not overridden by defaults. */
function explicitFlags(flags: Record<string, unknown>, command: Command): PlanInput {
  const given: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flags)) {
    if (command.getOptionValueSource(name) === 'cli') given[name] = value;
  }
  return given as PlanInput;
}

/** A --sasl-mechanisms choice that cannot work with a URL is a usage error before any worker starts (each side's own). */
function checkSasl(
  plan: Plan,
  security: Security,
  sides: Partial<Record<Side, Security>>,
  flags: SideSecurityFlags,
): void {
  type Check = [UrlTarget, Security, string];
  const side =
    (name: Side) =>
    (url: UrlTarget): Check => [url, sides[name] ?? security, sideFlagName(flags, name, 'sasl-mechanisms')];
  const urls: Check[] = plan.sides
    ? [...plan.sides.send.map(side('send')), ...plan.sides.receive.map(side('receive'))]
    : plan.target.kind === 'url'
      ? [[plan.target, security, '--sasl-mechanisms']]
      : [];
  for (const [{ user, password, scheme }, own, option] of urls) {
    if (own.saslMechanisms === undefined) continue;
    enabledMechanisms(
      { user, password, tls: scheme === 'amqps', clientCertificate: own.files.cert !== undefined },
      own.saslMechanisms,
      option,
    );
  }
}

function runTls(security: Security): RunTls {
  const { files } = security;
  return {
    caFile: files.ca,
    certFile: files.cert,
    keyFile: files.key,
    keyPassword: files.keyPassword,
    servername: security.servername,
    verifyHost: files.verifyHost,
    saslMechanisms: security.saslMechanisms,
  };
}

/** The failure or the failed checks, on stderr and in the exit code; the outputs are written by then. */
function judge(outcome: RunOutcome): void {
  const { result, failure } = outcome;
  if (failure) {
    process.stderr.write(`salvo: ${failure.message}\n`);
    process.exitCode = exitCodeFor(failure.code);
    return;
  }
  const failed = result.checks.filter((check) => !check.ok);
  const nothing = whyNothingMeasured(result);
  if (failed.length > 0) {
    // A run that measured nothing fails every check for one reason: say that reason alone.
    const reason = nothing ?? `the run failed its checks: ${failed.map((c) => c.detail).join('; ')}`;
    process.stderr.write(`salvo: ${reason}\n`);
    process.exitCode = exitCodeFor('failed');
  }
  const missed = (result.thresholds ?? []).filter((threshold) => !threshold.pass);
  if (missed.length > 0) {
    // Said already when the checks failed for it; each threshold's measured value is in the summary.
    if (nothing === undefined || failed.length === 0) process.stderr.write(`salvo: ${thresholdsFailed(missed)}\n`);
    process.exitCode = exitCodeFor('failed');
  }
}

/** One line: how many thresholds failed and what each measured. */
function thresholdsFailed(missed: readonly ThresholdResult[]): string {
  const each = missed.map((t) => `${t.text} (${measuredPhrase(t)})`);
  return `${missed.length} threshold${missed.length === 1 ? '' : 's'} failed: ${each.join('; ')}`;
}

/** Said after the metrics URL when --metrics-host is off the loopback: a choice, not a mistake, but said. */
const EXPOSED_NOTE = ' (off the loopback on purpose: no authentication, no TLS; anyone who reaches it can read it)';

/** --url-env VAR: the URL from the environment (its value is never shown: only the variable's name). */
function urlFromEnv(url: string | undefined, name: string | undefined): string | undefined {
  if (name === undefined) return url;
  if (url !== undefined) throw new PlanError(`--url-env ${name} and a URL argument: give one of them`);
  const value = process.env[name];
  if (value === undefined || value.trim() === '')
    throw new PlanError(`--url-env: ${name} is not set in the environment`);
  return value.trim();
}
