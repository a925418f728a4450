/**
 * `salvo verify`: probe the broker, then run each selected promise's
 * scenarios one after the other, each a real salvo run through executeRun
 * (its result written to its own folder), judged by judge.ts; promises 8-10
 * drive links themselves (link-checks/). Without a URL every run starts its
 * own embedded broker, as `salvo run` does, with the same --broker-chaos;
 * the probe and each link check get one too.
 */
import { join } from 'node:path';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded.js';
import { executeRun, type RunContext } from '../coordinator/run.js';
import { describeError, SalvoError } from '../errors.js';
import { parseChaosSpec } from '../plan/chaos-spec.js';
import { parseAmqpUrl, redactUrl, resolvePlan, type PlanInput } from '../plan/index.js';
import { defaultAddressPrefix, probe, type ProbeReport } from '../probe/index.js';
import { writeResult } from '../results/write.js';
import { combineScenarios, judgeScenario, type ScenarioJudgement } from './judge.js';
import { LINK_SCENARIOS } from './link-checks/index.js';
import { notOffered } from './offered.js';
import { PROMISES, type PromiseSpec, type Scenario, type Size } from './promises.js';
import {
  exitCodeOf,
  summaryOf,
  VERIFY_SCHEMA,
  type PromiseReport,
  type ScenarioReport,
  type VerifyResult,
} from './result.js';
import { withAddress } from './target-url.js';

export interface BatterySettings {
  /** amqp[s]://...; absent: the embedded broker. */
  url?: string;
  size: Size;
  seed: number;
  /** --broker-chaos, for the embedded broker only (the CLI refuses it with a URL). */
  brokerChaos?: string;
  restartCommand?: string;
  /** Promise id -> why it is not run (--only, --skip): reported as skipped. */
  skipped: ReadonlyMap<string, string>;
  /** Folder of the battery: verify.json, and each scenario's result under <promise>/<n>. */
  dir: string;
  id: string;
  now: Date;
}

type Context = Pick<RunContext, 'progress' | 'signal'>;

/** Bound on each wait of the probe: the battery's own runs are bounded by their plans. */
const PROBE_STEP_MS = 5_000;

export async function runBattery(
  settings: BatterySettings,
  context: Context,
  onPromise: (report: PromiseReport) => void = () => undefined,
): Promise<VerifyResult> {
  const started = Date.now();
  const report = await probeTarget(settings);
  const unoffered = notOffered(report);
  const base = settings.url === undefined ? undefined : baseAddress(settings.url, report);
  const promises: PromiseReport[] = [];
  for (const spec of PROMISES) {
    // A run stops itself on Ctrl-C; between runs (and the link checks, which are short) the battery stops here.
    if (context.signal.aborted) throw new SalvoError('interrupted', 'interrupted by a signal');
    const before = Date.now();
    const decided = decidedBeforeRunning(spec, settings, unoffered);
    const address = base === undefined ? undefined : `${base}.${spec.id}`;
    const promise =
      decided ??
      (spec.onLinks
        ? await runLinkPromise(spec, settings, address)
        : await runPromise(spec, settings, context, address));
    promise.elapsedMs = Date.now() - before;
    promises.push(promise);
    onPromise(promise);
  }
  return {
    schema: VERIFY_SCHEMA,
    id: settings.id,
    target: settings.url === undefined ? 'embedded broker' : redactUrl(settings.url),
    broker: report.broker,
    size: settings.size,
    seed: settings.seed,
    ...(settings.brokerChaos !== undefined ? { brokerChaos: settings.brokerChaos } : {}),
    startedAt: settings.now.toISOString(),
    elapsedMs: Date.now() - started,
    probe: report.capabilities,
    promises,
    summary: summaryOf(promises),
    exitCode: exitCodeOf(promises),
  };
}

/** The probe's report: of the URL, or of an embedded broker started for it with the battery's chaos. */
async function probeTarget(settings: BatterySettings): Promise<ProbeReport> {
  if (settings.url !== undefined) return probe(settings.url, { stepTimeoutMs: PROBE_STEP_MS });
  const broker = await startEmbedded(settings);
  try {
    return await probe(broker.url, { stepTimeoutMs: PROBE_STEP_MS });
  } finally {
    await broker.stop();
  }
}

/** A row with no run: not asked for, needing --restart-command, salvo's own gap, or not offered. */
function decidedBeforeRunning(
  spec: PromiseSpec,
  settings: BatterySettings,
  unoffered: ReadonlyMap<string, string>,
): PromiseReport | undefined {
  const row = (status: PromiseReport['status'], evidence: string): PromiseReport => ({
    number: spec.number,
    id: spec.id,
    title: spec.title,
    status,
    evidence,
    elapsedMs: 0,
    scenarios: [],
  });
  const skipped = settings.skipped.get(spec.id);
  if (skipped !== undefined) return row('skipped', skipped);
  if (!spec.scenarios && !spec.onLinks)
    return { ...row('not run', spec.notRunWhy ?? 'no scenario'), unsupported: true };
  if (spec.needsRestartCommand && settings.restartCommand === undefined)
    return row(
      'skipped',
      settings.url === undefined
        ? 'the embedded broker keeps messages in memory only: give a URL and --restart-command'
        : 'needs --restart-command CMD (how to restart the broker)',
    );
  const why = unoffered.get(spec.id);
  return why === undefined ? undefined : row('not offered', why);
}

async function runPromise(
  spec: PromiseSpec,
  settings: BatterySettings,
  context: Context,
  address: string | undefined,
): Promise<PromiseReport> {
  const scenarios: ScenarioReport[] = [];
  for (const [index, scenario] of spec.scenarios!(settings.size, settings.restartCommand).entries()) {
    const name = `${index + 1}`;
    scenarios.push(
      await runScenario(spec, scenario, settings, context, {
        dir: join(settings.dir, spec.id, name),
        runId: `${settings.id}-${spec.id}-${name}`,
        ...(address !== undefined ? { url: withAddress(settings.url!, `${address}.${name}`) } : {}),
      }),
    );
  }
  const { status, evidence } = combineScenarios(scenarios);
  return { number: spec.number, id: spec.id, title: spec.title, status, evidence, elapsedMs: 0, scenarios };
}

async function runScenario(
  spec: PromiseSpec,
  scenario: Scenario,
  settings: BatterySettings,
  context: Context,
  where: { dir: string; runId: string; url?: string },
): Promise<ScenarioReport> {
  const started = Date.now();
  const input: PlanInput = {
    drainTimeout: '5s',
    ...scenario.input,
    ...(where.url !== undefined ? { url: where.url } : {}),
    ...(settings.brokerChaos !== undefined ? { brokerChaos: settings.brokerChaos } : {}),
    ...(seeded(scenario.input, settings) ? { seed: settings.seed } : {}),
    runId: where.runId,
    output: where.dir,
    quiet: true,
    json: false,
  };
  const done = (judged: ReturnType<typeof judgeScenario>, result?: string): ScenarioReport => ({
    label: scenario.label,
    ...judged,
    ...(result !== undefined ? { result } : {}),
    elapsedMs: Date.now() - started,
  });
  let outcome: Awaited<ReturnType<typeof executeRun>>;
  try {
    outcome = await executeRun(resolvePlan(input), context);
  } catch (error) {
    if (error instanceof SalvoError && error.code === 'interrupted') throw error;
    return done({ status: 'not run', evidence: describeError(error), counts: {} });
  }
  if (outcome.failure?.code === 'interrupted') throw outcome.failure;
  let file: string | undefined;
  if (outcome.started) {
    writeResult(where.dir, { result: outcome.result, hlogs: outcome.hlogs });
    file = join(where.dir, 'result.json');
  }
  const failure = outcome.failure ? describeError(outcome.failure) : undefined;
  return done(judgeScenario(spec.claim, scenario.needs, outcome.started ? outcome.result : undefined, failure), file);
}

/**
 * A promise checked on links (8, 9, 10): each scenario against the URL, or
 * against its own embedded broker started with the battery's chaos (whose
 * counts join the scenario's, as a run's do).
 */
async function runLinkPromise(
  spec: PromiseSpec,
  settings: BatterySettings,
  address: string | undefined,
): Promise<PromiseReport> {
  const scenarios: ScenarioReport[] = [];
  for (const [index, scenario] of (LINK_SCENARIOS[spec.id] ?? []).entries()) {
    const started = Date.now();
    const broker = settings.url === undefined ? await startEmbedded(settings) : undefined;
    let judged: ScenarioJudgement;
    try {
      const url = parseAmqpUrl(broker?.url ?? settings.url!, { option: 'URL' });
      let n = 0;
      const name = `${address ?? 'salvo.verify'}.${index + 1}`;
      judged = await scenario.run({ url, address: () => `${name}.${++n}` });
      const chaos = broker ? (await broker.stats()).chaos : undefined;
      for (const [key, value] of Object.entries(chaos ?? {})) judged.counts[`broker.${key}`] = value;
    } catch (error) {
      judged = { status: 'not run', evidence: describeError(error), counts: {} };
    } finally {
      await broker?.stop();
    }
    scenarios.push({ label: scenario.label, ...judged, elapsedMs: Date.now() - started });
  }
  const { status, evidence } = combineScenarios(scenarios);
  return { number: spec.number, id: spec.id, title: spec.title, status, evidence, elapsedMs: 0, scenarios };
}

/** An embedded broker for the probe or the link checks, with the battery's chaos. */
function startEmbedded(settings: BatterySettings): Promise<EmbeddedBroker> {
  const chaos =
    settings.brokerChaos === undefined
      ? {}
      : { chaos: parseChaosSpec(settings.brokerChaos, settings.seed, '--broker-chaos') };
  return startEmbeddedBroker({ host: '127.0.0.1', port: 0, ...chaos });
}

/** The seed is taken only where something is seeded (a plan refuses --seed alone). */
function seeded(input: PlanInput, settings: BatterySettings): boolean {
  return (
    settings.brokerChaos !== undefined ||
    input.faults !== undefined ||
    input.txRollbackRatio !== undefined ||
    input.recvTxRollbackRatio !== undefined ||
    input.msgProperty !== undefined
  );
}

/**
 * Where the battery's queues go: under the URL's address when it names one,
 * else `salvo.verify` (with RabbitMQ's `/queue/` prefix when the probe met
 * RabbitMQ), then the battery's id, so that runs never share a queue.
 */
function baseAddress(url: string, report: ProbeReport): string {
  const parsed = parseAmqpUrl(url, { option: 'URL' });
  const named = parsed.address !== '' ? parsed.address : `${defaultAddressPrefix({ ...report.broker })}salvo.verify`;
  return `${named}.${Date.now().toString(36)}`;
}
