/**
 * `salvo calibrate [URL]`: measures how exactly the fault proxy injects a
 * latency (src/faults/calibrate.ts). Exit 0 within the goal, 1 outside it,
 * 2 for a bad URL or flag, 3 when the broker cannot be reached.
 */
import { writeJsonFile } from './json-file.js';
import { join } from 'node:path';
import { Command } from 'commander';
import { ProgressLine } from '../coordinator/progress-line.js';
import { exitCodeFor } from '../errors.js';
import { CALIBRATION_DEFAULTS, calibrate, formatCalibration } from '../calibrate/calibrate.js';
import { PlanError, PLAN_DEFAULTS, parseDurationMs, parseRateHz } from '../plan/index.js';
import { URL_HELP } from './options.js';

interface CalibrateFlags {
  rate: string;
  duration: string;
  warmup: string;
  output?: string;
  json?: boolean;
}

export function calibrateCommand(): Command {
  return new Command('calibrate')
    .description('check the fault proxy: runs without and with "latency 5ms" each way; is the shift 10 ms?')
    .argument('[url]', `${URL_HELP}; none: an embedded broker`)
    .option('--rate <msg/s>', 'open-loop rate of each run', String(CALIBRATION_DEFAULTS.rateHz))
    .option('--duration <time>', 'length of each run, warm-up included', `${CALIBRATION_DEFAULTS.durationMs / 1000}s`)
    .option('--warmup <time>', 'warm-up of each run, excluded', `${CALIBRATION_DEFAULTS.warmupMs / 1000}s`)
    .option('--output <dir>', `folder for calibration.json (default ${PLAN_DEFAULTS.outputRoot}/<id>)`)
    .option('--json', 'print the calibration JSON on stdout and nothing else')
    .action(async (url: string | undefined, flags: CalibrateFlags) => {
      const rateHz = parseRateHz(flags.rate);
      if (rateHz === null || rateHz <= 0)
        throw new PlanError(
          `--rate must be a positive number of messages per second, got ${JSON.stringify(flags.rate)}`,
        );
      const durationMs = positiveDuration(flags.duration, '--duration');
      const warmupMs = parseDurationMs(flags.warmup);
      if (warmupMs === null || warmupMs >= durationMs)
        throw new PlanError(`--warmup must be a duration shorter than --duration, got ${JSON.stringify(flags.warmup)}`);
      const interrupt = new AbortController();
      const onSignal = (): void => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const progress = new ProgressLine(process.stderr, !flags.json && process.stderr.isTTY === true);
        const result = await calibrate(
          { ...(url ? { url } : {}), rateHz, durationMs, warmupMs },
          { progress, signal: interrupt.signal },
        );
        const dir = flags.output ?? join(PLAN_DEFAULTS.outputRoot, result.id);
        const file = writeJsonFile(dir, 'calibration.json', result);
        process.stdout.write(
          flags.json ? JSON.stringify(result, null, 2) + '\n' : formatCalibration(result, file) + '\n',
        );
        if (!result.ok) process.exitCode = exitCodeFor('failed');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDurationMs(text);
  if (ms === null || ms < 1)
    throw new PlanError(`${flag} must be a positive duration (e.g. 6s, 500ms), got ${JSON.stringify(text)}`);
  return ms;
}
