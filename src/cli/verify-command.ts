/**
 * `salvo verify [URL]`: a battery of short seeded runs, one or more per
 * delivery promise, and one table of which the broker keeps
 * (src/verify/). Exit 0 when every promise the broker offers is kept, 1
 * when one is broken (or ran and measured nothing), 2 for bad input, 3
 * when the broker cannot be reached.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ProgressLine } from '../coordinator/progress-line.js';
import { SalvoError } from '../errors.js';
import { parseChaosSpec } from '../plan/chaos-spec.js';
import { newRunId, parseAmqpUrl, parseCount, PLAN_DEFAULTS, PlanError } from '../plan/index.js';
import { runBattery } from '../verify/battery.js';
import { formatVerify, progressLine } from '../verify/format.js';
import { verifyHtml } from '../verify/html.js';
import { PROMISES, promiseNamed } from '../verify/promises.js';
import { writeJsonFile } from './json-file.js';

interface VerifyFlags {
  quick?: boolean;
  only?: string[];
  skip?: string[];
  seed: string;
  restartCommand?: string;
  brokerChaos?: string;
  output?: string;
  json?: boolean;
}

export function verifyCommand(): Command {
  const names = PROMISES.map((p) => `${p.number} ${p.id}`).join(', ');
  return new Command('verify')
    .description("run a battery of short seeded runs and print which of the broker's delivery promises it keeps")
    .argument(
      '[url]',
      'amqp[s]://[user:pass@]host[:port][/address] (each run gets its own queue, named under the address if ' +
        'there is one); none: an embedded broker for each run',
    )
    .option('--quick', 'the small battery (about a minute on the embedded broker); default: the full one (minutes)')
    .option('--only <promises>', `run only these (names or numbers, comma-separated): ${names}`, collect)
    .option('--skip <promises>', 'run all but these (names or numbers, comma-separated)', collect)
    .option('--seed <n>', 'seed of every seeded choice (fault times, rollbacks, properties, chaos)', '1')
    .option('--restart-command <cmd>', 'how to restart the broker (shell): enables the broker-restart promise')
    .option(
      '--broker-chaos <spec>',
      "the embedded broker misbehaves on purpose (the battery's self-test), as salvo run",
    )
    .option(
      '--output <dir>',
      `folder for verify.json, verify.html and each run's result (default ${PLAN_DEFAULTS.outputRoot}/verify-<id>)`,
    )
    .option('--json', 'print verify.json on stdout and nothing else')
    .action(async (url: string | undefined, flags: VerifyFlags) => {
      if (url !== undefined) parseAmqpUrl(url, { option: 'URL' });
      const seed = seedOf(flags.seed);
      if (flags.brokerChaos !== undefined) {
        if (url !== undefined) throw new PlanError(`--broker-chaos needs the embedded broker (no URL), got ${url}`);
        parseChaosSpec(flags.brokerChaos, seed, '--broker-chaos');
      }
      if (flags.restartCommand !== undefined && url === undefined)
        throw new PlanError('--restart-command needs a URL: the embedded broker keeps messages in memory only');
      const skipped = skippedOf(flags.only, flags.skip);
      checkSomethingRuns(skipped, flags.restartCommand !== undefined);
      const now = new Date();
      const id = `verify-${newRunId(now)}`;
      const dir = flags.output ?? join(PLAN_DEFAULTS.outputRoot, id);
      const interrupt = new AbortController();
      const onSignal = (): void => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const progress = new ProgressLine(process.stderr, !flags.json && process.stderr.isTTY === true);
        const result = await runBattery(
          {
            ...(url !== undefined ? { url } : {}),
            size: flags.quick ? 'quick' : 'full',
            seed,
            ...(flags.brokerChaos !== undefined ? { brokerChaos: flags.brokerChaos } : {}),
            ...(flags.restartCommand !== undefined ? { restartCommand: flags.restartCommand } : {}),
            skipped,
            dir,
            id,
            now,
          },
          { progress, signal: interrupt.signal },
          (p) => {
            if (!flags.json && p.scenarios.length > 0) process.stderr.write(`${progressLine(p)}\n`);
          },
        );
        const file = writeJsonFile(dir, 'verify.json', result);
        writeFileSync(join(dir, 'verify.html'), verifyHtml(result, dir));
        process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatVerify(result, file)}\n`);
        process.exitCode = result.exitCode;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** Promise id -> why it is skipped: not in --only, or in --skip. Unknown names are usage errors. */
function skippedOf(only: string[] | undefined, skip: string[] | undefined): Map<string, string> {
  const ids = (lists: string[], flag: string): Set<string> => {
    const named = new Set<string>();
    for (const name of lists.flatMap((list) => list.split(','))) {
      const promise = promiseNamed(name);
      if (!promise)
        throw new PlanError(
          `${flag}: unknown promise ${JSON.stringify(name.trim())} (${PROMISES.map((p) => p.id).join(', ')})`,
        );
      named.add(promise.id);
    }
    return named;
  };
  const onlyIds = only === undefined ? undefined : ids(only, '--only');
  const skipIds = ids(skip ?? [], '--skip');
  const skipped = new Map<string, string>();
  for (const p of PROMISES) {
    if (onlyIds !== undefined && !onlyIds.has(p.id)) skipped.set(p.id, 'not in --only');
    else if (skipIds.has(p.id)) skipped.set(p.id, 'in --skip');
  }
  if (skipped.size === PROMISES.length) throw new PlanError('--only and --skip leave no promise to run');
  return skipped;
}

/** A battery that can run nothing would pass vacuously: refused before it starts. */
function checkSomethingRuns(skipped: ReadonlyMap<string, string>, restartCommand: boolean): void {
  const asked = PROMISES.filter((p) => !skipped.has(p.id));
  const runnable = asked.filter((p) => (p.scenarios || p.onLinks) && !(p.needsRestartCommand && !restartCommand));
  if (runnable.length > 0) return;
  const why = asked.map((p) =>
    p.needsRestartCommand ? `${p.id} needs --restart-command (and a URL)` : `${p.id}: ${p.notRunWhy}`,
  );
  throw new PlanError(`--only and --skip leave nothing salvo can run: ${why.join('; ')}`);
}

function seedOf(text: string): number {
  const seed = parseCount(text);
  if (seed === null || seed > 0xffffffff)
    throw new SalvoError('usage', `--seed must be an integer from 0 to 4294967295, got ${JSON.stringify(text)}`);
  return seed;
}

/** Commander's fold for a repeatable option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
